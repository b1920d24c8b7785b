package dev.policyc.dsl.yaml;

import dev.policyc.dsl.diag.Diagnostic;
import java.util.List;

/** A policy file could not be read; carries every problem found, in document order. */
public final class PolicyParseException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<Diagnostic> diagnostics;

  public PolicyParseException(List<Diagnostic> diagnostics) {
    super(diagnostics.isEmpty() ? "invalid policy" : diagnostics.get(0).toString());
    this.diagnostics = List.copyOf(diagnostics);
  }

  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }
}
