package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchImporter;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.optimize.PassManager;
import dev.policyc.compiler.optimize.PassStats;
import dev.policyc.compiler.optimize.Passes;
import dev.policyc.compiler.verify.ChainEdits;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.compiler.verify.Result;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Reporter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The edit-by-edit proof of a pass ({@link ChainEdits}, what {@code compile --verify} runs): it
 * proves every pass of {@code -O2} on a ClassBench set where first-match order matters, and it
 * never proves a rewrite the whole-table checker finds a packet for.
 */
class PassProofTest {
  /** A generated ClassBench set, lowered, with every other rule's action DROP. */
  private static IrPolicy alternating(int filters, long seed) {
    Compilation c = PolicyCompiler.compile(ClassBenchImporter.toPolicy("gen", "generated",
        ClassBenchGenerator.generate(filters, seed)).policy(), new CompileOptions(OptLevel.O0));
    assertTrue(c.ok(), c.diagnostics().toString());
    return editInput(c.ir(), rules -> {
      List<Rule> out = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        Rule r = rules.get(i);
        out.add(i % 2 == 1 && r.target() instanceof Target.Accept
            ? new Rule(r.matches(), new Target.Drop(), r.comment(), r.origin()) : r);
      }
      return out;
    });
  }

  /** The policy with the rules of IPv4 filter/INPUT rewritten. */
  private static IrPolicy editInput(IrPolicy in, UnaryOperator<List<Rule>> edit) {
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : in.ipv4().tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        chains.add(c.name().equals("INPUT") && t.table() == dev.policyc.dsl.Table.FILTER
            ? new Chain(c.name(), c.policy(), edit.apply(new ArrayList<>(c.rules()))) : c);
      }
      tables.add(t.withChains(chains));
    }
    return new IrPolicy(in.name(), in.host(), in.sets(), new Ruleset(Family.IPV4, tables),
        in.ipv6());
  }

  @Test
  void everyPassOfO2IsProvedEditByEdit() {
    IrPolicy ir = alternating(1500, 3);
    PassManager pm = new PassManager(Passes.forLevel(OptLevel.O2), (before, after) -> {
      Result r = ChainEdits.prove(before, after, Equivalence.DEFAULT_BUDGET);
      return r.equal() ? null : PassManager.UNPROVED + r.reason();
    });
    PassManager.Result out = pm.run(ir, new Reporter());
    // remove-redundant, extract-sets and decision-tree change this set (merge-rules finds
    // nothing to merge after the sets)
    List<String> changed = out.stats().stream().filter(s -> s.rulesBefore() != s.rulesAfter())
        .map(PassStats::name).toList();
    assertEquals(List.of("remove-redundant", "extract-sets", "decision-tree"), changed);
  }

  @Test
  void noRewriteThatChangesAPacketIsProved() {
    IrPolicy ir = alternating(300, 5);
    int n = ir.ipv4().table(dev.policyc.dsl.Table.FILTER).get().chain("INPUT").get().rules()
        .size();
    List<UnaryOperator<List<Rule>>> mutations = new ArrayList<>();
    for (int i = 0; i < n - 6; i += 17) {
      int at = i;
      mutations.add(rules -> {
        Rule r = rules.get(at);
        rules.set(at, new Rule(r.matches(), r.target() instanceof Target.Accept
            ? new Target.Drop() : new Target.Accept(), r.comment(), r.origin()));
        return rules;
      });
      mutations.add(rules -> {
        rules.remove(at);
        return rules;
      });
      mutations.add(rules -> {
        rules.add(at, rules.remove(at + 5));
        return rules;
      });
    }
    int different = 0;
    for (UnaryOperator<List<Rule>> m : mutations) {
      IrPolicy mutated = editInput(ir, m);
      Result whole = Equivalence.compare(ir, mutated, Equivalence.DEFAULT_BUDGET, 1);
      Result local = ChainEdits.prove(ir, mutated, Equivalence.DEFAULT_BUDGET);
      if (whole.status() == Result.Status.DIFFERENT) {
        different++;
        assertEquals(Result.Status.UNKNOWN, local.status(), "proved a change");
      }
    }
    assertTrue(different > mutations.size() / 3, "few changes: " + different);
  }

  @Test
  void aBrokenPassOnALargePolicyIsNotProved() {
    IrPolicy ir = alternating(2500, 7);
    IrPolicy broken = editInput(ir, rules -> {
      Rule r = rules.get(0);
      rules.set(0, new Rule(r.matches(), new Target.Drop(), r.comment(), r.origin()));
      return rules;
    });
    String why = Proofs.passVerifier(ir, broken);
    assertTrue(why != null && why.startsWith(PassManager.UNPROVED), why);
  }

  /**
   * A rule shadowed by one earlier rule with the same matches is proved removed from that rule
   * on; when the earlier rule also names an input interface it no longer takes all of the
   * later rule's packets (the rule index ignores interfaces), and whenever the whole-table
   * checker then finds a packet the removal changes, the removal is not proved.
   */
  @Test
  void aRuleShadowedByOneEarlierIsProvedFromItAndAnInterfaceStopsThat() {
    IrPolicy ir = alternating(300, 5);
    int n = ir.ipv4().table(dev.policyc.dsl.Table.FILTER).get().chain("INPUT").get().rules()
        .size();
    int different = 0;
    for (int i = 3; i < n - 40; i += 37) {
      int at = i;
      // the copy of rule `at`, with the other action, at the end of the chain
      UnaryOperator<List<Rule>> withCopy = rules -> {
        Rule r = rules.get(at);
        rules.add(new Rule(r.matches(), r.target() instanceof Target.Accept
            ? new Target.Drop() : new Target.Accept(), r.comment(), r.origin()));
        return rules;
      };
      IrPolicy shadowed = editInput(ir, withCopy);
      assertTrue(ChainEdits.prove(shadowed, ir, Equivalence.DEFAULT_BUDGET).equal(),
          "rule " + at + "'s copy");
      // the same, with rule `at` only for packets in eth0
      UnaryOperator<List<Rule>> onEth0 = rules -> {
        Rule r = rules.get(at);
        List<Match> m = new ArrayList<>(r.matches());
        m.add(new Match.Iface(false, "eth0", false));
        rules.set(at, new Rule(m, r.target(), r.comment(), r.origin()));
        return rules;
      };
      IrPolicy before = editInput(editInput(ir, withCopy), onEth0);
      IrPolicy after = editInput(ir, onEth0);
      Result whole = Equivalence.compare(before, after, Equivalence.DEFAULT_BUDGET, 1);
      if (whole.status() == Result.Status.DIFFERENT) {
        different++;
        assertEquals(Result.Status.UNKNOWN,
            ChainEdits.prove(before, after, Equivalence.DEFAULT_BUDGET).status(),
            "proved the removal of rule " + at + "'s copy");
      }
    }
    assertTrue(different > 0, "no removal changed a packet");
  }

  /**
   * A decision tree is proved with its classes stopped at its leaves (chains that call no new
   * chain); with one rule of a leaf given the other action, whenever the whole-table checker
   * finds a packet that decides differently, the tree is not proved.
   */
  @Test
  void aDecisionTreeIsProvedLeafByLeafAndAFlippedLeafRuleIsNot() {
    IrPolicy ir = alternating(400, 9);
    IrPolicy[] step = step(ir, "decision-tree");
    IrPolicy before = step[0];
    IrPolicy after = step[1];
    assertTrue(before != after, "no tree built");
    assertTrue(ChainEdits.prove(before, after, Equivalence.DEFAULT_BUDGET).equal());
    RuleTable filter = after.ipv4().table(dev.policyc.dsl.Table.FILTER).get();
    Set<String> old = new HashSet<>();
    before.ipv4().table(dev.policyc.dsl.Table.FILTER).get().chains()
        .forEach(c -> old.add(c.name()));
    int tried = 0;
    int different = 0;
    for (Chain leaf : filter.chains()) {
      boolean calls = leaf.rules().stream().anyMatch(r -> r.target() instanceof Target.Jump
          || r.target() instanceof Target.Goto);
      if (old.contains(leaf.name()) || calls || leaf.rules().isEmpty() || tried++ % 7 != 0) {
        continue;
      }
      int at = leaf.rules().size() / 2;
      List<Chain> chains = new ArrayList<>();
      for (Chain c : filter.chains()) {
        List<Rule> rules = new ArrayList<>(c.rules());
        if (c == leaf) {
          Rule r = rules.get(at);
          rules.set(at, new Rule(r.matches(), r.target() instanceof Target.Accept
              ? new Target.Drop() : new Target.Accept(), r.comment(), r.origin()));
        }
        chains.add(new Chain(c.name(), c.policy(), rules));
      }
      IrPolicy mutated = new IrPolicy(after.name(), after.host(), after.sets(),
          new Ruleset(Family.IPV4, List.of(filter.withChains(chains))), after.ipv6());
      Result whole = Equivalence.compare(before, mutated, Equivalence.DEFAULT_BUDGET, 1);
      if (whole.status() == Result.Status.DIFFERENT) {
        different++;
        assertEquals(Result.Status.UNKNOWN,
            ChainEdits.prove(before, mutated, Equivalence.DEFAULT_BUDGET).status(),
            "proved a tree with a rule of " + leaf.name() + " flipped");
      }
    }
    assertTrue(different > 0, "no flipped leaf rule changed a packet");
  }

  /**
   * The rules extract-sets moves up into a set's rule are proved moved (past the rules between
   * that share no packet with them, or whose shared packets earlier rules decide); with a copy
   * of a moved rule given the other action put just before it in the pass's input (a rule the
   * member may not move past), whenever the whole-table checker finds a packet that decides
   * differently, the pass is not proved.
   */
  @Test
  void aSetMemberMovedPastARuleOfTheOtherActionIsNotProved() {
    IrPolicy ir = alternating(1500, 3);
    IrPolicy[] step = step(ir, "extract-sets");
    IrPolicy before = step[0];
    IrPolicy after = step[1];
    assertTrue(before != after, "no set extracted");
    assertTrue(ChainEdits.prove(before, after, Equivalence.DEFAULT_BUDGET).equal());
    List<Rule> in = input(before);
    Set<List<Object>> kept = new HashSet<>();
    input(after).forEach(r -> kept.add(List.of(r.matches(), r.target())));
    List<Integer> moved = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      if (!kept.contains(List.of(in.get(i).matches(), in.get(i).target()))) {
        moved.add(i);
      }
    }
    assertTrue(moved.size() > 20, "few rules taken into sets: " + moved.size());
    int different = 0;
    for (int n = 1; n < moved.size(); n += Math.max(1, moved.size() / 12)) {
      int at = moved.get(n);
      IrPolicy mutated = editInput(before, rules -> {
        Rule r = rules.get(at);
        rules.add(at, new Rule(r.matches(), r.target() instanceof Target.Accept
            ? new Target.Drop() : new Target.Accept(), r.comment(), r.origin()));
        return rules;
      });
      // the pass's output means its input (proved above): the copy changes a packet of the
      // output exactly when it changes one of the input, which the checker sees at one rule
      Result whole = Equivalence.compare(before, mutated, Equivalence.DEFAULT_BUDGET, 1);
      if (whole.status() == Result.Status.DIFFERENT) {
        different++;
        assertEquals(Result.Status.UNKNOWN,
            ChainEdits.prove(mutated, after, Equivalence.DEFAULT_BUDGET).status(),
            "proved rule " + at + " moved past a copy of it with the other action");
      }
    }
    assertTrue(different > 3, "few moves changed a packet: " + different);
  }

  /** The input and output of pass {@code pass} when {@code ir} is compiled at -O2. */
  private static IrPolicy[] step(IrPolicy ir, String pass) {
    List<IrPolicy[]> steps = new ArrayList<>();
    PassManager pm = new PassManager(Passes.forLevel(OptLevel.O2), (before, after) -> {
      steps.add(new IrPolicy[] {before, after});
      return null;
    });
    List<PassStats> stats = pm.run(ir, new Reporter()).stats();
    return steps.get(stats.stream().map(PassStats::name).toList().indexOf(pass));
  }

  private static List<Rule> input(IrPolicy p) {
    return p.ipv4().table(dev.policyc.dsl.Table.FILTER).get().chain("INPUT").get().rules();
  }
}
