package dev.policyc.compiler.optimize;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.testing.InterpreterEquality;
import dev.policyc.compiler.testing.IrShrinker;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.compiler.verify.ChainEdits;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.compiler.verify.Result;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The property every optimization pass must have, on random policies ({@link
 * RandomPolicies.Options#OPTIMIZER}: long chains, many rules alike): under the pass manager (so
 * its output is valid IR), the interpreter gives many packets the same effect before and after,
 * the equivalence checker proves the two equal (at most 1 % of the policies may be left
 * undecided by its budget, none found different), and the pass run again on its own output
 * changes nothing. The proof the pass manager makes of a large policy ({@link ChainEdits}, edit by
 * edit) must prove no output that differs: the output with one rule's ACCEPT and DROP swapped,
 * when the whole-table checker finds a packet it decides differently, is never proved by it.
 * Failures print the trial seed and shrink the policy by deleting rules and
 * simplifying matches. The pass must change at least {@code minChanged} of the policies, so a
 * pass that does nothing cannot pass.
 */
final class PassProperty {
  /** The trials in CI ({@code -Dpolicyc.trials=N} for a longer campaign). */
  static final int TRIALS = 1000;

  private static final long BUDGET = 2_000_000;

  private PassProperty() {}

  /** What a run found; printed by the test. */
  record Tally(int trials, int changed, int proved, int unknown, int wrongNotProved) {}

  /**
   * Checks the pass {@code pass} makes (a fresh one per policy) on {@code TRIALS} random
   * policies of {@code options}; fails unless at least {@code minChanged} percent were changed.
   */
  static Tally check(String name, long seed, Supplier<Pass> pass, RandomPolicies.Options options,
      int minChangedPercent) {
    int trials = Property.trials(TRIALS);
    int[] t = new int[4]; // changed, proved, unknown, wrong outputs the edit proof refused
    Property.forAll(name, Property.seed(seed), trials,
        r -> new RandomPolicies(r).policy(options),
        in -> failure(pass, in, t),
        IrShrinker::candidates,
        IrPolicy::toString);
    Tally tally = new Tally(trials, t[0], t[1], t[2], t[3]);
    System.out.println(name + ": " + tally);
    assertTrue(tally.unknown() <= trials / 100 + 1, tally.unknown() + " policies undecided");
    assertTrue(tally.changed() * 100 >= (long) minChangedPercent * trials,
        "the pass changed only " + tally.changed() + " of " + trials + " policies");
    assertTrue(tally.wrongNotProved() * 4 >= tally.changed(), "only " + tally.wrongNotProved()
        + " wrong outputs tried on the edit-by-edit proof");
    return tally;
  }

  /** Null when the pass keeps the meaning of {@code in} and is idempotent on it. */
  static String failure(Supplier<Pass> pass, IrPolicy in, int[] tally) {
    IrPolicy out = run(pass.get(), in);
    if (out.equals(in)) {
      return null;
    }
    tally[0]++;
    String sampled = new InterpreterEquality(7, 300).check(in, out);
    if (sampled != null) {
      return "the interpreter tells them apart: " + sampled + "\nafter:\n" + out;
    }
    Result proof = Equivalence.compare(in, out, BUDGET, 1);
    switch (proof.status()) {
      case EQUAL -> tally[1]++;
      case UNKNOWN -> tally[2]++;
      case DIFFERENT -> {
        return "the checker tells them apart: " + proof.differences().get(0) + "\nafter:\n" + out;
      }
    }
    String unsound = editProofSound(in, out, tally);
    if (unsound != null) {
      return unsound;
    }
    IrPolicy again = run(pass.get(), out);
    if (!again.equals(out)) {
      return "not idempotent: a second run changed\n" + out + "\ninto\n" + again;
    }
    return null;
  }

  /**
   * Null unless {@link ChainEdits} proves a wrong output equal: the output with the target of
   * one rule (chosen by the policies' text, so a shrunk policy keeps a choice) turned from ACCEPT
   * to DROP or back.
   */
  static String editProofSound(IrPolicy in, IrPolicy out, int[] tally) {
    List<int[]> flippable = new ArrayList<>(); // family, table, chain, rule
    List<Ruleset> sets = List.of(out.ipv4(), out.ipv6());
    for (int f = 0; f < 2; f++) {
      List<RuleTable> tables = sets.get(f).tables();
      for (int t = 0; t < tables.size(); t++) {
        List<Chain> chains = tables.get(t).chains();
        for (int c = 0; c < chains.size(); c++) {
          List<Rule> rules = chains.get(c).rules();
          for (int r = 0; r < rules.size(); r++) {
            Target target = rules.get(r).target();
            if (target instanceof Target.Accept || target instanceof Target.Drop) {
              flippable.add(new int[] {f, t, c, r});
            }
          }
        }
      }
    }
    if (flippable.isEmpty()) {
      return null;
    }
    // the text's hash, not the records': an origin's hash is its identity, which differs from
    // run to run, and the run's choice would with it
    int[] at = flippable.get(Math.floorMod(in.toString().hashCode() * 31
        + out.toString().hashCode(), flippable.size()));
    IrPolicy wrong = flipped(out, at);
    Result whole = Equivalence.compare(out, wrong, BUDGET, 1);
    if (whole.status() != Result.Status.DIFFERENT) {
      return null;
    }
    Result edits = ChainEdits.prove(in, wrong, BUDGET);
    tally[3] += edits.equal() ? 0 : 1;
    return edits.equal() ? "the edit-by-edit proof proved a wrong output equal (rule " + (at[3] + 1)
        + " of chain " + at[2] + " of table " + at[1] + " flipped):\n" + wrong : null;
  }

  private static IrPolicy flipped(IrPolicy ir, int[] at) {
    Ruleset rs = at[0] == 0 ? ir.ipv4() : ir.ipv6();
    List<RuleTable> tables = new ArrayList<>(rs.tables());
    RuleTable t = tables.get(at[1]);
    List<Chain> chains = new ArrayList<>(t.chains());
    Chain c = chains.get(at[2]);
    List<Rule> rules = new ArrayList<>(c.rules());
    Rule r = rules.get(at[3]);
    rules.set(at[3], new Rule(r.matches(), r.target() instanceof Target.Accept
        ? new Target.Drop() : new Target.Accept(), r.comment(), r.origin()));
    chains.set(at[2], new Chain(c.name(), c.policy(), rules));
    tables.set(at[1], t.withChains(chains));
    Ruleset changed = new Ruleset(rs.family(), tables);
    return new IrPolicy(ir.name(), ir.host(), ir.sets(), at[0] == 0 ? changed : ir.ipv4(),
        at[0] == 0 ? ir.ipv6() : changed);
  }

  /** One pass under the pass manager, which validates its output. */
  static IrPolicy run(Pass pass, IrPolicy in) {
    return new PassManager(List.of(pass), null).run(in, new Reporter()).ir();
  }

  /** A random policy of {@code options} from {@code seed}, for a test's own examples. */
  static IrPolicy policy(long seed, RandomPolicies.Options options) {
    return new RandomPolicies(new Random(seed)).policy(options);
  }
}
