package dev.policyc.dsl;

import dev.policyc.dsl.path.SourcePath;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Where each element of a policy was written, keyed by its {@link SourcePath} in the document
 * ({@code filter.INPUT.rules[2].match.src[1]}).
 *
 * <p>Lookups are exact: {@link #at} answers for the path asked, never for another. Where an
 * element may legitimately have no position of its own (a key under an action written as a bare
 * word), the caller says so by asking {@link #atOrEnclosing}.
 *
 * <p>Positions are metadata, not content: every {@code SourceMap} equals every other, so two
 * policies that say the same thing are equal whether they were read from YAML or built with the
 * DSL.
 */
public final class SourceMap {
  private static final SourceMap EMPTY = new SourceMap("<dsl>", Map.of(), List.of("<dsl>"));

  private final String file;
  private final Map<String, SourcePos> positions;
  private final List<String> files;

  private SourceMap(String file, Map<String, SourcePos> positions, List<String> files) {
    this.file = file;
    this.positions = positions;
    this.files = files;
  }

  /** The map of a policy that was not read from a file: every path has the file-only position. */
  public static SourceMap empty() {
    return EMPTY;
  }

  /**
   * The positions the YAML reader recorded, keyed by {@link SourcePath#key()}. The map is taken
   * over, not copied (a policy of 100K rules has a million positions): the caller must not change
   * it afterwards.
   */
  public static SourceMap of(String file, Map<String, SourcePos> positions) {
    return new SourceMap(file, Collections.unmodifiableMap(positions), List.of(file));
  }

  /**
   * As {@link #of(String, Map)}, for a policy read from {@code file} and the files it includes
   * ({@code include:}); {@code files} lists them all, {@code file} first. A position's own
   * {@link SourcePos#file()} says which of them the element was written in.
   */
  public static SourceMap of(String file, Map<String, SourcePos> positions, List<String> files) {
    if (files.isEmpty() || !files.get(0).equals(file)) {
      throw new IllegalArgumentException("files must start with " + file + ": " + files);
    }
    return new SourceMap(file, Collections.unmodifiableMap(positions), List.copyOf(files));
  }

  /** The file the policy was read from, or {@code <dsl>}. */
  public String file() {
    return file;
  }

  /**
   * Every file the policy was read from: {@link #file()} first, then the files it includes, in
   * the order they were first read.
   */
  public List<String> files() {
    return files;
  }

  /**
   * The position of the element at exactly {@code path}.
   *
   * <p>A map without positions ({@link #empty()}, a policy built with the DSL) answers the
   * file-only position for every path. In a map read from a file, a path without a position is a
   * bug of the caller (it names an element the reader never saw, or one that may be absent and
   * wants {@link #atOrEnclosing}): with assertions enabled, as in the tests, the lookup fails
   * with the path; without them it answers the file-only position, so that the diagnostic is
   * still reported, with no line.
   */
  public SourcePos at(SourcePath path) {
    SourcePos pos = positions.get(path.key());
    if (pos != null) {
      return pos;
    }
    assert positions.isEmpty() : "no position recorded for " + path + " in " + file;
    return fileOnly();
  }

  /**
   * The position of the element at {@code path}, or else of the nearest element that encloses
   * it, or else the file-only position: for the elements that may legitimately be absent, such
   * as {@code action.reject} when the action is the bare word {@code reject}.
   */
  public SourcePos atOrEnclosing(SourcePath path) {
    for (SourcePath p = path; p != null; p = p.parent().orElse(null)) {
      SourcePos pos = positions.get(p.key());
      if (pos != null) {
        return pos;
      }
    }
    return fileOnly();
  }

  /** True when the exact path was recorded. */
  public boolean has(SourcePath path) {
    return positions.containsKey(path.key());
  }

  /** A position naming only the file. */
  public SourcePos fileOnly() {
    return new SourcePos(file, 0, 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourceMap;
  }

  @Override
  public int hashCode() {
    return 0;
  }

  @Override
  public String toString() {
    return "SourceMap[" + file + ", " + positions.size() + " positions]";
  }
}
