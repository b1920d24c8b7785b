package dev.policyc.compiler.analysis;

import java.util.Arrays;

/**
 * The rules of a chain filed by one field of their hulls, so that the pairwise questions of
 * {@link ChainAnalysis} (which earlier rules may meet rule j, which later ones) visit the rules
 * whose hulls may meet instead of the whole chain: a 10K-rule chain asks 50M such pairs.
 *
 * <p>The field's values are cut into buckets at quantiles of the rules' lowest values; a rule is
 * filed under each bucket its interval spans when that is at most {@link #SPAN} buckets, and
 * among the wide rules otherwise. The rules that may meet rule j are then among those filed
 * under j's buckets and the wide ones; a wide rule j is asked against every rule. The field is
 * the one (of the hull's addresses, protocol and ports) that leaves the fewest rules to visit.
 * Candidates are a superset: the caller still compares the hulls, so the index decides only how
 * much is visited, never an answer.
 */
final class HullIndex {
  /** The most buckets a rule is filed under before it counts as wide. */
  static final int SPAN = 8;

  /** Below this many rules the chain is scanned whole. */
  static final int MIN_RULES = 64;

  private static final int WIDE = -1;
  private static final int EMPTY = -2;

  private final int n;
  /** The index of each bucket's rules, ascending; null when the chain is scanned whole. */
  private final int[][] buckets;
  private final int[] wide;
  /** The first and last bucket of each rule; first is {@link #WIDE} or {@link #EMPTY}. */
  private final int[] first;
  private final int[] last;

  private HullIndex(int n, int[][] buckets, int[] wide, int[] first, int[] last) {
    this.n = n;
    this.buckets = buckets;
    this.wide = wide;
    this.first = first;
    this.last = last;
  }

  /**
   * The index of {@code empty.length} rules whose hulls stand side by side in {@code hulls},
   * {@code hull} longs each (pairs of smallest and largest value, compared unsigned).
   */
  static HullIndex of(long[] hulls, boolean[] empty, int hull) {
    int n = empty.length;
    if (n < MIN_RULES) {
      return new HullIndex(n, null, null, null, null);
    }
    HullIndex best = null;
    long bestCost = Long.MAX_VALUE;
    for (int f = 0; f < hull; f += 2) {
      HullIndex x = build(hulls, empty, hull, f);
      long cost = x.cost(empty);
      if (cost < bestCost) {
        best = x;
        bestCost = cost;
      }
    }
    return bestCost < (long) n * n ? best : new HullIndex(n, null, null, null, null);
  }

  private static HullIndex build(long[] hulls, boolean[] empty, int hull, int f) {
    int n = empty.length;
    long[] lows = new long[n];
    int m = 0;
    for (int j = 0; j < n; j++) {
      if (!empty[j]) {
        lows[m++] = hulls[hull * j + f] ^ Long.MIN_VALUE; // unsigned order as signed
      }
    }
    lows = Arrays.copyOf(lows, m);
    Arrays.sort(lows);
    int count = Math.max(1, Math.min(4096, m / 4));
    long[] bounds = new long[count];
    int b = 0;
    for (int k = 0; k < count; k++) {
      long v = k == 0 ? Long.MIN_VALUE : lows[(int) ((long) k * m / count)];
      if (b == 0 || v != bounds[b - 1]) {
        bounds[b++] = v;
      }
    }
    bounds = Arrays.copyOf(bounds, b);
    int[] first = new int[n];
    int[] last = new int[n];
    int[] sizes = new int[b];
    int wideCount = 0;
    for (int j = 0; j < n; j++) {
      if (empty[j]) {
        first[j] = EMPTY;
        continue;
      }
      int lo = bucket(bounds, hulls[hull * j + f] ^ Long.MIN_VALUE);
      int hi = bucket(bounds, hulls[hull * j + f + 1] ^ Long.MIN_VALUE);
      if (hi - lo >= SPAN) {
        first[j] = WIDE;
        wideCount++;
        continue;
      }
      first[j] = lo;
      last[j] = hi;
      for (int k = lo; k <= hi; k++) {
        sizes[k]++;
      }
    }
    int[][] buckets = new int[b][];
    for (int k = 0; k < b; k++) {
      buckets[k] = new int[sizes[k]];
      sizes[k] = 0;
    }
    int[] wide = new int[wideCount];
    wideCount = 0;
    for (int j = 0; j < n; j++) {
      if (first[j] >= 0) {
        for (int k = first[j]; k <= last[j]; k++) {
          buckets[k][sizes[k]++] = j;
        }
      } else if (first[j] == WIDE) {
        wide[wideCount++] = j;
      }
    }
    return new HullIndex(n, buckets, wide, first, last);
  }

  /** The last bucket whose bound is at most v (bounds and v in signed-flipped order). */
  private static int bucket(long[] bounds, long v) {
    int at = Arrays.binarySearch(bounds, v);
    return at >= 0 ? at : -at - 2;
  }

  /** Roughly the pairs visited in all: each rule against its buckets' rules and the wide ones. */
  private long cost(boolean[] empty) {
    long c = 0;
    for (int j = 0; j < n; j++) {
      if (empty[j]) {
        continue;
      }
      if (first[j] == WIDE) {
        c += n;
        continue;
      }
      c += wide.length;
      for (int k = first[j]; k <= last[j]; k++) {
        c += buckets[k].length;
      }
    }
    return c;
  }

  /**
   * Every rule before j whose hull may meet j's, and maybe others, latest first; every earlier
   * rule when j is wide or the chain is scanned whole; none when j's hull is empty.
   */
  int[] before(int j) {
    if (buckets == null || first[j] == WIDE) {
      int[] all = new int[j];
      for (int i = 0; i < j; i++) {
        all[i] = j - 1 - i;
      }
      return all;
    }
    if (first[j] == EMPTY) {
      return new int[0];
    }
    int[] up = merge(j, 0, j);
    for (int a = 0, z = up.length - 1; a < z; a++, z--) {
      int t = up[a];
      up[a] = up[z];
      up[z] = t;
    }
    return up;
  }

  /** Every rule after j whose hull may meet j's, and maybe others, in chain order. */
  int[] after(int j) {
    if (buckets == null || first[j] == WIDE) {
      int[] all = new int[n - j - 1];
      for (int i = 0; i < all.length; i++) {
        all[i] = j + 1 + i;
      }
      return all;
    }
    if (first[j] == EMPTY) {
      return new int[0];
    }
    return merge(j, j + 1, n);
  }

  /** The rules of j's buckets and the wide ones in [from, to), ascending, each once. */
  private int[] merge(int j, int from, int to) {
    int lists = last[j] - first[j] + 2;
    int[][] src = new int[lists][];
    int[] at = new int[lists];
    int[] end = new int[lists];
    int total = 0;
    for (int l = 0; l < lists; l++) {
      src[l] = l == lists - 1 ? wide : buckets[first[j] + l];
      at[l] = lowerBound(src[l], from);
      end[l] = lowerBound(src[l], to);
      total += end[l] - at[l];
    }
    int[] out = new int[total];
    int size = 0;
    int prev = -1;
    while (true) {
      int pick = -1;
      int v = Integer.MAX_VALUE;
      for (int l = 0; l < lists; l++) {
        if (at[l] < end[l] && src[l][at[l]] < v) {
          v = src[l][at[l]];
          pick = l;
        }
      }
      if (pick < 0) {
        break;
      }
      at[pick]++;
      if (v != prev) {
        out[size++] = v;
        prev = v;
      }
    }
    return size == total ? out : Arrays.copyOf(out, size);
  }

  private static int lowerBound(int[] a, int v) {
    int at = Arrays.binarySearch(a, v);
    return at >= 0 ? at : -at - 1;
  }
}
