package dev.policyc.compiler.classifier;

import java.util.Arrays;

/**
 * A quicker and, on a shared machine, steadier figure than JMH's mean: per ClassBench set, the
 * {@link ClassifierBenchmark#classifier} pass over its 4,096-packet trace timed in 80 rounds of
 * 50 passes after 40 rounds of warm-up, printing the minimum, first quartile and median ns per
 * lookup. A round that another process slows is not the minimum, so two versions compared one
 * after the other differ by what they do rather than by the load. Not part of the test suite:
 * {@code bench/classifier.sh} with {@code LOOP=1} runs it (docs/benchmarks.md).
 */
public final class ClassifierLoop {
  private static final int ROUNDS = 80;
  private static final int PASSES = 50;

  private ClassifierLoop() {}

  public static void main(String[] sets) throws ReflectiveOperationException {
    for (String set : sets) {
      ClassifierBenchmark b = new ClassifierBenchmark();
      b.set = set;
      b.setUp();
      int sink = 0;
      for (int w = 0; w < 40 * PASSES; w++) {
        sink += b.classifier();
      }
      double[] t = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        long t0 = System.nanoTime();
        for (int k = 0; k < PASSES; k++) {
          sink += b.classifier();
        }
        t[r] = (System.nanoTime() - t0) / ((double) PASSES * ClassifierBenchmark.TRACE);
      }
      Arrays.sort(t);
      System.out.printf("%s: min %.1f, first quartile %.1f, median %.1f ns per lookup%s%n", set,
          t[0], t[ROUNDS / 4], t[ROUNDS / 2], sink == 42 ? " " : "");
    }
  }
}
