package dev.policyc.compiler.checks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.analysis.ChainAnalysis.Answer;
import dev.policyc.compiler.analysis.ChainAnalysis;
import dev.policyc.compiler.analysis.RuleView;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.testing.InterpreterEquality;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The packet-space analyses never claim what is not so. On random policies, with rules planted
 * to be shadowed (copies after the rule they copy, a prefix after its two halves) and redundant
 * (copies before), and with neighbouring rules grouped into one policy rule at random: the
 * interpreter never matches a rule the analysis calls shadowed, and removing every IR rule of a
 * policy rule whose rules are all shadowed or redundant changes no packet's effect. The test
 * counts the claims it checked, so that an analysis that claims nothing fails it too.
 */
class PacketAnalysisTest {
  /** Claims checked over all trials: shadowed rules, removed policy rules. */
  private static final int[] CLAIMS = new int[2];

  @Test
  void shadowedAndRedundantRulesChangeNoDecision() {
    CLAIMS[0] = 0;
    CLAIMS[1] = 0;
    Property.forAll("analysis claims hold in the interpreter", Property.seed(20261206),
        Property.trials(300), r -> r.nextLong(), PacketAnalysisTest::check, s -> List.of(),
        s -> "policy seed " + s);
    assertTrue(CLAIMS[0] > 300 && CLAIMS[1] > 150,
        "checked " + CLAIMS[0] + " shadowed rules and " + CLAIMS[1] + " removals");
  }

  private static String check(long seed) {
    Random r = new Random(seed);
    IrPolicy policy = plant(new RandomPolicies(r).policy(RandomPolicies.Options.ALL), r);
    PacketAnalysis a = PacketAnalysis.of(policy);
    String shadow = neverMatched(policy, a, r);
    if (shadow != null) {
      return shadow;
    }
    // a policy rule is a group: the IR rules of one origin path, in both families
    Map<String, List<PacketAnalysis.Ref>> groups = new LinkedHashMap<>();
    for (Map.Entry<PacketAnalysis.ChainKey, ChainAnalysis> e : a.chains().entrySet()) {
      for (RuleView v : e.getValue().rules()) {
        v.rule().origin().path().ifPresent(p -> groups.computeIfAbsent(p.key(),
            k -> new ArrayList<>()).add(new PacketAnalysis.Ref(e.getKey(), v.index())));
      }
    }
    for (Map.Entry<String, List<PacketAnalysis.Ref>> g : groups.entrySet()) {
      boolean removable = true;
      boolean redundant = false;
      for (PacketAnalysis.Ref ref : g.getValue()) {
        ChainAnalysis.Result res = a.result(ref);
        removable &= res.shadowed() == Answer.YES || res.redundant() == Answer.YES;
        redundant |= res.redundant() == Answer.YES;
      }
      if (!removable || !redundant) {
        continue;
      }
      CLAIMS[1]++;
      IrPolicy without = without(policy, Set.copyOf(g.getValue()));
      String diff = new InterpreterEquality(seed, 300).check(policy, without);
      if (diff != null) {
        return "removing redundant rule " + g.getKey() + " changes a decision: " + diff;
      }
    }
    return null;
  }

  /** No packet's path takes a rule the analysis calls shadowed. */
  private static String neverMatched(IrPolicy policy, PacketAnalysis a, Random r) {
    Set<String> shadowed = new HashSet<>();
    for (Map.Entry<PacketAnalysis.ChainKey, ChainAnalysis> e : a.chains().entrySet()) {
      for (RuleView v : e.getValue().rules()) {
        if (e.getValue().result(v.index()).shadowed() == Answer.YES) {
          PacketAnalysis.ChainKey k = e.getKey();
          shadowed.add(k.family() + " " + k.table() + " " + k.chain() + " " + (v.index() + 1));
          CLAIMS[0]++;
        }
      }
    }
    if (shadowed.isEmpty()) {
      return null;
    }
    RandomPackets packets = new RandomPackets(r, policy);
    Interpreter interp = new Interpreter(policy);
    for (int i = 0; i < 400; i++) {
      Packet p = packets.next();
      Decision d = interp.decide(p);
      for (Decision.Step s : d.path()) {
        if (s.kind() == Decision.Step.Kind.RULE && shadowed.contains(
            p.family() + " " + s.table() + " " + s.chain() + " " + s.rule())) {
          return "packet " + p + " takes rule " + s.rule() + " of " + s.table() + "/"
              + s.chain() + ", which the analysis calls shadowed";
        }
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ planting

  /**
   * Plants, in each chain, copies that should be shadowed or redundant, then gives every rule an
   * origin: runs of neighbouring rules share one at random, as the IR rules of one policy rule do.
   */
  private static IrPolicy plant(IrPolicy p, Random r) {
    return map(p, (f, t, c) -> {
      List<Rule> rules = new ArrayList<>(c.rules());
      int plants = rules.isEmpty() ? 0 : r.nextInt(4);
      for (int k = 0; k < plants; k++) {
        int i = r.nextInt(rules.size());
        Rule base = rules.get(i);
        switch (r.nextInt(4)) {
          case 0 -> rules.add(i + 1 + r.nextInt(rules.size() - i), base); // shadowed copy
          case 1 -> rules.add(r.nextInt(i + 1), base); // a copy before: redundant
          case 2 -> rateLimitedTwin(rules, base);
          default -> halves(rules, i, r);
        }
      }
      List<Rule> out = new ArrayList<>();
      int group = 0;
      for (int i = 0; i < rules.size(); i++) {
        if (i > 0 && r.nextInt(3) != 0) {
          group++;
        }
        Rule x = rules.get(i);
        Origin o = Origin.of(new SourcePos("p.yaml", group + 1, 1), "rule " + (group + 1),
            PolicyPath.rule(t, c.name(), group));
        out.add(new Rule(x.matches(), x.target(), x.comment(), o));
      }
      return out;
    });
  }

  /**
   * Puts first a RETURN of the rule's packets and a rate-limited twin of it: the twin does not
   * take every packet of the first (those over the rate go on), so the first is not redundant.
   */
  private static void rateLimitedTwin(List<Rule> rules, Rule base) {
    List<Match> limited = new ArrayList<>(base.matches());
    limited.add(Match.Limit.of(1, 3600, 1));
    rules.add(0, new Rule(limited, new Target.Return()));
    rules.add(0, new Rule(base.matches(), new Target.Return()));
  }

  /**
   * Replaces a rule with an address prefix by its two halves with the rule's target, and puts
   * the whole rule back after them: shadowed by their union only.
   */
  private static void halves(List<Rule> rules, int i, Random r) {
    Rule base = rules.get(i);
    for (int m = 0; m < base.matches().size(); m++) {
      if (base.matches().get(m) instanceof Match.Addr a && !a.negated()
          && a.range().prefixLength() >= 0
          && a.range().prefixLength() < (a.range().family() == Family.IPV4 ? 32 : 128)) {
        int len = a.range().prefixLength() + 1;
        IpRange lo = IpRange.prefix(a.range().first(), len);
        IpRange hi = IpRange.prefix(a.range().last(), len);
        List<Match> ml = new ArrayList<>(base.matches());
        ml.set(m, new Match.Addr(a.side(), lo, false));
        List<Match> mh = new ArrayList<>(base.matches());
        mh.set(m, new Match.Addr(a.side(), hi, false));
        rules.add(i, new Rule(mh, base.target()));
        rules.add(i, new Rule(ml, base.target()));
        return;
      }
    }
  }

  private interface ChainMap {
    List<Rule> rules(Family f, Table t, Chain c);
  }

  private static IrPolicy map(IrPolicy p, ChainMap m) {
    Ruleset[] rs = new Ruleset[2];
    for (Family f : Family.values()) {
      List<RuleTable> tables = new ArrayList<>();
      for (RuleTable t : p.ruleset(f).tables()) {
        List<Chain> chains = new ArrayList<>();
        for (Chain c : t.chains()) {
          chains.add(new Chain(c.name(), c.policy(), m.rules(f, t.table(), c)));
        }
        tables.add(t.withChains(chains));
      }
      rs[f.ordinal()] = new Ruleset(f, tables);
    }
    return new IrPolicy(p.name(), p.host(), p.sets(), rs[0], rs[1]);
  }

  private static IrPolicy without(IrPolicy p, Set<PacketAnalysis.Ref> refs) {
    return map(p, (f, t, c) -> {
      List<Rule> out = new ArrayList<>();
      for (int i = 0; i < c.rules().size(); i++) {
        if (!refs.contains(new PacketAnalysis.Ref(
            new PacketAnalysis.ChainKey(f, t, c.name()), i))) {
          out.add(c.rules().get(i));
        }
      }
      return out;
    });
  }
}
