package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.path.SourcePath;

/**
 * What a check sees: the policy as written (for positions), its IR, and a reporter.
 *
 * @param complete false when lowering reported errors: the IR then holds only the rules that
 *     lowered, plus the bare jumps of the rules that did not
 */
public record CheckContext(Policy policy, IrPolicy ir, boolean complete, Reporter reporter) {
  /** Where an element of the policy was written. */
  public SourcePos at(SourcePath path) {
    return source().at(path);
  }

  public SourceMap source() {
    return policy.source();
  }

  void report(Check check, SourcePos pos, String message) {
    reporter.report(check.code(), pos, message);
  }
}
