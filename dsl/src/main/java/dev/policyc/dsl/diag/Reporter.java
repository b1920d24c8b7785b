package dev.policyc.dsl.diag;

import dev.policyc.dsl.SourcePos;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects diagnostics and goes on, so that one run reports every problem. */
public final class Reporter {
  private final List<Diagnostic> diagnostics = new ArrayList<>();

  public void report(Code code, SourcePos pos, String message) {
    diagnostics.add(new Diagnostic(code, message, pos));
  }

  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(Diagnostic::isError);
  }

  public int errorCount() {
    return (int) diagnostics.stream().filter(Diagnostic::isError).count();
  }

  /** Every diagnostic, sorted by file, line and column (stable for equal positions). */
  public List<Diagnostic> diagnostics() {
    List<Diagnostic> out = new ArrayList<>(diagnostics);
    out.sort(
        Comparator.comparing((Diagnostic d) -> d.pos().file())
            .thenComparingInt(d -> d.pos().line())
            .thenComparingInt(d -> d.pos().column()));
    return out;
  }
}
