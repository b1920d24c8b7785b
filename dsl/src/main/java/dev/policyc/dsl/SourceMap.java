package dev.policyc.dsl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each element of a policy was written, keyed by its path in the document
 * ({@code filter.INPUT.rules[2].match.src[1]}).
 *
 * <p>Positions are metadata, not content: every {@code SourceMap} equals every other, so two
 * policies that say the same thing are equal whether they were read from YAML or built with the
 * DSL.
 */
public final class SourceMap {
  private static final SourceMap EMPTY = new SourceMap("<dsl>", Map.of());

  private final String file;
  private final Map<String, SourcePos> positions;

  private SourceMap(String file, Map<String, SourcePos> positions) {
    this.file = file;
    this.positions = positions;
  }

  public static SourceMap empty() {
    return EMPTY;
  }

  public static SourceMap of(String file, Map<String, SourcePos> positions) {
    return new SourceMap(file, Collections.unmodifiableMap(new LinkedHashMap<>(positions)));
  }

  /** The file the policy was read from, or {@code <dsl>}. */
  public String file() {
    return file;
  }

  /**
   * The position of the element at {@code path}, or of its nearest ancestor that has one, or a
   * position naming only the file.
   */
  public SourcePos at(String path) {
    String p = path;
    while (!p.isEmpty()) {
      SourcePos pos = positions.get(p);
      if (pos != null) {
        return pos;
      }
      p = parent(p);
    }
    return new SourcePos(file, 0, 0);
  }

  /** True when the exact path was recorded. */
  public boolean has(String path) {
    return positions.containsKey(path);
  }

  static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut <= 0 ? "" : path.substring(0, cut);
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
