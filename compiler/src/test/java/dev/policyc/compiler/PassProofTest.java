package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchImporter;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
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
import java.util.List;
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
}
