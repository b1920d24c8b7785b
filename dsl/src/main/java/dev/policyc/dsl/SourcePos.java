package dev.policyc.dsl;

/**
 * A place in a policy source: file, 1-based line and 1-based column.
 *
 * <p>Line and column are 0 when unknown (a policy built with the Java DSL).
 */
public record SourcePos(String file, int line, int column) {
  public static final SourcePos UNKNOWN = new SourcePos("<dsl>", 0, 0);

  public SourcePos {
    if (file == null || file.isEmpty()) {
      file = "<input>";
    }
    if (line < 0 || column < 0) {
      throw new IllegalArgumentException("negative position " + line + ":" + column);
    }
  }

  public boolean known() {
    return line > 0;
  }

  /** {@code file:line:column}, or just the file name when the line is unknown. */
  @Override
  public String toString() {
    return known() ? file + ":" + line + ":" + column : file;
  }
}
