package dev.policyc.compiler.parse;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;

/**
 * Text that a reader cannot turn into IR, with where and why: a {@link Diagnostic} with its
 * stable code ({@link Code#PC8008} for iptables-save text, {@link Code#PC8009} for ipset text).
 */
public final class ParseException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Diagnostic diagnostic;

  public ParseException(Code code, SourcePos pos, String message) {
    super(pos + ": " + message);
    this.diagnostic = new Diagnostic(code, message, pos);
  }

  /** A problem in iptables-save text ({@link Code#PC8008}). */
  public ParseException(SourcePos pos, String message) {
    this(Code.PC8008, pos, message);
  }

  public SourcePos pos() {
    return diagnostic.pos();
  }

  /** The problem as the CLI reports it: {@code file:line:col: error PC8008: message}. */
  public Diagnostic diagnostic() {
    return diagnostic;
  }
}
