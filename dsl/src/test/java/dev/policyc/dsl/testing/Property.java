package dev.policyc.dsl.testing;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A minimal property-test runner on JUnit 5 (jqwik is deliberately not used: see the README).
 * Each trial draws its own seed from a master seed; a failing case is shrunk by trying smaller
 * candidates until none fails, and the assertion message carries the trial seed and the shrunk
 * case so that {@code -Dpolicyc.seed=SEED -Dpolicyc.trials=1} reruns exactly that case.
 *
 * <p>Published in the {@code dsl} test-jar, so the compiler's property tests use this one too.
 */
public final class Property {
  private Property() {}

  /**
   * The master seed: {@code -Dpolicyc.seed=N} when given ({@code random} picks one and prints
   * it), else the fixed seed of the test, so CI is reproducible.
   */
  public static long seed(long fixed) {
    String s = System.getProperty("policyc.seed");
    if (s == null || s.isBlank()) {
      return fixed;
    }
    if (s.equals("random")) {
      long r = new Random().nextLong();
      System.out.println("policyc.seed=random: using seed " + r);
      return r;
    }
    return Long.parseLong(s);
  }

  /** The number of trials: {@code -Dpolicyc.trials=N} when given, else {@code fixed}. */
  public static int trials(int fixed) {
    return Integer.getInteger("policyc.trials", fixed);
  }

  /**
   * Runs {@code trials} cases. {@code check} returns null when the property holds, else a
   * description of the failure; {@code shrink} lists smaller cases to try.
   */
  public static <T> void forAll(String name, long seed, int trials, Function<Random, T> gen,
      Function<T, String> check, Function<T, List<T>> shrink, Function<T, String> show) {
    Random master = new Random(seed);
    for (int i = 0; i < trials; i++) {
      long trialSeed = i == 0 && trials == 1 ? seed : master.nextLong();
      T value = gen.apply(new Random(trialSeed));
      String failure = safeCheck(check, value);
      if (failure == null) {
        continue;
      }
      T small = value;
      String smallFailure = failure;
      int steps = 0;
      boolean progress = true;
      while (progress && steps < 10_000) {
        progress = false;
        for (T candidate : shrink.apply(small)) {
          steps++;
          String f = safeCheck(check, candidate);
          if (f != null) {
            small = candidate;
            smallFailure = f;
            progress = true;
            break;
          }
        }
      }
      throw new AssertionError("property '" + name + "' failed on trial " + i + " of " + trials
          + "\n  trial seed: " + trialSeed + "  (rerun: -Dpolicyc.seed=" + trialSeed
          + " -Dpolicyc.trials=1)\n  master seed: " + seed
          + "\n  failure: " + smallFailure + "\n  shrunk case (" + steps
          + " shrink steps):\n" + show.apply(small));
    }
  }

  private static <T> String safeCheck(Function<T, String> check, T value) {
    try {
      return check.apply(value);
    } catch (RuntimeException | AssertionError e) {
      return "threw " + e;
    }
  }
}
