package dev.policyc.compiler.parse;

import dev.policyc.dsl.SourcePos;

/** Text that a reader cannot turn into IR, with where and why. */
public final class ParseException extends Exception {
  private static final long serialVersionUID = 1L;

  private final SourcePos pos;

  public ParseException(SourcePos pos, String message) {
    super(pos + ": " + message);
    this.pos = pos;
  }

  public SourcePos pos() {
    return pos;
  }
}
