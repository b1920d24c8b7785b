package dev.policyc.dsl.path;

import java.util.Optional;

/**
 * The path of an element in a policy document, such as {@code filter.INPUT.rules[2].match.src[1]}:
 * the key under which a {@link dev.policyc.dsl.SourceMap} records where the element was written.
 *
 * <p>Paths are made only by the typed builders of this package, starting at {@link PolicyPath},
 * so a misspelt key does not compile. Each key is spelt as the YAML reader records it. Two paths
 * are equal when they render to the same key.
 */
public class SourcePath {
  private final SourcePath parent;
  private final String key;

  /** A top-level key of the document. */
  SourcePath(String name) {
    this.parent = null;
    this.key = name;
  }

  /** The key {@code name} of the mapping at {@code parent}. */
  SourcePath(SourcePath parent, String name) {
    this.parent = parent;
    this.key = parent.key + "." + name;
  }

  /** The item {@code index} (from 0) of the list at {@code parent}. */
  SourcePath(SourcePath parent, int index) {
    if (index < 0) {
      throw new IllegalArgumentException("negative index " + index + " in " + parent.key);
    }
    this.parent = parent;
    this.key = parent.key + "[" + index + "]";
  }

  /** The key as the source map records it. */
  public final String key() {
    return key;
  }

  /** The path of the element that holds this one; empty for a top-level key. */
  public final Optional<SourcePath> parent() {
    return Optional.ofNullable(parent);
  }

  /** A leaf under this path. */
  final SourcePath child(String name) {
    return new SourcePath(this, name);
  }

  /** A list under this path. */
  final ListPath list(String name) {
    return new ListPath(this, name);
  }

  @Override
  public final boolean equals(Object o) {
    return o instanceof SourcePath p && p.key.equals(key);
  }

  @Override
  public final int hashCode() {
    return key.hashCode();
  }

  @Override
  public final String toString() {
    return key;
  }
}
