package dev.policyc.compiler.checks;

import dev.policyc.compiler.analysis.ChainAnalysis.Answer;
import dev.policyc.compiler.analysis.ChainAnalysis;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.dsl.diag.Code;
import java.util.ArrayList;
import java.util.List;

/**
 * A rule no packet reaches: the earlier rules of its chain, together, take every packet it
 * matches (or it matches none). The covering rules are named; often one of them is too broad, or
 * the rule was meant to come first. Every IR rule the policy rule became, in both families, must
 * be shadowed; see {@link ChainAnalysis} for what counts as evidence.
 */
final class ShadowedRule extends RuleCheck {
  @Override
  public Code code() {
    return Code.PC7002;
  }

  @Override
  void check(CheckContext ctx, PacketAnalysis a, PolicyRules.Entry e,
      List<PacketAnalysis.Ref> refs) {
    List<Origin> covers = shadowedBy(a, refs);
    if (covers == null) {
      return;
    }
    String where = e.table().iptablesName() + "/" + e.chain();
    ctx.report(this, ctx.at(e.path()), covers.isEmpty()
        ? "this rule matches no packet: its matches contradict each other"
        : "this rule is shadowed: " + PolicyRules.describe(covers, false) + " of " + where
            + (PolicyRules.count(covers) == 1 ? " takes" : " take")
            + " every packet it matches before it, so it never applies");
  }

  /**
   * The rules that take every packet of every IR rule of a policy rule, or null when some IR rule
   * is not (known to be) shadowed, or there is none.
   */
  static List<Origin> shadowedBy(PacketAnalysis a, List<PacketAnalysis.Ref> refs) {
    if (refs.isEmpty()) {
      return null;
    }
    List<Origin> covers = new ArrayList<>();
    for (PacketAnalysis.Ref ref : refs) {
      ChainAnalysis.Result r = a.result(ref);
      if (r.shadowed() != Answer.YES) {
        return null;
      }
      for (int i : r.covers()) {
        covers.add(a.chain(ref.chain()).rules().get(i).rule().origin());
      }
    }
    return covers;
  }
}
