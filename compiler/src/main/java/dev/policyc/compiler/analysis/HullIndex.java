package dev.policyc.compiler.analysis;

import java.util.Arrays;

/**
 * The rules of a chain filed by their hulls, so that the pairwise questions of {@link
 * ChainAnalysis} (which earlier rules may meet rule j, which later ones) visit the rules whose
 * hulls may meet instead of the whole chain: a 10K-rule chain asks 50M such pairs.
 *
 * <p>A field's values are cut into buckets at quantiles of the rules' lowest values; a rule is
 * narrow in the field when its interval spans at most {@link #SPAN} buckets. Each rule is filed
 * under its buckets of a first field where it is narrow there, else under its buckets of a
 * second field where it is narrow there, else among the wide rules. A rule filed under the first
 * field can meet rule j only if it shares a bucket with j there; so the rules that may meet j
 * are those of j's buckets in each field (all the rules filed under a field where j itself is
 * wide) and the wide ones. The two fields (of the hull's addresses, protocol and ports) are the
 * pair that leaves the fewest rules to visit: a firewall's rules are often wide in one address
 * and narrow in the other. Where j is wide in a filing's field, the filing's rules are also
 * filed by each other field, and j visits them by its narrowest one (a 0.0.0.0/0 destination
 * to one source visits the rules filed by destination near that source, not all of them: the
 * wide generated rules of a 100K-rule chain). Candidates are a superset: the caller still compares the hulls, so
 * the index decides only how much is visited, never an answer.
 */
final class HullIndex {
  /** The most buckets a rule's interval spans in a field where it counts as narrow. */
  static final int SPAN = 8;

  /** Below this many rules the chain is scanned whole. */
  static final int MIN_RULES = 64;

  private static final int WIDE = -1;
  private static final int EMPTY = -2;

  /** One field cut into buckets, and the buckets each rule's interval spans there. */
  private static final class Cuts {
    final int[] first;
    final int[] last;
    final int buckets;

    Cuts(long[] hulls, boolean[] empty, int hull, int f) {
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
      this.buckets = b;
      this.first = new int[n];
      this.last = new int[n];
      for (int j = 0; j < n; j++) {
        if (empty[j]) {
          first[j] = EMPTY;
          continue;
        }
        int lo = bucket(bounds, hulls[hull * j + f] ^ Long.MIN_VALUE);
        int hi = bucket(bounds, hulls[hull * j + f + 1] ^ Long.MIN_VALUE);
        first[j] = hi - lo >= SPAN ? WIDE : lo;
        last[j] = hi;
      }
    }

    boolean narrow(int j) {
      return first[j] >= 0;
    }

    /** The last bucket whose bound is at most v (bounds and v in signed-flipped order). */
    private static int bucket(long[] bounds, long v) {
      int at = Arrays.binarySearch(bounds, v);
      return at >= 0 ? at : -at - 2;
    }
  }

  /**
   * Some rules by the buckets of one field: those narrow there under each bucket they span, the
   * others in one list; each list ascending.
   */
  private static final class Buckets {
    final Cuts cuts;
    final int[][] lists;
    final int[] wide;

    Buckets(Cuts cuts, int[] rules) {
      this.cuts = cuts;
      int[] sizes = new int[cuts.buckets];
      int wideCount = 0;
      for (int j : rules) {
        if (!cuts.narrow(j)) {
          wideCount++;
          continue;
        }
        for (int k = cuts.first[j]; k <= cuts.last[j]; k++) {
          sizes[k]++;
        }
      }
      lists = new int[cuts.buckets][];
      for (int k = 0; k < sizes.length; k++) {
        lists[k] = new int[sizes[k]];
        sizes[k] = 0;
      }
      wide = new int[wideCount];
      wideCount = 0;
      for (int j : rules) {
        if (!cuts.narrow(j)) {
          wide[wideCount++] = j;
          continue;
        }
        for (int k = cuts.first[j]; k <= cuts.last[j]; k++) {
          lists[k][sizes[k]++] = j;
        }
      }
    }

    /** How many rules rule j (narrow in the field) visits here. */
    long visits(int j) {
      long c = wide.length;
      for (int k = cuts.first[j]; k <= cuts.last[j]; k++) {
        c += lists[k].length;
      }
      return c;
    }
  }

  /**
   * The rules filed under one field (none for the wide ones): by bucket, and all of them,
   * ascending; and, for a rule wide in that field, the same rules by the buckets of each other
   * field (a rule of 0.0.0.0/0 to one host visits the rules filed by destination near its
   * source, not all of them).
   */
  private static final class Filing {
    /** Null for the rules wide in every field of the index. */
    final Cuts cuts;
    final int[][] buckets;
    final int[] all;
    /** By field, null until {@link #secondaries} and for the filing's own field. */
    Buckets[] by;

    Filing(Cuts cuts, int[] home, int mine) {
      this.cuts = cuts;
      int n = home.length;
      int count = 0;
      for (int j = 0; j < n; j++) {
        if (home[j] == mine) {
          count++;
        }
      }
      all = new int[count];
      count = 0;
      for (int j = 0; j < n; j++) {
        if (home[j] == mine) {
          all[count++] = j;
        }
      }
      buckets = cuts == null ? null : new Buckets(cuts, all).lists;
    }

    boolean narrow(int j) {
      return cuts != null && cuts.narrow(j);
    }

    void secondaries(Cuts[] fields) {
      by = new Buckets[fields.length];
      for (int g = 0; g < fields.length; g++) {
        if (fields[g] != cuts) {
          by[g] = new Buckets(fields[g], all);
        }
      }
    }

    /** The secondary bucketing that leaves rule j the fewest rules to visit; null for all. */
    Buckets bestFor(int j) {
      Buckets best = null;
      long fewest = all.length;
      if (by != null) {
        for (Buckets b : by) {
          if (b != null && b.cuts.narrow(j)) {
            long v = b.visits(j);
            if (v < fewest) {
              best = b;
              fewest = v;
            }
          }
        }
      }
      return best;
    }

    /** How many rules rule j visits here (before the secondaries are made). */
    long visits(int j) {
      if (!narrow(j)) {
        return all.length;
      }
      long c = 0;
      for (int k = cuts.first[j]; k <= cuts.last[j]; k++) {
        c += buckets[k].length;
      }
      return c;
    }
  }

  private final int n;
  /** Null when the chain is scanned whole. */
  private final Filing[] filings;
  /** The rules wide in every field of the index. */
  private final Filing wide;
  /** Where each rule is filed: the index of its filing, {@link #WIDE} or {@link #EMPTY}. */
  private final int[] home;

  private HullIndex(int n, Filing[] filings, Filing wide, int[] home) {
    this.n = n;
    this.filings = filings;
    this.wide = wide;
    this.home = home;
  }

  /**
   * The index of {@code empty.length} rules whose hulls stand side by side in {@code hulls},
   * {@code hull} longs each (pairs of smallest and largest value, compared unsigned).
   */
  static HullIndex of(long[] hulls, boolean[] empty, int hull) {
    int n = empty.length;
    if (n < MIN_RULES) {
      return new HullIndex(n, null, null, null);
    }
    Cuts[] cuts = new Cuts[hull / 2];
    for (int f = 0; f < cuts.length; f++) {
      cuts[f] = new Cuts(hulls, empty, hull, 2 * f);
    }
    HullIndex best = null;
    long bestCost = (long) n * n;
    for (int a = 0; a < cuts.length; a++) {
      for (int b = -1; b < cuts.length; b++) {
        if (b == a) {
          continue;
        }
        HullIndex x = filed(empty, b < 0 ? new Cuts[] {cuts[a]} : new Cuts[] {cuts[a], cuts[b]});
        long cost = x.cost();
        if (cost < bestCost) {
          best = x;
          bestCost = cost;
        }
      }
    }
    if (best == null) {
      return new HullIndex(n, null, null, null);
    }
    for (Filing f : best.filings) {
      f.secondaries(cuts);
    }
    best.wide.secondaries(cuts);
    return best;
  }

  private static HullIndex filed(boolean[] empty, Cuts[] fields) {
    int n = empty.length;
    int[] home = new int[n];
    for (int j = 0; j < n; j++) {
      home[j] = empty[j] ? EMPTY : WIDE;
      for (int f = 0; f < fields.length && home[j] == WIDE; f++) {
        if (fields[f].narrow(j)) {
          home[j] = f;
        }
      }
    }
    Filing[] filings = new Filing[fields.length];
    for (int f = 0; f < fields.length; f++) {
      filings[f] = new Filing(fields[f], home, f);
    }
    return new HullIndex(n, filings, new Filing(null, home, WIDE), home);
  }

  /** Roughly the pairs visited in all. */
  private long cost() {
    long c = 0;
    for (int j = 0; j < n; j++) {
      if (home[j] != EMPTY) {
        c += wide.all.length;
        for (Filing f : filings) {
          c += f.visits(j);
        }
      }
    }
    return c;
  }

  /**
   * Every rule before j whose hull may meet j's, and maybe others, latest first; none when j's
   * hull is empty.
   */
  int[] before(int j) {
    return before(j, Integer.MAX_VALUE);
  }

  /**
   * The first {@code limit} of {@link #before(int)}: the latest candidates only, for a scan that
   * stops after that many (each candidate costs it at least one unit of work). Collecting them
   * takes at most {@code limit} rules of each bucket, where a wide rule's bucket holds most of
   * a long chain.
   */
  int[] before(int j, int limit) {
    int[] up = candidates(j, 0, j, limit);
    for (int a = 0, z = up.length - 1; a < z; a++, z--) {
      int t = up[a];
      up[a] = up[z];
      up[z] = t;
    }
    return up;
  }

  /** Every rule after j whose hull may meet j's, and maybe others, in chain order. */
  int[] after(int j) {
    return candidates(j, j + 1, n, Integer.MAX_VALUE);
  }

  /** The last {@code limit} candidates in [from, to), ascending, each once. */
  private int[] candidates(int j, int from, int to, int limit) {
    if (filings == null) {
      from = (int) Math.max(from, (long) to - limit);
      int[] all = new int[to - from];
      for (int i = 0; i < all.length; i++) {
        all[i] = from + i;
      }
      return all;
    }
    if (home[j] == EMPTY) {
      return new int[0];
    }
    int[][] lists = new int[(filings.length + 1) * (SPAN + 2)][];
    int count = 0;
    for (int l = 0; l <= filings.length; l++) {
      Filing f = l < filings.length ? filings[l] : wide;
      if (f.narrow(j)) {
        for (int k = f.cuts.first[j]; k <= f.cuts.last[j]; k++) {
          lists[count++] = f.buckets[k];
        }
        continue;
      }
      Buckets b = f.bestFor(j);
      if (b == null) {
        lists[count++] = f.all;
        continue;
      }
      lists[count++] = b.wide;
      for (int k = b.cuts.first[j]; k <= b.cuts.last[j]; k++) {
        lists[count++] = b.lists[k];
      }
    }
    int[] start = new int[count];
    int[] end = new int[count];
    int m = 0;
    int low = to;
    for (int l = 0; l < count; l++) {
      end[l] = lowerBound(lists[l], to);
      // the last limit of the union are among the last limit of each list
      start[l] = Math.max(lowerBound(lists[l], from), end[l] - limit);
      m += end[l] - start[l];
      if (start[l] < end[l]) {
        low = Math.min(low, lists[l][start[l]]);
      }
    }
    if (m == 0) {
      return new int[0];
    }
    from = low;
    int[] out = union(lists, start, end, count, m, from, to);
    return out.length <= limit ? out : Arrays.copyOfRange(out, out.length - limit, out.length);
  }

  /** The values of lists[l][start[l]..end[l]) for l below count, all in [from, to), ascending. */
  private static int[] union(int[][] lists, int[] start, int[] end, int count, int m, int from,
      int to) {
    if ((long) m * 16 < to - from) {
      // few candidates in a long range: sort them rather than scan a bitmap of the range
      int[] out = new int[m];
      int size = 0;
      for (int l = 0; l < count; l++) {
        System.arraycopy(lists[l], start[l], out, size, end[l] - start[l]);
        size += end[l] - start[l];
      }
      Arrays.sort(out);
      size = 0;
      for (int k = 0; k < m; k++) {
        if (size == 0 || out[k] != out[size - 1]) {
          out[size++] = out[k];
        }
      }
      return size == m ? out : Arrays.copyOf(out, size);
    }
    long[] seen = new long[((to - 1) >>> 6) - (from >>> 6) + 1];
    int base = from >>> 6;
    int total = 0;
    for (int l = 0; l < count; l++) {
      int[] list = lists[l];
      for (int k = start[l]; k < end[l]; k++) {
        int v = list[k];
        int w = (v >>> 6) - base;
        long bit = 1L << v;
        if ((seen[w] & bit) == 0) {
          seen[w] |= bit;
          total++;
        }
      }
    }
    int[] out = new int[total];
    int size = 0;
    for (int w = 0; size < total; w++) {
      for (long bits = seen[w]; bits != 0; bits &= bits - 1) {
        out[size++] = ((w + base) << 6) + Long.numberOfTrailingZeros(bits);
      }
    }
    return out;
  }

  private static int lowerBound(int[] a, int v) {
    int at = Arrays.binarySearch(a, v);
    return at >= 0 ? at : -at - 1;
  }
}
