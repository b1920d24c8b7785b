package dev.policyc.compiler.optimize;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.testing.InterpreterEquality;
import dev.policyc.compiler.testing.IrShrinker;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.compiler.verify.Result;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.testing.Property;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The property every optimization pass must have, on random policies ({@link
 * RandomPolicies.Options#OPTIMIZER}: long chains, many rules alike): under the pass manager (so
 * its output is valid IR), the interpreter gives many packets the same effect before and after,
 * the equivalence checker proves the two equal (at most 1 % of the policies may be left
 * undecided by its budget, none found different), and the pass run again on its own output
 * changes nothing. Failures print the trial seed and shrink the policy by deleting rules and
 * simplifying matches. The pass must change at least {@code minChanged} of the policies, so a
 * pass that does nothing cannot pass.
 */
final class PassProperty {
  /** The trials in CI ({@code -Dpolicyc.trials=N} for a longer campaign). */
  static final int TRIALS = 1000;

  private static final long BUDGET = 2_000_000;

  private PassProperty() {}

  /** What a run found; printed by the test. */
  record Tally(int trials, int changed, int proved, int unknown) {}

  /**
   * Checks the pass {@code pass} makes (a fresh one per policy) on {@code TRIALS} random
   * policies of {@code options}; fails unless at least {@code minChanged} percent were changed.
   */
  static Tally check(String name, long seed, Supplier<Pass> pass, RandomPolicies.Options options,
      int minChangedPercent) {
    int trials = Property.trials(TRIALS);
    int[] t = new int[3]; // changed, proved, unknown
    Property.forAll(name, Property.seed(seed), trials,
        r -> new RandomPolicies(r).policy(options),
        in -> failure(pass, in, t),
        IrShrinker::candidates,
        IrPolicy::toString);
    Tally tally = new Tally(trials, t[0], t[1], t[2]);
    System.out.println(name + ": " + tally);
    assertTrue(tally.unknown() <= trials / 100 + 1, tally.unknown() + " policies undecided");
    assertTrue(tally.changed() * 100 >= (long) minChangedPercent * trials,
        "the pass changed only " + tally.changed() + " of " + trials + " policies");
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
    IrPolicy again = run(pass.get(), out);
    if (!again.equals(out)) {
      return "not idempotent: a second run changed\n" + out + "\ninto\n" + again;
    }
    return null;
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
