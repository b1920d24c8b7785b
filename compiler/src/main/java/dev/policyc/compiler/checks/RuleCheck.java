package dev.policyc.compiler.checks;

import java.util.List;

/**
 * A check of each policy rule against the other rules of its chain, through the IR rules it
 * became ({@link PacketAnalysis#refs}): it needs the whole IR and compares rules.
 */
abstract class RuleCheck implements Check {
  @Override
  public final boolean runsOnPartialIr() {
    return false;
  }

  @Override
  public final boolean comparesRules() {
    return true;
  }

  @Override
  public final void run(CheckContext ctx) {
    PacketAnalysis a = ctx.analysis();
    for (PolicyRules.Entry e : PolicyRules.of(ctx.policy())) {
      List<PacketAnalysis.Ref> refs = a.refs(e.key());
      if (!refs.isEmpty()) {
        check(ctx, a, e, refs);
      }
    }
  }

  /** Reports what it finds of policy rule {@code e}, which became the IR rules {@code refs}. */
  abstract void check(CheckContext ctx, PacketAnalysis a, PolicyRules.Entry e,
      List<PacketAnalysis.Ref> refs);
}
