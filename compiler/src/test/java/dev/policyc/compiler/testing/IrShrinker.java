package dev.policyc.compiler.testing;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * Smaller versions of an IR policy for shrinking a failing case: without one table, one rule,
 * one match of a rule, with a simpler target, with an ACCEPT policy, or without an unused set.
 * Every candidate is still a well-formed policy (jump targets and used sets are kept).
 */
public final class IrShrinker {
  private IrShrinker() {}

  public static List<IrPolicy> candidates(IrPolicy p) {
    List<IrPolicy> out = new ArrayList<>();
    for (Family f : Family.values()) {
      Ruleset rs = p.ruleset(f);
      for (int t = 0; t < rs.tables().size(); t++) {
        List<RuleTable> tables = new ArrayList<>(rs.tables());
        tables.remove(t);
        out.add(with(p, f, new Ruleset(f, tables)));
      }
      for (int t = 0; t < rs.tables().size(); t++) {
        RuleTable rt = rs.tables().get(t);
        for (int c = 0; c < rt.chains().size(); c++) {
          Chain ch = rt.chains().get(c);
          if (ch.policy() == Verdict.DROP) {
            out.add(with(p, f, rs, t, c, new Chain(ch.name(), Verdict.ACCEPT, ch.rules())));
          }
          for (int r = 0; r < ch.rules().size(); r++) {
            List<Rule> rules = new ArrayList<>(ch.rules());
            rules.remove(r);
            out.add(with(p, f, rs, t, c, new Chain(ch.name(), ch.policy(), rules)));
          }
          for (int r = 0; r < ch.rules().size(); r++) {
            Rule rule = ch.rules().get(r);
            for (Rule smaller : smaller(rule)) {
              List<Rule> rules = new ArrayList<>(ch.rules());
              rules.set(r, smaller);
              out.add(with(p, f, rs, t, c, new Chain(ch.name(), ch.policy(), rules)));
            }
          }
        }
      }
    }
    for (IpSet s : p.sets()) {
      if (!used(p, s.name())) {
        List<IpSet> sets = new ArrayList<>(p.sets());
        sets.remove(s);
        out.add(new IrPolicy(p.name(), p.host(), sets, p.ipv4(), p.ipv6()));
      }
    }
    return out;
  }

  private static List<Rule> smaller(Rule rule) {
    List<Rule> out = new ArrayList<>();
    if (rule.comment() != null) {
      out.add(new Rule(rule.matches(), rule.target(), null, rule.origin()));
    }
    for (int m = 0; m < rule.matches().size(); m++) {
      Match match = rule.matches().get(m);
      if (match instanceof Match.Proto && needsProto(rule)) {
        continue;
      }
      List<Match> ms = new ArrayList<>(rule.matches());
      ms.remove(m);
      if (match instanceof Match.Proto) {
        ms.removeIf(x -> x instanceof Match.Ports || x instanceof Match.TcpFlags
            || x instanceof Match.Icmp);
      }
      out.add(rule.withMatches(ms));
    }
    if (!(rule.target() instanceof Target.Accept) && !(rule.target() instanceof Target.TcpMss)) {
      out.add(new Rule(rule.matches(), new Target.Accept(), rule.comment(), rule.origin()));
    }
    return out;
  }

  private static boolean needsProto(Rule r) {
    Target t = r.target();
    return t instanceof Target.TcpMss
        || (t instanceof Target.Reject rj && rj.with().equals("tcp-reset"))
        || (t instanceof Target.Dnat d && d.ports() != null)
        || (t instanceof Target.Snat s && s.ports() != null)
        || (t instanceof Target.Masquerade m && m.ports() != null)
        || (t instanceof Target.Redirect rd && rd.ports() != null);
  }

  private static boolean used(IrPolicy p, String set) {
    for (Family f : Family.values()) {
      for (RuleTable t : p.ruleset(f).tables()) {
        for (Chain c : t.chains()) {
          for (Rule r : c.rules()) {
            for (Match m : r.matches()) {
              if (m instanceof Match.InSet s && s.name().equals(set)) {
                return true;
              }
            }
          }
        }
      }
    }
    return false;
  }

  private static IrPolicy with(IrPolicy p, Family f, Ruleset rs) {
    return new IrPolicy(p.name(), p.host(), p.sets(),
        f == Family.IPV4 ? rs : p.ipv4(), f == Family.IPV6 ? rs : p.ipv6());
  }

  private static IrPolicy with(IrPolicy p, Family f, Ruleset rs, int t, int c, Chain chain) {
    List<RuleTable> tables = new ArrayList<>(rs.tables());
    RuleTable rt = tables.get(t);
    List<Chain> chains = new ArrayList<>(rt.chains());
    chains.set(c, chain);
    tables.set(t, new RuleTable(rt.table(), chains));
    return with(p, f, new Ruleset(f, tables));
  }
}
