package dev.policyc.compiler.checks;

import dev.policyc.compiler.analysis.ChainAnalysis;
import dev.policyc.compiler.analysis.RuleView;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.space.Cube;
import dev.policyc.dsl.diag.Code;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two rules of a chain that decide differently (accept against drop or reject, or different
 * NAT) on packets both match, where neither contains the other: the earlier one decides the
 * overlap, and swapping them would change it, so their order deserves a look. FIREMAN calls
 * this a correlation anomaly. A later rule containing an earlier one (a default after its
 * exceptions) is the usual way to write a policy and is not reported.
 */
final class ConflictingOverlap extends RuleCheck {
  /** The most earlier rules one warning names. */
  private static final int MAX_NAMED = 3;

  @Override
  public Code code() {
    return Code.PC7006;
  }

  @Override
  void check(CheckContext ctx, PacketAnalysis a, PolicyRules.Entry e,
      List<PacketAnalysis.Ref> refs) {
    if (ShadowedRule.shadowedBy(a, refs) != null || RedundantRule.redundant(a, refs)) {
      return;
    }
    // the earlier policy rules, each with what it does, in policy order
    Map<String, Origin> earlier = new LinkedHashMap<>();
    Map<String, String> verbs = new LinkedHashMap<>();
    String verb = null;
    Cube example = null;
    for (PacketAnalysis.Ref ref : refs) {
      ChainAnalysis.Result r = a.result(ref);
      if (example == null && !r.overlaps().isEmpty()) {
        example = r.overlaps().get(0);
      }
      for (int i : r.conflicts()) {
        RuleView v = a.chain(ref.chain()).rules().get(i);
        Origin o = v.rule().origin();
        String key = o.path().map(p -> p.key()).orElse(o.what());
        earlier.putIfAbsent(key, o);
        verbs.putIfAbsent(key, PolicyRules.verb(v.rule().target()));
        verb = PolicyRules.verb(a.view(ref).rule().target());
      }
    }
    if (earlier.isEmpty()) {
      return;
    }
    List<Origin> sorted = new ArrayList<>(earlier.values());
    sorted.sort((x, y) -> x.pos().line() != y.pos().line() ? x.pos().line() - y.pos().line()
        : x.pos().column() - y.pos().column());
    List<String> names = new ArrayList<>();
    for (Origin o : sorted.subList(0, Math.min(MAX_NAMED, sorted.size()))) {
      String key = o.path().map(p -> p.key()).orElse(o.what());
      names.add(PolicyRules.name(o, false) + ", which " + verbs.get(key) + ",");
    }
    if (sorted.size() > MAX_NAMED) {
      names.add((sorted.size() - MAX_NAMED) + " more");
    }
    boolean one = sorted.size() == 1;
    ctx.report(this, ctx.at(e.path()), PolicyRules.join(names) + (one ? " matches" : " match")
        + " some of the packets this rule " + verb + " and "
        + (one ? "decides them" : "decide them") + " first; neither rule contains the other,"
        + " so their order decides the packets both match (" + CubeText.describe(example)
        + "): check that it is the intended one");
  }
}
