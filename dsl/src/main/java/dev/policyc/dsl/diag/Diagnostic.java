package dev.policyc.dsl.diag;

import dev.policyc.dsl.SourcePos;
import java.util.Locale;
import java.util.Objects;

/** One problem found in a policy: its code (which gives the severity), a message and where. */
public record Diagnostic(Code code, String message, SourcePos pos) {
  public Diagnostic {
    Objects.requireNonNull(code);
    Objects.requireNonNull(message);
    Objects.requireNonNull(pos);
  }

  public Severity severity() {
    return code.severity();
  }

  public boolean isError() {
    return severity() == Severity.ERROR;
  }

  /** {@code file:line:col: error PC1001: message}. */
  @Override
  public String toString() {
    return pos + ": " + severity().name().toLowerCase(Locale.ROOT) + " " + code + ": " + message;
  }
}
