package dev.policyc.compiler.checks;

import dev.policyc.compiler.analysis.ChainAnalysis.Answer;
import dev.policyc.compiler.analysis.ChainAnalysis;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.diag.Code;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A rule that can be deleted without changing any decision: every packet it takes would, without
 * it, meet only later rules that decide the same (and rules it does not match), and then perhaps
 * the end of the chain, which decides the same too. A rule whose every packet earlier rules take
 * is {@link ShadowedRule} instead.
 */
final class RedundantRule extends RuleCheck {
  @Override
  public Code code() {
    return Code.PC7004;
  }

  @Override
  void check(CheckContext ctx, PacketAnalysis a, PolicyRules.Entry e,
      List<PacketAnalysis.Ref> refs) {
    if (ShadowedRule.shadowedBy(a, refs) != null || !redundant(a, refs)) {
      return;
    }
    List<Origin> takers = new ArrayList<>();
    boolean end = false;
    for (PacketAnalysis.Ref ref : refs) {
      ChainAnalysis.Result r = a.result(ref);
      for (int i : r.takers()) {
        takers.add(a.chain(ref.chain()).rules().get(i).rule().origin());
      }
      end |= r.endTakesOver();
    }
    List<String> who = new ArrayList<>();
    if (!takers.isEmpty()) {
      who.add(PolicyRules.describe(takers, false));
    }
    if (end) {
      who.add(endOf(ctx, e));
    }
    ctx.report(this, ctx.at(e.path()), "this rule is redundant: without it, "
        + PolicyRules.join(who) + " would decide the same for every packet it takes");
  }

  /**
   * True when every IR rule of a policy rule is shadowed or redundant and one is redundant: the
   * policy rule can go, and it is not simply shadowed.
   */
  static boolean redundant(PacketAnalysis a, List<PacketAnalysis.Ref> refs) {
    boolean any = false;
    for (PacketAnalysis.Ref ref : refs) {
      ChainAnalysis.Result r = a.result(ref);
      if (r.shadowed() != Answer.YES && r.redundant() != Answer.YES) {
        return false;
      }
      any |= r.redundant() == Answer.YES;
    }
    return any;
  }

  private static String endOf(CheckContext ctx, PolicyRules.Entry e) {
    String chain = e.table().iptablesName() + "/" + e.chain();
    if (!e.table().isBuiltin(e.chain())) {
      return "the end of " + chain + " (which returns)";
    }
    Verdict p = ctx.policy().chain(e.table(), e.chain()).map(c -> c.policy()).orElse(null);
    return "the policy " + (p == null ? Verdict.ACCEPT : p).name().toUpperCase(Locale.ROOT)
        + " of " + chain;
  }
}
