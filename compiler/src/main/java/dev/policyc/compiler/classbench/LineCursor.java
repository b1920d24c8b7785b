package dev.policyc.compiler.classbench;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;

/**
 * A position in one line of a ClassBench file, read field by field: each failure names the
 * 1-based column where the field that is wrong begins.
 */
final class LineCursor {
  private final String text;
  private int pos;

  LineCursor(String text) {
    this.text = text;
  }

  /** A field that is wrong: the code, the column and what is wrong with it. */
  static final class Bad extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Code code;
    final int column;

    Bad(Code code, int column, String message) {
      super(message, null, false, false);
      this.code = code;
      this.column = column;
    }

    Diagnostic at(String file, int line) {
      return new Diagnostic(code, getMessage(), new SourcePos(file, line, column));
    }
  }

  /** The 1-based column of the next character. */
  int column() {
    return pos + 1;
  }

  boolean atEnd() {
    return pos >= text.length();
  }

  /** Skips spaces and tabs; true when there were some. */
  boolean skipBlanks() {
    int start = pos;
    while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
      pos++;
    }
    return pos > start;
  }

  /** Skips the blanks that must separate {@code what} from the field before it. */
  void blanksBefore(Code code, String what) throws Bad {
    boolean blanks = skipBlanks();
    if (atEnd()) {
      throw new Bad(code, column(), "missing " + what);
    }
    if (!blanks) {
      throw new Bad(code, column(), "expected blanks before " + what + ", found " + found());
    }
  }

  /** Reads the character {@code c}. */
  void expect(char c, Code code, String what) throws Bad {
    if (atEnd() || text.charAt(pos) != c) {
      throw new Bad(code, column(), "expected " + what + ", found " + found());
    }
    pos++;
  }

  /** Reads an unsigned decimal number of at most {@code maxDigits} digits. */
  long decimal(int maxDigits, Code code, String what) throws Bad {
    int start = pos;
    while (pos < text.length() && Character.isDigit(text.charAt(pos))
        && text.charAt(pos) < 0x80) {
      pos++;
    }
    if (pos == start) {
      throw new Bad(code, column(), "expected " + what + ", found " + found());
    }
    if (pos - start > maxDigits) {
      throw new Bad(code, start + 1, what + " '" + text.substring(start, pos) + "' is too long");
    }
    return Long.parseLong(text, start, pos, 10);
  }

  /** Reads {@code 0x} and one to {@code maxDigits} hexadecimal digits. */
  long hex(int maxDigits, Code code, String what) throws Bad {
    int start = pos;
    if (!text.startsWith("0x", pos) && !text.startsWith("0X", pos)) {
      throw new Bad(code, column(), "expected " + what + " as 0x…, found " + found());
    }
    pos += 2;
    int digits = pos;
    while (pos < text.length() && Character.digit(text.charAt(pos), 16) >= 0
        && text.charAt(pos) < 0x80) {
      pos++;
    }
    if (pos == digits || pos - digits > maxDigits) {
      throw new Bad(code, start + 1, what + " '" + text.substring(start, pos)
          + "' needs 1 to " + maxDigits + " hexadecimal digits");
    }
    return Long.parseLong(text, digits, pos, 16);
  }

  /** What is at the cursor, for a message: {@code 'x'} or {@code the end of the line}. */
  String found() {
    if (atEnd()) {
      return "the end of the line";
    }
    if (text.charAt(pos) == ' ' || text.charAt(pos) == '\t') {
      return text.charAt(pos) == ' ' ? "a space" : "a tab";
    }
    int end = pos;
    while (end < text.length() && end - pos < 12 && !Character.isWhitespace(text.charAt(end))) {
      end++;
    }
    return "'" + text.substring(pos, Math.max(end, pos + 1)) + "'";
  }
}
