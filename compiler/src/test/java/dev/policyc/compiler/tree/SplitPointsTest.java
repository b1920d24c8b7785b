package dev.policyc.compiler.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.space.IntervalSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ranks {@link SplitPoints} gives agree with the values: a rule starts below a candidate
 * point when its first value does, ends at or above it when its last value does; and a field of
 * 16 bits ranked as longs gives the same ranks as the same values in IPv6 addresses ranked as
 * big integers; a cut moved to its most aligned value, or to one that makes a side one
 * prefix in the region, keeps every rule on its side.
 */
class SplitPointsTest {
  @Test
  void ranksAgreeWithValuesInBothWidths() {
    Random random = new Random(4711);
    for (int trial = 0; trial < 300; trial++) {
      long lo = random.nextInt(100);
      long hi = lo + 1 + random.nextInt(200);
      int n = 1 + random.nextInt(12);
      List<long[]> rules = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long a = random.nextInt(320);
        long b = a + random.nextInt(80);
        rules.add(random.nextInt(8) == 0 ? null : new long[] {a, b});
      }
      SplitPoints narrow = SplitPoints.of(16, IntervalSet.range(16, lo, hi), spans(rules, false));
      SplitPoints wide = SplitPoints.of(128, v6(lo, hi), spans(rules, true));
      String seen = "trial " + trial + ", region " + lo + "-" + hi;
      assertArrayEquals(narrow.candidates, wide.candidates, seen);
      assertArrayEquals(narrow.start, wide.start, seen);
      assertArrayEquals(narrow.after, wide.after, seen);
      for (int c : narrow.candidates) {
        // the prefix point: the same rules on each side, one side a prefix in the region; or
        // no value where the rules are on the same sides makes one
        long prefix = narrow.prefixPoint(c);
        for (long v = lo + 1; v <= hi; v++) {
          boolean same = true;
          for (int i = 0; i < n; i++) {
            long[] r = clamp(rules.get(i), lo, hi);
            same &= (r[0] < v) == (narrow.start[i] < c) && (r[1] >= v) == (narrow.after[i] > c);
          }
          long block = v == 0 ? 1L << 16 : Long.lowestOneBit(v);
          boolean makesPrefix = v - block <= lo || v + block - 1 >= hi;
          if (same && makesPrefix) {
            assertTrue(prefix >= 0, seen + ": " + v + " makes a prefix");
          }
          if (v == prefix) {
            assertTrue(same && makesPrefix, seen + ": prefix point " + v);
          }
        }
        long exact = -1;
        for (boolean aligned : new boolean[] {false, true}) {
          IntervalSet[] cut = narrow.cut(c, aligned);
          IntervalSet below = cut[0];
          IntervalSet from = cut[1];
          assertTrue(!below.isEmpty() && !from.isEmpty(), seen);
          long point = from.first()[1];
          assertEquals(point - 1, below.last()[1], seen);
          assertEquals(lo, below.first()[1], seen);
          assertEquals(hi, from.last()[1], seen);
          if (!aligned) {
            exact = point;
            assertEquals(point, wide.cut(c, false)[1].first()[1], seen);
          } else {
            // no value between the two points is more aligned than the one taken
            for (long v = Math.min(exact, point); v <= Math.max(exact, point); v++) {
              assertTrue(Long.numberOfTrailingZeros(v) <= Long.numberOfTrailingZeros(point),
                  seen + ": " + v + " is more aligned than " + point);
            }
          }
          // the rules on each side are those of the point's rank
          for (int i = 0; i < n; i++) {
            long[] r = clamp(rules.get(i), lo, hi);
            assertEquals(r[0] < point, narrow.start[i] < c, seen + ", rule " + i);
            assertEquals(r[1] >= point, narrow.after[i] > c, seen + ", rule " + i);
          }
        }
      }
    }
  }

  /** A rule's values within the region; one that misses it, or has none, counts as all of it. */
  private static long[] clamp(long[] r, long lo, long hi) {
    if (r == null || r[1] < lo || r[0] > hi) {
      return new long[] {lo, hi};
    }
    return new long[] {Math.max(r[0], lo), Math.min(r[1], hi)};
  }

  private static List<IntervalSet> spans(List<long[]> rules, boolean v6) {
    List<IntervalSet> out = new ArrayList<>();
    for (long[] r : rules) {
      if (r == null) {
        out.add(v6 ? IntervalSet.empty(128) : IntervalSet.empty(16));
      } else {
        out.add(v6 ? v6(r[0], r[1]) : IntervalSet.range(16, r[0], r[1]));
      }
    }
    return out;
  }

  /** The values in IPv6 addresses of a prefix with its high bits set, so both words count. */
  private static IntervalSet v6(long a, long b) {
    long hi = 0x20010db800000000L;
    return IntervalSet.of(new IpRange(IpAddr.v6(hi, a), IpAddr.v6(hi, b)));
  }
}
