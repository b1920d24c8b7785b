package dev.policyc.compiler.tree;

import dev.policyc.compiler.space.IntervalSet;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * Where an interval field of a node may be cut in two: each rule's values on the field within
 * the node's region, and the points where a rule starts or stops, as ranks among those points,
 * so that {@link TreeBuilder} counts the rules on each side of a point with int comparisons.
 * Fields up to 63 bits wide (IPv4 addresses, ports, protocol) are ranked as longs; IPv6
 * addresses as {@link BigInteger}s (before 2026-12-07 every field was, and the comparisons and
 * sorts of those numbers were a fifth of `-O2` on a 100K-rule set).
 */
final class SplitPoints {
  /** Per rule: the rank of its first value in the region. */
  final int[] start;
  /** Per rule: the rank of the value after its last in the region. */
  final int[] after;
  /** The ranks at which a cut may start the second branch, ascending, distinct. */
  final int[] candidates;

  private final int width;
  /** The values by rank, for fields below 64 bits; else {@link #wide}. */
  private final long[] narrow;
  private final BigInteger[] wide;
  private final IntervalSet region;

  private SplitPoints(int width, IntervalSet region, int[] start, int[] after,
      int[] candidates, long[] narrow, BigInteger[] wide) {
    this.width = width;
    this.region = region;
    this.start = start;
    this.after = after;
    this.candidates = candidates;
    this.narrow = narrow;
    this.wide = wide;
  }

  /**
   * The points of a region (not empty) and the rules' values there ({@code spans}, one per rule;
   * a rule whose values miss the region, or are empty, counts as the whole region). A candidate
   * is a point above the region's first value where a rule starts, or after its last value where
   * a rule stops.
   */
  static SplitPoints of(int width, IntervalSet region, List<IntervalSet> spans) {
    int n = spans.size();
    if (width < 64) {
      long lo = region.first()[1];
      long hi = region.last()[1];
      long[] s = new long[n];
      long[] a = new long[n];
      for (int i = 0; i < n; i++) {
        IntervalSet v = spans.get(i);
        s[i] = v.isEmpty() ? lo : Math.max(v.first()[1], lo);
        long e = v.isEmpty() ? hi : Math.min(v.last()[1], hi);
        if (s[i] > e) {
          s[i] = lo;
          e = hi;
        }
        a[i] = e + 1;
      }
      long[] values = new long[2 * n];
      System.arraycopy(s, 0, values, 0, n);
      System.arraycopy(a, 0, values, n, n);
      Arrays.sort(values);
      int d = 0;
      for (int i = 0; i < values.length; i++) {
        if (i == 0 || values[i] != values[i - 1]) {
          values[d++] = values[i];
        }
      }
      long[] coords = Arrays.copyOf(values, d);
      int[] start = new int[n];
      int[] after = new int[n];
      boolean[] candidate = new boolean[d];
      for (int i = 0; i < n; i++) {
        start[i] = Arrays.binarySearch(coords, s[i]);
        after[i] = Arrays.binarySearch(coords, a[i]);
        candidate[start[i]] |= s[i] > lo;
        candidate[after[i]] |= a[i] <= hi;
      }
      return new SplitPoints(width, region, start, after, ranks(candidate), coords, null);
    }
    BigInteger lo = Spans.big(region.first());
    BigInteger hi = Spans.big(region.last());
    BigInteger[] s = new BigInteger[n];
    BigInteger[] a = new BigInteger[n];
    for (int i = 0; i < n; i++) {
      IntervalSet v = spans.get(i);
      s[i] = v.isEmpty() ? lo : Spans.big(v.first()).max(lo);
      BigInteger e = v.isEmpty() ? hi : Spans.big(v.last()).min(hi);
      if (s[i].compareTo(e) > 0) {
        s[i] = lo;
        e = hi;
      }
      a[i] = e.add(BigInteger.ONE);
    }
    BigInteger[] coords = java.util.stream.Stream.concat(Arrays.stream(s), Arrays.stream(a))
        .sorted().distinct().toArray(BigInteger[]::new);
    int[] start = new int[n];
    int[] after = new int[n];
    boolean[] candidate = new boolean[coords.length];
    for (int i = 0; i < n; i++) {
      start[i] = Arrays.binarySearch(coords, s[i]);
      after[i] = Arrays.binarySearch(coords, a[i]);
      candidate[start[i]] |= s[i].compareTo(lo) > 0;
      candidate[after[i]] |= a[i].compareTo(hi) <= 0;
    }
    return new SplitPoints(width, region, start, after, ranks(candidate), null, coords);
  }

  private static int[] ranks(boolean[] candidate) {
    int k = 0;
    for (boolean c : candidate) {
      k += c ? 1 : 0;
    }
    int[] out = new int[k];
    k = 0;
    for (int r = 0; r < candidate.length; r++) {
      if (candidate[r]) {
        out[k++] = r;
      }
    }
    return out;
  }

  /** The region's values below the point of rank {@code c}. */
  IntervalSet below(int c) {
    if (narrow != null) {
      return IntervalSet.range(width, region.first()[1], narrow[c] - 1);
    }
    return Spans.interval(width, Spans.big(region.first()), wide[c].subtract(BigInteger.ONE));
  }

  /** The region's values from the point of rank {@code c}. */
  IntervalSet from(int c) {
    if (narrow != null) {
      return IntervalSet.range(width, narrow[c], region.last()[1]);
    }
    return Spans.interval(width, wide[c], Spans.big(region.last()));
  }

  /** The index of the first element not below {@code key} in a sorted array. */
  static int lowerBound(int[] sorted, int key) {
    int a = 0;
    int b = sorted.length;
    while (a < b) {
      int m = (a + b) >>> 1;
      if (sorted[m] < key) {
        a = m + 1;
      } else {
        b = m;
      }
    }
    return a;
  }
}
