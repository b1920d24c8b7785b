package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Side;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Code;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A policy rule that becomes more kernel rules than the threshold ({@link
 * CheckSettings#maxExpansion()}): each address range of a list, protocol of a service group and
 * interface of a group multiplies the rules, and the kernel tries linear rules one by one. The
 * warning names the factors and suggests an ipset, which matches any number of addresses in one
 * rule. Counts are of the rules lowering makes, before the passes (a port list longer than one
 * multiport match adds a few more).
 */
final class LargeExpansion implements Check {
  /** The parts of a rule that multiply, in the order the message names them. */
  private enum Part {
    SRC("source address ranges"),
    DST("destination address ranges"),
    PROTO("protocols"),
    SPORT("source port lists"),
    DPORT("destination port lists"),
    IN("input interfaces"),
    OUT("output interfaces");

    final String words;

    Part(String words) {
      this.words = words;
    }
  }

  @Override
  public Code code() {
    return Code.PC7007;
  }

  @Override
  public boolean runsOnPartialIr() {
    return true;
  }

  @Override
  public void run(CheckContext ctx) {
    Map<String, Map<Family, List<Rule>>> byRule = new LinkedHashMap<>();
    for (Family f : Family.values()) {
      for (RuleTable rt : ctx.ir().ruleset(f).tables()) {
        for (Chain c : rt.chains()) {
          for (Rule r : c.rules()) {
            r.origin().path().ifPresent(p -> byRule.computeIfAbsent(p.key(),
                k -> new EnumMap<>(Family.class)).computeIfAbsent(f, k -> new ArrayList<>())
                .add(r));
          }
        }
      }
    }
    int max = ctx.settings().maxExpansion();
    for (PolicyRules.Entry e : PolicyRules.of(ctx.policy())) {
      Map<Family, List<Rule>> rules = byRule.getOrDefault(e.key(), Map.of());
      int total = rules.values().stream().mapToInt(List::size).sum();
      if (total > max) {
        ctx.report(this, ctx.at(e.path()), message(rules, total, max));
      }
    }
  }

  private static String message(Map<Family, List<Rule>> rules, int total, int max) {
    StringBuilder sb = new StringBuilder("this rule becomes ").append(number(total))
        .append(" kernel rules");
    if (rules.size() > 1) {
      List<String> per = new ArrayList<>();
      rules.forEach((f, rs) -> per.add(number(rs.size()) + " " + PolicyRules.family(f)));
      sb.append(" (").append(PolicyRules.join(per)).append(')');
    }
    sb.append(", more than ").append(number(max)).append("; ");
    // the factors of the family with the most rules
    List<Rule> most = rules.values().stream().max((a, b) -> a.size() - b.size()).orElseThrow();
    Map<Part, Integer> factors = factors(most);
    List<String> named = new ArrayList<>();
    factors.forEach((p, n) -> named.add(number(n) + " " + p.words));
    sb.append(named.isEmpty() ? "its matches" : "it combines " + PolicyRules.join(named));
    Integer src = factors.get(Part.SRC);
    Integer dst = factors.get(Part.DST);
    if (src != null || dst != null) {
      String side = src != null && (dst == null || src >= dst) ? "src" : "dst";
      sb.append("; put the ").append(side.equals("src") ? "source" : "destination")
          .append(" addresses in an ipset (objects.sets, type hash:net) and match it with")
          .append(" set: { name: NAME, dir: ").append(side).append(" }, which the kernel looks up")
          .append(" in one rule");
    } else {
      sb.append("; each combination is a rule of its own: a wildcard interface (eth+) or an"
          + " ipset (bitmap:port, hash:net,port) can stand for several values");
    }
    return sb.toString();
  }

  /** How many distinct values each part takes over the rules, for the parts with more than one. */
  private static Map<Part, Integer> factors(List<Rule> rules) {
    Map<Part, Set<Match>> seen = new EnumMap<>(Part.class);
    for (Rule r : rules) {
      for (Match m : r.matches()) {
        Part p = part(m);
        if (p != null) {
          seen.computeIfAbsent(p, k -> new HashSet<>()).add(m);
        }
      }
    }
    Map<Part, Integer> out = new EnumMap<>(Part.class);
    seen.forEach((p, s) -> {
      if (s.size() > 1) {
        out.put(p, s.size());
      }
    });
    return out;
  }

  private static Part part(Match m) {
    if (m instanceof Match.Addr a) {
      return a.side() == Side.SRC ? Part.SRC : Part.DST;
    } else if (m instanceof Match.Proto) {
      return Part.PROTO;
    } else if (m instanceof Match.Ports p) {
      return p.side() == Side.SRC ? Part.SPORT : Part.DPORT;
    } else if (m instanceof Match.Iface i) {
      return i.out() ? Part.OUT : Part.IN;
    }
    return null;
  }

  private static String number(int n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
