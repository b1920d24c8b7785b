package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.path.SourcePath;
import java.util.Objects;

/**
 * What a check sees: the policy as written (for positions), its IR, the settings, a reporter,
 * and the packet-space analysis of the IR, computed once for the checks that read it.
 */
public final class CheckContext {
  private final Policy policy;
  private final IrPolicy ir;
  private final boolean complete;
  private final CheckSettings settings;
  private final Reporter reporter;
  private PacketAnalysis analysis;

  /**
   * @param complete false when lowering reported errors: the IR then holds only the rules that
   *     lowered, plus the bare jumps of the rules that did not
   */
  public CheckContext(Policy policy, IrPolicy ir, boolean complete, CheckSettings settings,
      Reporter reporter) {
    this.policy = Objects.requireNonNull(policy);
    this.ir = Objects.requireNonNull(ir);
    this.complete = complete;
    this.settings = Objects.requireNonNull(settings);
    this.reporter = Objects.requireNonNull(reporter);
  }

  public Policy policy() {
    return policy;
  }

  public IrPolicy ir() {
    return ir;
  }

  public boolean complete() {
    return complete;
  }

  public CheckSettings settings() {
    return settings;
  }

  /** Where an element of the policy was written. */
  public SourcePos at(SourcePath path) {
    return source().at(path);
  }

  public SourceMap source() {
    return policy.source();
  }

  /**
   * The analysis of every chain; only for checks that run on a complete IR and {@link
   * Check#comparesRules() compare rules}.
   */
  PacketAnalysis analysis() {
    if (!complete) {
      throw new IllegalStateException("no packet analysis of a partial IR");
    }
    if (analysis == null) {
      analysis = PacketAnalysis.of(ir);
    }
    return analysis;
  }

  void report(Check check, SourcePos pos, String message) {
    reporter.report(check.code(), pos, message);
  }
}
