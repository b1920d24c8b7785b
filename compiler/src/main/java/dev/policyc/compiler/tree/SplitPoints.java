package dev.policyc.compiler.tree;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
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
  /** Per rank (fields below 64 bits): whether some rule starts there, or ends just before. */
  private final boolean[] starts;
  private final boolean[] ends;
  private final BigInteger[] wide;
  private final IntervalSet region;

  private SplitPoints(int width, IntervalSet region, int[] start, int[] after,
      int[] candidates, long[] narrow, BigInteger[] wide, boolean[] starts, boolean[] ends) {
    this.width = width;
    this.starts = starts;
    this.ends = ends;
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
      long[] first = new long[n];
      long[] last = new long[n];
      for (int i = 0; i < n; i++) {
        IntervalSet v = spans.get(i);
        first[i] = v.isEmpty() ? 1 : v.first()[1];
        last[i] = v.isEmpty() ? 0 : v.last()[1];
      }
      return narrow(width, region, first, last);
    }
    return wide(width, region, spans);
  }

  /**
   * {@link #of} for a field below 64 bits, each rule by the first and last of its values
   * ({@code first[i] > last[i]}: a rule with none): the hulls {@link TreeBuilder} has at hand.
   */
  static SplitPoints narrow(int width, IntervalSet region, long[] first, long[] last) {
    int n = first.length;
    long lo = region.first()[1];
    long hi = region.last()[1];
    long[] s = new long[n];
    long[] a = new long[n];
    for (int i = 0; i < n; i++) {
      s[i] = Math.max(first[i], lo);
      long e = Math.min(last[i], hi);
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
    boolean[] starts = new boolean[d];
    boolean[] ends = new boolean[d];
    for (int i = 0; i < n; i++) {
      start[i] = Arrays.binarySearch(coords, s[i]);
      after[i] = Arrays.binarySearch(coords, a[i]);
      candidate[start[i]] |= s[i] > lo;
      candidate[after[i]] |= a[i] <= hi;
      starts[start[i]] = true;
      ends[after[i]] = true;
    }
    return new SplitPoints(width, region, start, after, ranks(candidate), coords, null, starts,
        ends);
  }

  /** {@link #of} for IPv6 addresses, ranked as big integers. */
  private static SplitPoints wide(int width, IntervalSet region, List<IntervalSet> spans) {
    int n = spans.size();
    BigInteger lo = big(region.first());
    BigInteger hi = big(region.last());
    BigInteger[] s = new BigInteger[n];
    BigInteger[] a = new BigInteger[n];
    for (int i = 0; i < n; i++) {
      IntervalSet v = spans.get(i);
      s[i] = v.isEmpty() ? lo : big(v.first()).max(lo);
      BigInteger e = v.isEmpty() ? hi : big(v.last()).min(hi);
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
    return new SplitPoints(width, region, start, after, ranks(candidate), null, coords, null,
        null);
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

  /**
   * The region cut in two at the point of rank {@code c}: the values below it, and from it. With
   * {@code aligned} (a field below 64 bits) the cut is moved to the value with the most trailing
   * zero bits among those where every rule stays on the same sides (between the points where a
   * rule starts or ends next to it): the branches hold the same rules, and a branch is more
   * often one prefix within the region, which iptables tests in the header ({@code -s/-d}, in
   * nf_tables a payload compare) rather than with {@code -m iprange} (an x_tables match, which
   * nf_tables runs through its compatibility layer: the kernel benchmark's flow forwarded 74 %
   * of the no-rules rate past 7 such dispatch rules, 80 % with them as prefixes).
   */
  IntervalSet[] cut(int c, boolean aligned) {
    if (narrow == null) {
      return new IntervalSet[] {
        v6Range(big(region.first()), wide[c].subtract(BigInteger.ONE)),
        v6Range(wide[c], big(region.last()))};
    }
    long lo = region.first()[1];
    long hi = region.last()[1];
    long p = aligned ? aligned(c, lo, hi) : narrow[c];
    return new IntervalSet[] {IntervalSet.range(width, lo, p - 1),
      IntervalSet.range(width, p, hi)};
  }

  /** Whether the field is below 64 bits: only then are cuts moved ({@link #prefixPoint}). */
  boolean narrowField() {
    return narrow != null;
  }

  /**
   * A value that cuts the rules as the point of rank {@code c} does (a field below 64 bits) and
   * makes one side one prefix within the region, the most aligned such; -1 when none does. The
   * side below the value {@code p} is a prefix there when a block of 2^k values ending at {@code
   * p - 1} holds the region's first value, the side from it when a block starting at {@code p}
   * holds its last.
   */
  long prefixPoint(int c) {
    long lo = region.first()[1];
    long hi = region.last()[1];
    long[] w = window(c, lo, hi);
    for (int k = width; k >= 0; k--) {
      long step = 1L << k;
      // the value of w aligned to 2^k rounded up, then rounded down (no array: C1 would make one)
      long up = (w[0] + step - 1) >>> k << k;
      if (cutsAPrefix(up, step, w, lo, hi)) {
        return up;
      }
      long down = w[1] >>> k << k;
      if (cutsAPrefix(down, step, w, lo, hi)) {
        return down;
      }
    }
    return -1;
  }

  /**
   * Whether {@code p}, in the window {@code w}, leaves a block of {@code step} values below it
   * that holds the region's first value {@code lo}, or one from it that holds its last {@code hi}.
   */
  private static boolean cutsAPrefix(long p, long step, long[] w, long lo, long hi) {
    return p >= w[0] && p <= w[1] && (p - step <= lo || p + step - 1 >= hi);
  }

  /** The region cut in two at the value {@code p}: the values below it, and from it. */
  IntervalSet[] cutAt(long p) {
    return new IntervalSet[] {IntervalSet.range(width, region.first()[1], p - 1),
      IntervalSet.range(width, p, region.last()[1])};
  }

  /**
   * The values (first, last) where a cut leaves every rule on the same sides as the point of
   * rank {@code c}, within the region: a rule that starts at the point would be left of a higher
   * cut too, and a rule that ends just before it right of a lower one, so the cut moves up only
   * when no rule starts there, down only when none ends just before, and never past the next
   * point where one does.
   */
  private long[] window(int c, long lo, long hi) {
    long w0 = narrow[c];
    long w1 = narrow[c];
    if (!ends[c]) {
      w0 = c == 0 ? lo + 1 : starts[c - 1] ? narrow[c - 1] + 1 : narrow[c - 1];
    }
    if (!starts[c]) {
      w1 = c + 1 == narrow.length ? hi : ends[c + 1] ? narrow[c + 1] - 1 : narrow[c + 1];
    }
    return new long[] {Math.max(w0, lo + 1), Math.min(w1, hi)};
  }

  /** The most aligned value that cuts the rules as the point of rank {@code c} does. */
  private long aligned(int c, long lo, long hi) {
    long[] w = window(c, lo, hi);
    for (int k = width - 1; k > 0; k--) {
      long p = (w[0] + (1L << k) - 1) >>> k << k;
      if (p >= w[0] && p <= w[1]) {
        return p;
      }
    }
    return w[0];
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

  private static final BigInteger LOW64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** A value as {@link IntervalSet#first()} gives it (high and low 64 bits), unsigned. */
  private static BigInteger big(long[] hiLo) {
    return BigInteger.valueOf(hiLo[0]).and(LOW64).shiftLeft(64)
        .or(BigInteger.valueOf(hiLo[1]).and(LOW64));
  }

  /** The IPv6 addresses from {@code lo} to {@code hi}. */
  private static IntervalSet v6Range(BigInteger lo, BigInteger hi) {
    return IntervalSet.of(new IpRange(v6(lo), v6(hi)));
  }

  private static IpAddr v6(BigInteger v) {
    return IpAddr.v6(v.shiftRight(64).longValue(), v.longValue());
  }
}
