package dev.policyc.compiler;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.List;

/**
 * The outcome of checking one policy: lowering's errors and the lint checks' warnings.
 *
 * @param ir the lowered IR, or null when there were errors
 * @param diagnostics every error and warning, sorted by position
 */
public record CheckResult(IrPolicy ir, List<Diagnostic> diagnostics) {
  public CheckResult {
    diagnostics = List.copyOf(diagnostics);
  }

  public boolean ok() {
    return ir != null;
  }
}
