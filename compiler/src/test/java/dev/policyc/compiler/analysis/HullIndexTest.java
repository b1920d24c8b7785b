package dev.policyc.compiler.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The index of {@link ChainAnalysis}'s pairwise scans never leaves out a rule whose hull meets
 * the rule asked about, visits each candidate once, in the order the scans need, and a scan
 * that stops early gets the candidates it would have visited.
 */
class HullIndexTest {
  private static final int HULL = 10;

  @Test
  void everyMeetingRuleIsACandidateInOrder() {
    for (int seed = 1; seed <= 200; seed++) {
      Random r = new Random(seed);
      int n = 1 + r.nextInt(seed % 4 == 0 ? 40 : 600);
      long[] hulls = new long[HULL * n];
      boolean[] empty = new boolean[n];
      for (int j = 0; j < n; j++) {
        empty[j] = r.nextInt(25) == 0;
        for (int f = 0; f < HULL; f += 2) {
          long[] iv = interval(r, f);
          hulls[HULL * j + f] = iv[0];
          hulls[HULL * j + f + 1] = iv[1];
        }
      }
      HullIndex index = HullIndex.of(hulls, empty, HULL);
      for (int j = 0; j < n; j++) {
        String at = "seed " + seed + ", rule " + j + " of " + n;
        int[] before = index.before(j);
        int[] after = index.after(j);
        assertArrayEquals(expected(hulls, empty, j, j - 1, -1, -1),
            meeting(hulls, empty, j, before), at + ": before");
        assertArrayEquals(expected(hulls, empty, j, j + 1, n, 1),
            meeting(hulls, empty, j, after), at + ": after");
        int limit = r.nextInt(before.length + 2);
        assertArrayEquals(Arrays.copyOf(before, Math.min(limit, before.length)),
            index.before(j, limit), at + ": the latest " + limit + " before");
        for (int k = 1; k < before.length; k++) {
          assertTrue(before[k] < before[k - 1] && before[k] < j, at + ": before's order");
        }
        for (int k = 1; k < after.length; k++) {
          assertTrue(after[k] > after[k - 1] && after[0] > j, at + ": after's order");
        }
      }
    }
  }

  /** Addresses from a few prefixes (some wide), protocols, ports; values above 2^63 too. */
  private static long[] interval(Random r, int f) {
    if (f < 4) {
      int len = switch (r.nextInt(6)) {
        case 0 -> 0;
        case 1 -> r.nextInt(9);
        default -> 8 + r.nextInt(25);
      };
      long base = r.nextBoolean() ? (r.nextInt(16) & 0xffL) << 56 | r.nextLong() & 0xffffffL
          : r.nextLong();
      long mask = len == 0 ? 0 : -1L << (64 - len);
      return new long[] {base & mask, base | ~mask};
    }
    long lo = r.nextInt(f == 4 ? 3 : 70000);
    long hi = r.nextInt(4) == 0 ? lo + r.nextInt(f == 4 ? 256 : 65536) : lo;
    return new long[] {lo, hi};
  }

  private static boolean meet(long[] h, boolean[] empty, int a, int b) {
    if (empty[a] || empty[b]) {
      return false;
    }
    for (int k = 0; k < HULL; k += 2) {
      if (Long.compareUnsigned(h[HULL * a + k + 1], h[HULL * b + k]) < 0
          || Long.compareUnsigned(h[HULL * b + k + 1], h[HULL * a + k]) < 0) {
        return false;
      }
    }
    return true;
  }

  private static int[] expected(long[] h, boolean[] empty, int j, int from, int to, int step) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i != to; i += step) {
      if (meet(h, empty, i, j)) {
        out.add(i);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int[] meeting(long[] h, boolean[] empty, int j, int[] candidates) {
    return java.util.Arrays.stream(candidates).filter(i -> meet(h, empty, i, j)).toArray();
  }
}
