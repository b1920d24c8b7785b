package dev.policyc.dsl.path;

/**
 * The path of an element written as a list, or as one scalar that stands for a list of one: its
 * items are {@code key[0]}, {@code key[1]}, ….
 */
public final class ListPath extends SourcePath {
  ListPath(SourcePath parent, String name) {
    super(parent, name);
  }

  /** The item {@code i} (from 0). */
  public SourcePath item(int i) {
    return new SourcePath(this, i);
  }
}
