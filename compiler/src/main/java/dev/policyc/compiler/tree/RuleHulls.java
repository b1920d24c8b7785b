package dev.policyc.compiler.tree;

import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.ValueSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The tree's rules by their bounds, each with its hull ({@link Cube#hull()}) once needed, and
 * which branches of a split each rule meets. A hull compares in a few instructions where the
 * cube's own test looks the field up and walks its intervals: most rules meet one branch of a
 * split, and on a field of at most 64 bits where a rule's value is one interval its hull tells
 * exactly which (gen_100k-alt at {@code -O2}: 3 s of the tree's 12 went to these tests).
 */
final class RuleHulls {
  private static final List<Field> PORTS = List.of(Field.DPORT, Field.SPORT);

  /** The fields of a hull, in its order ({@link Cube#hullIndex}). */
  private static final List<Field> HULL = Arrays.stream(Field.values())
      .filter(f -> Cube.hullIndex(f) >= 0)
      .sorted(Comparator.comparingInt(Cube::hullIndex)).toList();
  /** Every field of a hull, in {@link #exact}'s bits. */
  private static final int ALL = (1 << HULL.size()) - 1;

  private final List<Cube> bounds;
  private final long[][] hulls;
  /** Per rule, bit k/2 for the hull's field at k: one interval of at most 64 bits. */
  private final int[] exact;
  /** The overlap of two hulls ({@link #covered}), filled anew for each rule asked about. */
  private final long[] overlap = new long[2 * HULL.size()];

  RuleHulls(List<Cube> bounds) {
    this.bounds = bounds;
    this.hulls = new long[bounds.size()][];
    this.exact = new int[bounds.size()];
  }

  /** Whether each field of {@code c}'s hull is one interval of at most 64 bits. */
  static boolean exact(Cube c) {
    return !c.isEmpty() && exactBits(c) == ALL;
  }

  /** Bit k/2 for the hull's field at k whose values in {@code c} are one narrow interval. */
  private static int exactBits(Cube c) {
    int bits = 0;
    for (Field f : HULL) {
      if (oneNarrowInterval(c.get(f))) {
        bits |= 1 << (Cube.hullIndex(f) / 2);
      }
    }
    return bits;
  }

  /** Whether {@code v} is one interval of at most 64 bits, which its hull's ends are exactly. */
  private static boolean oneNarrowInterval(ValueSet v) {
    return v instanceof IntervalSet s && s.isOneNarrowInterval();
  }

  /**
   * Whether one of the rules {@code deciders} holds the packets of rule {@code r} within {@code
   * region} (whose hull is {@code whole}; {@code exactRegion}: {@link #exact}): a decider's hull
   * must hold theirs, then its cube theirs. Where the rule and the region are each one interval
   * on every field of the hull, the hull of their packets is the overlap of their hulls, so their
   * cube is made only for a decider whose hull holds that (in the tree's pruning, most rules
   * have none). With no decider, nothing is covered.
   */
  boolean covered(List<Integer> deciders, int r, Cube region, long[] whole,
      boolean exactRegion) {
    if (deciders.isEmpty()) {
      return false;
    }
    Cube b = bounds.get(r);
    long[] h = hull(r);
    if (!exactRegion || h == null || exact[r] != ALL) {
      Cube within = b.intersect(region);
      long[] w = within.hull();
      for (int d : deciders) {
        if (w == null || Cube.hullHolds(hull(d), w) && bounds.get(d).contains(within)) {
          return true;
        }
      }
      return false;
    }
    if (!b.intersects(region)) {
      return true; // none of the region's packets: left out as the deciders' own
    }
    for (int k = 0; k < h.length; k += 2) {
      overlap[k] = Math.max(h[k], whole[k]);
      overlap[k + 1] = Math.min(h[k + 1], whole[k + 1]);
    }
    Cube within = null;
    for (int d : deciders) {
      if (Cube.hullHolds(hull(d), overlap)) {
        if (within == null) {
          within = b.intersect(region);
        }
        if (bounds.get(d).contains(within)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The hull of rule {@code r}'s bound; null for an empty one. */
  long[] hull(int r) {
    if (hulls[r] == null) {
      Cube b = bounds.get(r);
      hulls[r] = b.hull();
      if (hulls[r] != null) {
        exact[r] = exactBits(b);
      }
    }
    return hulls[r];
  }

  /**
   * The one value of rule {@code r} on {@code f} (a field of the hull, of at most 64 bits), or -1
   * when it has none or several.
   */
  long single(int r, Field f) {
    long[] h = hull(r);
    int k = Cube.hullIndex(f);
    if (h == null) { // an empty bound: its other fields may still hold one value here
      Long v = TreeBuilder.single((IntervalSet) bounds.get(r).get(f));
      return v == null ? -1 : v;
    }
    return (exact[r] & 1 << (k / 2)) != 0 && h[k] == h[k + 1] ? h[k] : -1;
  }

  /** The split points of {@code rules} on {@code f} within {@code region} ({@link SplitPoints}). */
  SplitPoints splitPoints(List<Integer> rules, Field f, int width, IntervalSet region) {
    int k = Cube.hullIndex(f);
    if (width >= 64 || k < 0) {
      List<IntervalSet> spans = new ArrayList<>(rules.size());
      for (int r : rules) {
        spans.add((IntervalSet) bounds.get(r).get(f));
      }
      return SplitPoints.of(width, region, spans);
    }
    long[] first = new long[rules.size()];
    long[] last = new long[rules.size()];
    int i = 0;
    for (int r : rules) {
      long[] h = hull(r); // a field below 64 bits: the hull's ends are the values' own
      if (h == null) { // an empty bound, by this field or another
        IntervalSet v = (IntervalSet) bounds.get(r).get(f);
        first[i] = v.isEmpty() ? 1 : v.first()[1];
        last[i] = v.isEmpty() ? 0 : v.last()[1];
      } else {
        first[i] = h[k];
        last[i] = h[k + 1];
      }
      i++;
    }
    return SplitPoints.narrow(width, region, first, last);
  }

  /**
   * The rules of each branch, in order: those whose values on {@code field} meet the branch's.
   * The last branch also takes the non-first fragments (for a port split) and any rule that
   * meets no branch (a rule that matches nothing), so no rule is lost.
   */
  List<List<Integer>> members(List<Integer> rules, Field field, List<ValueSet> values) {
    int n = values.size();
    List<List<Integer>> out = new ArrayList<>(n);
    // the branches that are one interval of at most 64 bits, by their ends
    int k = Cube.hullIndex(field);
    long[] lo = new long[n];
    long[] hi = new long[n];
    boolean[] one = new boolean[n];
    for (int i = 0; i < n; i++) {
      out.add(new ArrayList<>());
      if (k >= 0 && oneNarrowInterval(values.get(i))) {
        IntervalSet s = (IntervalSet) values.get(i);
        one[i] = true;
        lo[i] = s.first()[1];
        hi[i] = s.last()[1];
      }
    }
    boolean ports = PORTS.contains(field);
    int lastBranch = n - 1;
    for (int r : rules) {
      long[] h = hull(r);
      boolean byHull = h != null && (exact[r] & 1 << (k / 2)) != 0;
      Cube b = bounds.get(r);
      ValueSet v = null;
      boolean placed = false;
      for (int i = 0; i < n; i++) {
        boolean meets;
        if (one[i] && h != null && (Long.compareUnsigned(h[k + 1], lo[i]) < 0
            || Long.compareUnsigned(h[k], hi[i]) > 0)) {
          meets = false; // the hulls are apart: so are the values
        } else if (one[i] && byHull) {
          meets = true; // one interval each, and they overlap
        } else {
          if (v == null) {
            v = b.get(field);
          }
          meets = v.intersects(values.get(i));
        }
        if (!meets && i == lastBranch && ports) {
          meets = ((IntervalSet) b.get(Field.FRAGMENT)).contains(1);
        }
        if (meets) {
          out.get(i).add(r);
          placed = true;
        }
      }
      if (!placed) {
        out.get(lastBranch).add(r);
      }
    }
    return out;
  }
}
