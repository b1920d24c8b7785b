package dev.policyc.compiler.diag;

import dev.policyc.dsl.SourcePos;
import java.util.Objects;

/** One problem found in a policy: code, severity, message and where. */
public record Diagnostic(Code code, Severity severity, String message, SourcePos pos) {
  public Diagnostic {
    Objects.requireNonNull(code);
    Objects.requireNonNull(severity);
    Objects.requireNonNull(message);
    Objects.requireNonNull(pos);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code file:line:col: error PC1001: message}. */
  @Override
  public String toString() {
    return pos + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + " " + code + ": "
        + message;
  }
}
