package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code masquerade} (or a port-only {@code snat}) that names no family and so also exists in
 * IPv6, where it translates global unicast sources (2000::/3): NAT66 of addresses that need no
 * translation, usually the side effect of a network group that mixes families, or of a rule
 * with no source at all. A rule that says {@code family: ipv6} means it and is not reported.
 */
final class Nat66OfGlobalAddresses implements Check {
  private static final IntervalSet GLOBAL = IntervalSet.of(IpRange.parse("2000::/3"));
  /** The most ranges the message names. */
  private static final int MAX_NAMED = 2;

  @Override
  public Code code() {
    return Code.PC7010;
  }

  @Override
  public boolean runsOnPartialIr() {
    return false;
  }

  @Override
  public void run(CheckContext ctx) {
    RuleTable nat = ctx.ir().ipv6().table(Table.NAT).orElse(null);
    if (nat == null) {
      return;
    }
    // the global sources each policy rule translates in IPv6
    Map<String, IntervalSet> global = new LinkedHashMap<>();
    for (Chain c : nat.chains()) {
      for (Rule r : c.rules()) {
        Target t = r.target();
        boolean srcNat = t instanceof Target.Masquerade
            || (t instanceof Target.Snat s && s.addrs() == null);
        if (!srcNat || r.origin().path().isEmpty()) {
          continue;
        }
        Constraint k = Constraints.of(r, Family.IPV6, ctx.ir());
        Cube cube = k instanceof Opaque o ? o.bound() : (Cube) k;
        IntervalSet src = ((IntervalSet) cube.get(Field.SRC)).intersect(GLOBAL);
        if (!src.isEmpty() && !cube.isEmpty()) {
          global.merge(r.origin().path().get().key(), src, (a, b) -> a.union(b));
        }
      }
    }
    for (PolicyRules.Entry e : PolicyRules.of(ctx.policy())) {
      IntervalSet src = global.get(e.key());
      if (src == null || e.spec().match().family() != null) {
        continue;
      }
      boolean masq = e.spec().action() instanceof Action.Masquerade;
      List<IpRange> ranges = src.ipRanges(Family.IPV6);
      List<String> named = new ArrayList<>();
      for (IpRange r : ranges.subList(0, Math.min(MAX_NAMED, ranges.size()))) {
        named.add(r.toString());
      }
      if (ranges.size() > MAX_NAMED) {
        named.add((ranges.size() - MAX_NAMED) + " more");
      }
      String from = e.spec().match().src() == null ? "every IPv6 source, as the rule names no"
          + " source" : "the IPv6 members of its source";
      ctx.report(this, ctx.source().atOrEnclosing(masq ? e.path().action().masquerade()
          : e.path().action().snat()), (masq ? "masquerade" : "snat") + " also applies to"
          + " IPv6 and translates " + from + " (global addresses: " + PolicyRules.join(named)
          + "), which need no NAT; say family: ipv4 to translate IPv4 only, or family: ipv6"
          + " if NAT66 is meant");
    }
  }
}
