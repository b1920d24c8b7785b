package dev.policyc.compiler.classifier;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.Family;
import java.util.List;

/**
 * The hulls of a chain's rules as {@link CutTrees} reads them (per field and rule, the lower and
 * upper bounds as (hi, lo) words, the protocol, addresses and ports of {@link Cube}, an {@link
 * Opaque} rule by its bound), and what a cut asks of them: which parts of a cut a rule meets,
 * the runs of parts that hold the same rules whole, the leading bits the rules of a node share,
 * whether one rule's hull holds another's within a node's region.
 */
final class CutHulls {
  private static final Field[] FIELDS = {Field.PROTO, Field.SRC, Field.DST, Field.SPORT,
      Field.DPORT};

  final int[] width = new int[5];
  private final long[][] loHi = new long[5][];
  private final long[][] loLo = new long[5][];
  private final long[][] upHi = new long[5][];
  private final long[][] upLo = new long[5][];

  CutHulls(List<Constraint> rules, Family family) {
    int n = rules.size();
    int addr = IpAddr.bits(family);
    int[] widths = {8, addr, addr, 16, 16};
    for (int d = 0; d < 5; d++) {
      width[d] = widths[d];
      loHi[d] = new long[n];
      loLo[d] = new long[n];
      upHi[d] = new long[n];
      upLo[d] = new long[n];
    }
    for (int r = 0; r < n; r++) {
      Constraint c = rules.get(r);
      Cube cube = c instanceof Cube k ? k : ((Opaque) c).bound();
      for (int d = 0; d < 5; d++) {
        ValueSet v = cube.get(FIELDS[d]);
        if (v instanceof IntervalSet s && !s.isEmpty()) {
          long[] first = s.first();
          long[] last = s.last();
          loHi[d][r] = first[0];
          loLo[d][r] = first[1];
          upHi[d][r] = last[0];
          upLo[d][r] = last[1];
        } else {
          // no bound known (or none matched): every value, the safe side
          loHi[d][r] = 0;
          loLo[d][r] = 0;
          upHi[d][r] = width[d] > 64 ? -1L : 0;
          upLo[d][r] = width[d] >= 64 ? -1L : (1L << width[d]) - 1;
        }
      }
    }
  }

  /** Whether rule a's hull holds rule b's within the region. */
  boolean holds(int a, int b, CutRegion region) {
    for (int d = 0; d < 5; d++) {
      clamp(b, region, d);
      if (cmp(loHi[d][a], loLo[d][a], clamped[0], clamped[1]) > 0
          || cmp(upHi[d][a], upLo[d][a], clamped[2], clamped[3]) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The hulls as {@link CutTrees.Built#quick()} holds them, with each rule's {@link
   * CutTrees#PORTS} from {@code kinds} (null: none known).
   */
  int[] quick(int[] kinds) {
    int n = loHi[0].length;
    int[] q = new int[CutTrees.QUICK * n];
    for (int r = 0; r < n; r++) {
      int o = CutTrees.QUICK * r;
      q[o] = (int) loLo[1][r] ^ Integer.MIN_VALUE;
      q[o + 1] = (int) upLo[1][r] ^ Integer.MIN_VALUE;
      q[o + 2] = (int) loLo[2][r] ^ Integer.MIN_VALUE;
      q[o + 3] = (int) upLo[2][r] ^ Integer.MIN_VALUE;
      q[o + 4] = (int) (loLo[3][r] << 16 | upLo[3][r]);
      q[o + 5] = (int) (loLo[4][r] << 16 | upLo[4][r]);
      q[o + 6] = (loLo[0][r] == upLo[0][r] ? (int) loLo[0][r] : CutTrees.ANY_PROTO)
          | (kinds != null && (kinds[r] & CutTrees.PORTS) != 0 ? CutTrees.HAS_PORTS : 0);
      q[o + 7] = -1;
    }
    return q;
  }

  /** Whether rule r's hull on an address field spans more than half the field's bits. */
  boolean wide(int d, int r) {
    int half = width[d] / 2;
    // the hull's size - 1 = up - lo (128-bit); wide when it is at least 2^half
    long h = upHi[d][r] - loHi[d][r] - (Long.compareUnsigned(upLo[d][r], loLo[d][r]) < 0 ? 1 : 0);
    long l = upLo[d][r] - loLo[d][r];
    if (half >= 64) {
      return Long.compareUnsigned(h, 1L << (half - 64)) >= 0;
    }
    return h != 0 || Long.compareUnsigned(l, 1L << half) >= 0;
  }

  /**
   * The region with field d's fixed bits extended by the leading bits all the node's rules share
   * there (their hulls clamped to the region): a packet off them matches none of the rules, so
   * the cut may read the bits below, where the rules differ (what HiCuts gets by shrinking a
   * node's region to its rules).
   */
  CutRegion shared(int[] rules, CutRegion region, int d) {
    long aHi = 0;
    long aLo = 0;
    long diffHi = 0;
    long diffLo = 0;
    for (int i = 0; i < rules.length; i++) {
      clamp(rules[i], region, d);
      long lh = clamped[0];
      long ll = clamped[1];
      long uh = clamped[2];
      long ul = clamped[3];
      if (i == 0) {
        aHi = lh;
        aLo = ll;
      }
      diffHi |= (lh ^ aHi) | (uh ^ aHi);
      diffLo |= (ll ^ aLo) | (ul ^ aLo);
    }
    int common;
    if (width[d] > 64) {
      common = diffHi != 0 ? Long.numberOfLeadingZeros(diffHi)
          : 64 + Long.numberOfLeadingZeros(diffLo);
    } else {
      common = Long.numberOfLeadingZeros(diffLo) - (64 - width[d]);
    }
    common = Math.min(common, width[d]);
    return common <= region.fixed[d] ? region : region.narrow(d, common, aHi, aLo);
  }

  /** {@link #clamp}'s answer: the low bound (hi, lo words), then the high bound. */
  private final long[] clamped = new long[4];

  /** Rule r's hull on field d clamped to the region, into {@link #clamped}. */
  private void clamp(int r, CutRegion region, int d) {
    region.clamp(d, loHi[d][r], loLo[d][r], upHi[d][r], upLo[d][r], clamped);
  }

  /**
   * The child index range [first, last] rule r meets, packed as first << 32 | last; {@link
   * #partial} tells whether it starts within its first child and ends within its last.
   */
  private long span(int r, CutRegion region, int d, int bits) {
    // clamp the rule's hull to the region, then read the bits below the fixed ones
    clamp(r, region, d);
    long aHi = clamped[0];
    long aLo = clamped[1];
    long zHi = clamped[2];
    long zLo = clamped[3];
    int pos = width[d] - region.fixed[d] - bits;
    long mask = (1L << bits) - 1;
    long first = pos >= 64 ? (aHi >>> (pos - 64)) & mask : (aLo >>> pos) & mask;
    long last = pos >= 64 ? (zHi >>> (pos - 64)) & mask : (zLo >>> pos) & mask;
    // the bits below the cut's: all 0 at a child's start, all 1 at its end
    long belowHi = pos >= 64 ? (pos >= 128 ? -1L : (1L << (pos - 64)) - 1) : 0;
    long belowLo = pos >= 64 ? -1L : (1L << pos) - 1;
    partial = ((aHi & belowHi) != 0 || (aLo & belowLo) != 0 ? 1 : 0)
        | ((zHi & belowHi) != belowHi || (zLo & belowLo) != belowLo ? 2 : 0);
    return first << 32 | last;
  }

  /**
   * {@link #span}'s flags: 1 when the rule starts within its first child, 2 when it ends within
   * its last.
   */
  private int partial;

  /**
   * Where the runs of a cut's children begin: a run is children that hold the same rules, each
   * whole (no rule begins or ends within them), so that their subtrees are the same and are built
   * and stored once (a cut of the protocol leaves the rules of any protocol in 250 such children).
   * {@code begins[i]} is set when a run begins at child i; counts come in {@code diff} as
   * differences (a rule adds one at its first child and takes it off after its last).
   */
  private void runs(int[] rules, CutRegion region, int d, int bits, int[] diff,
      boolean[] begins) {
    begins[0] = true;
    for (int r : rules) {
      long s = span(r, region, d, bits);
      int first = (int) (s >>> 32);
      int last = (int) s;
      diff[first]++;
      diff[last + 1]--;
      begins(begins, first, last);
    }
  }

  /** The runs that the rule {@link #span} just read, of children first to last, begin. */
  private void begins(boolean[] begins, int first, int last) {
    begins[first] = true;
    begins[last + 1] = true;
    if ((partial & 1) != 0) {
      begins[first + 1] = true; // its first child holds only part of it: a run of its own
    }
    if ((partial & 2) != 0) {
      begins[last] = true;
    }
  }

  /** {@link #sizes} of a cut of field d (0 protocol … 4 destination port) at the root: tests. */
  static long[] rootCut(List<Constraint> rules, Family family, int d, int bits) {
    CutHulls b = new CutHulls(rules, family);
    int[] all = new int[rules.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return b.sizes(all, new CutRegion(b.width), d, bits);
  }

  /**
   * Of a cut: the rules its nodes hold (a run of children, which share one node, counted once),
   * the rules of its largest child, its runs, and the rules of all children (each counted).
   */
  long[] sizes(int[] rules, CutRegion region, int d, int bits) {
    int children = 1 << bits;
    int[] diff = new int[children + 1];
    boolean[] begins = new boolean[children + 1];
    runs(rules, region, d, bits, diff, begins);
    long total = 0;
    long max = 0;
    long runs = 0;
    long all = 0;
    int run = 0;
    for (int i = 0; i < children; i++) {
      run += diff[i];
      max = Math.max(max, run);
      all += run;
      if (begins[i]) {
        total += run;
        runs++;
      }
    }
    return new long[] {total, max, runs, all};
  }

  /**
   * The rules of each child of a cut, in the node's order; where the runs of children begin
   * into {@code begins} (as {@link #runs}).
   */
  int[][] members(int[] rules, CutRegion region, int d, int bits, boolean[] begins) {
    int children = 1 << bits;
    int[] count = new int[children];
    long[] spans = new long[rules.length];
    begins[0] = true;
    for (int i = 0; i < rules.length; i++) {
      spans[i] = span(rules[i], region, d, bits);
      begins(begins, (int) (spans[i] >>> 32), (int) spans[i]);
      for (int c = (int) (spans[i] >>> 32); c <= (int) spans[i]; c++) {
        count[c]++;
      }
    }
    int[][] out = new int[children][];
    for (int c = 0; c < children; c++) {
      out[c] = new int[count[c]];
      count[c] = 0;
    }
    for (int i = 0; i < rules.length; i++) {
      for (int c = (int) (spans[i] >>> 32); c <= (int) spans[i]; c++) {
        out[c][count[c]++] = rules[i];
      }
    }
    return out;
  }

  private static int cmp(long ahi, long alo, long bhi, long blo) {
    int c = Long.compareUnsigned(ahi, bhi);
    return c != 0 ? c : Long.compareUnsigned(alo, blo);
  }
}
