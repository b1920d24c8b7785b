package dev.policyc.compiler.space;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * A set of unsigned integers of a fixed width (1 to 128 bits) as sorted, disjoint, non-adjacent
 * closed intervals. Addresses are 32 or 128 bits wide; ports, protocols, lengths and the other
 * ordered fields are narrower. Values wider than 64 bits are kept as two longs ({@code hi},
 * {@code lo}), compared unsigned.
 */
public final class IntervalSet implements ValueSet {
  private final int width;
  /** Interval i is [starts[i], ends[i]]; each bound is two longs: index 2i (hi), 2i+1 (lo). */
  private final long[] starts;

  private final long[] ends;

  private IntervalSet(int width, long[] starts, long[] ends) {
    this.width = width;
    this.starts = starts;
    this.ends = ends;
  }

  // ------------------------------------------------------------------ construction

  /** The empty set of a width. */
  public static IntervalSet empty(int width) {
    checkWidth(width);
    return new IntervalSet(width, new long[0], new long[0]);
  }

  /** Every value of a width. */
  public static IntervalSet full(int width) {
    checkWidth(width);
    long[] max = max(width);
    return new IntervalSet(width, new long[] {0, 0}, max);
  }

  /** The values {@code lo..hi} (unsigned, at most 64 bits wide). */
  public static IntervalSet range(int width, long lo, long hi) {
    return build(width, List.<long[]>of(new long[] {0, lo, 0, hi}));
  }

  /** One value (at most 64 bits wide). */
  public static IntervalSet point(int width, long value) {
    return range(width, value, value);
  }

  /** The addresses of a range, in the width of its family. */
  public static IntervalSet of(IpRange r) {
    return build(IpAddr.bits(r.family()), List.of(bounds(r)));
  }

  /** The union of address ranges of one family. */
  public static IntervalSet of(Family f, Collection<IpRange> ranges) {
    List<long[]> in = new ArrayList<>();
    for (IpRange r : ranges) {
      if (r.family() != f) {
        throw new IllegalArgumentException(r + " is not " + f);
      }
      in.add(bounds(r));
    }
    return build(IpAddr.bits(f), in);
  }

  /** The union of port ranges (16 bits). */
  public static IntervalSet ofPorts(Collection<PortRange> ranges) {
    List<long[]> in = new ArrayList<>();
    for (PortRange r : ranges) {
      in.add(new long[] {0, r.lo(), 0, r.hi()});
    }
    return build(16, in);
  }

  private static long[] bounds(IpRange r) {
    return new long[] {r.first().hi(), r.first().lo(), r.last().hi(), r.last().lo()};
  }

  /** Sorts and merges intervals given as {startHi, startLo, endHi, endLo}. */
  private static IntervalSet build(int width, List<long[]> in) {
    checkWidth(width);
    long[] max = max(width);
    List<long[]> sorted = new ArrayList<>();
    for (long[] iv : in) {
      if (cmp(iv[0], iv[1], iv[2], iv[3]) > 0) {
        throw new IllegalArgumentException("reversed interval");
      }
      if (cmp(iv[2], iv[3], max[0], max[1]) > 0) {
        throw new IllegalArgumentException("value above the " + width + "-bit domain");
      }
      sorted.add(iv);
    }
    sorted.sort((a, b) -> cmp(a[0], a[1], b[0], b[1]));
    List<long[]> out = new ArrayList<>();
    for (long[] iv : sorted) {
      if (!out.isEmpty()) {
        long[] last = out.get(out.size() - 1);
        // touches or overlaps: start <= last.end + 1 (and last.end is not the maximum)
        boolean lastIsMax = last[2] == max[0] && last[3] == max[1];
        if (lastIsMax || cmpPlusOne(iv[0], iv[1], last[2], last[3]) <= 0) {
          if (cmp(iv[2], iv[3], last[2], last[3]) > 0) {
            last[2] = iv[2];
            last[3] = iv[3];
          }
          continue;
        }
      }
      out.add(iv.clone());
    }
    long[] s = new long[out.size() * 2];
    long[] e = new long[out.size() * 2];
    for (int i = 0; i < out.size(); i++) {
      long[] iv = out.get(i);
      s[2 * i] = iv[0];
      s[2 * i + 1] = iv[1];
      e[2 * i] = iv[2];
      e[2 * i + 1] = iv[3];
    }
    return new IntervalSet(width, s, e);
  }

  private static void checkWidth(int width) {
    if (width < 1 || width > 128) {
      throw new IllegalArgumentException("width " + width);
    }
  }

  private static long[] max(int width) {
    if (width <= 64) {
      return new long[] {0, width == 64 ? -1L : (1L << width) - 1};
    }
    return new long[] {width == 128 ? -1L : (1L << (width - 64)) - 1, -1L};
  }

  /** Unsigned comparison of (aHi, aLo) with (bHi, bLo). */
  private static int cmp(long aHi, long aLo, long bHi, long bLo) {
    int c = Long.compareUnsigned(aHi, bHi);
    return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
  }

  /** Compares a with b + 1 (b below the maximum of 128 bits). */
  private static int cmpPlusOne(long aHi, long aLo, long bHi, long bLo) {
    long lo = bLo + 1;
    long hi = lo == 0 ? bHi + 1 : bHi;
    if (lo == 0 && hi == 0) {
      return -1; // b + 1 overflowed 128 bits: nothing is above it
    }
    return cmp(aHi, aLo, hi, lo);
  }

  // ------------------------------------------------------------------ queries

  public int width() {
    return width;
  }

  /** The number of intervals. */
  public int intervals() {
    return starts.length / 2;
  }

  /**
   * Whether the set is one interval of a field of at most 64 bits: its values are exactly those
   * from {@code first()[1]} to {@code last()[1]}, what a hull ({@link Cube#hull()}) holds of it.
   */
  public boolean isOneNarrowInterval() {
    return intervals() == 1 && width <= 64;
  }

  @Override
  public boolean isEmpty() {
    return starts.length == 0;
  }

  @Override
  public boolean isFull() {
    long[] max = max(width);
    return starts.length == 2 && starts[0] == 0 && starts[1] == 0 && ends[0] == max[0]
        && ends[1] == max[1];
  }

  /** The share of its domain ({@code 2^width} values) the set holds, from 0 to 1. */
  public double share() {
    double n = 0;
    for (int i = 0; i < intervals(); i++) {
      // end - start in 128 bits (as longs: exact), then as a double
      long lo = ends[2 * i + 1] - starts[2 * i + 1];
      long hi = ends[2 * i] - starts[2 * i]
          - (Long.compareUnsigned(ends[2 * i + 1], starts[2 * i + 1]) < 0 ? 1 : 0);
      n += unsigned(hi) * 0x1p64 + unsigned(lo) + 1;
    }
    return Math.min(1, n / Math.scalb(1.0, width));
  }

  private static double unsigned(long x) {
    return (double) (x >>> 1) * 2 + (x & 1);
  }

  /** Whether the value (hi, lo) is in the set. */
  public boolean contains(long hi, long lo) {
    int a = 0;
    int b = intervals() - 1;
    while (a <= b) {
      int m = (a + b) >>> 1;
      if (cmp(hi, lo, starts[2 * m], starts[2 * m + 1]) < 0) {
        b = m - 1;
      } else if (cmp(hi, lo, ends[2 * m], ends[2 * m + 1]) > 0) {
        a = m + 1;
      } else {
        return true;
      }
    }
    return false;
  }

  public boolean contains(long value) {
    return contains(0, value);
  }

  public boolean contains(IpAddr a) {
    return contains(a.hi(), a.lo());
  }

  /** The smallest value as (hi, lo); the set must not be empty. */
  public long[] first() {
    return new long[] {starts[0], starts[1]};
  }

  /** The largest value as (hi, lo); the set must not be empty. */
  public long[] last() {
    int n = ends.length;
    return new long[] {ends[n - 2], ends[n - 1]};
  }

  /** The intervals as address ranges of a family whose width this set has. */
  public List<IpRange> ipRanges(Family f) {
    if (IpAddr.bits(f) != width) {
      throw new IllegalArgumentException(width + "-bit set read as " + f + " addresses");
    }
    List<IpRange> out = new ArrayList<>();
    for (int i = 0; i < intervals(); i++) {
      out.add(new IpRange(addr(f, starts, i), addr(f, ends, i)));
    }
    return out;
  }

  private static IpAddr addr(Family f, long[] b, int i) {
    return f == Family.IPV4 ? IpAddr.v4(b[2 * i + 1]) : IpAddr.v6(b[2 * i], b[2 * i + 1]);
  }

  /** The intervals as port ranges (a 16-bit set). */
  public List<PortRange> portRanges() {
    if (width != 16) {
      throw new IllegalArgumentException(width + "-bit set read as ports");
    }
    List<PortRange> out = new ArrayList<>();
    for (int i = 0; i < intervals(); i++) {
      out.add(new PortRange((int) starts[2 * i + 1], (int) ends[2 * i + 1]));
    }
    return out;
  }

  /** The intervals as {lo, hi} pairs of a set at most 64 bits wide. */
  public List<long[]> ranges() {
    if (width > 64) {
      throw new IllegalArgumentException(width + "-bit set read as longs");
    }
    List<long[]> out = new ArrayList<>();
    for (int i = 0; i < intervals(); i++) {
      out.add(new long[] {starts[2 * i + 1], ends[2 * i + 1]});
    }
    return out;
  }

  // ------------------------------------------------------------------ operations

  private IntervalSet same(ValueSet o) {
    if (!(o instanceof IntervalSet s) || s.width != width) {
      throw new IllegalArgumentException("cannot combine a " + width + "-bit interval set with "
          + o);
    }
    return s;
  }

  @Override
  public IntervalSet union(ValueSet other) {
    IntervalSet o = same(other);
    List<long[]> all = new ArrayList<>();
    for (IntervalSet s : new IntervalSet[] {this, o}) {
      for (int i = 0; i < s.intervals(); i++) {
        all.add(new long[] {s.starts[2 * i], s.starts[2 * i + 1], s.ends[2 * i],
            s.ends[2 * i + 1]});
      }
    }
    return build(width, all);
  }

  @Override
  public IntervalSet intersect(ValueSet other) {
    IntervalSet o = same(other);
    if (starts.length == 2 && o.starts.length == 2) {
      return intersectOne(o);
    }
    // The pieces come out sorted, disjoint and not adjacent (adjacent pieces would lie in one
    // interval of each set, and so be one piece): no sorting or merging needed.
    long[] s = new long[2 * (intervals() + o.intervals())];
    long[] e = new long[s.length];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < intervals() && j < o.intervals()) {
      boolean thisStarts = cmp(starts[2 * i], starts[2 * i + 1], o.starts[2 * j],
          o.starts[2 * j + 1]) >= 0;
      boolean thisEnds = cmp(ends[2 * i], ends[2 * i + 1], o.ends[2 * j], o.ends[2 * j + 1]) <= 0;
      long[] sa = thisStarts ? starts : o.starts;
      int si = thisStarts ? i : j;
      long[] ea = thisEnds ? ends : o.ends;
      int ei = thisEnds ? i : j;
      if (cmp(sa[2 * si], sa[2 * si + 1], ea[2 * ei], ea[2 * ei + 1]) <= 0) {
        s[2 * n] = sa[2 * si];
        s[2 * n + 1] = sa[2 * si + 1];
        e[2 * n] = ea[2 * ei];
        e[2 * n + 1] = ea[2 * ei + 1];
        n++;
      }
      if (cmp(ends[2 * i], ends[2 * i + 1], o.ends[2 * j], o.ends[2 * j + 1]) < 0) {
        i++;
      } else {
        j++;
      }
    }
    return new IntervalSet(width, Arrays.copyOf(s, 2 * n), Arrays.copyOf(e, 2 * n));
  }

  /**
   * {@link #intersect} of two single intervals (most of the cubes of rules): one of the two
   * when it lies in the other, so nothing is allocated.
   */
  private IntervalSet intersectOne(IntervalSet o) {
    boolean thisStarts = cmp(starts[0], starts[1], o.starts[0], o.starts[1]) >= 0;
    boolean thisEnds = cmp(ends[0], ends[1], o.ends[0], o.ends[1]) <= 0;
    if (thisStarts && thisEnds) {
      return this;
    }
    if (!thisStarts && !thisEnds) {
      return o;
    }
    long[] s = thisStarts ? starts : o.starts;
    long[] e = thisEnds ? ends : o.ends;
    if (cmp(s[0], s[1], e[0], e[1]) > 0) {
      return new IntervalSet(width, new long[0], new long[0]);
    }
    return new IntervalSet(width, s, e);
  }

  /** Without building the intersection: the analyses ask this of many pairs of rules. */
  @Override
  public boolean intersects(ValueSet other) {
    IntervalSet o = same(other);
    int i = 0;
    int j = 0;
    while (i < intervals() && j < o.intervals()) {
      // [s1, e1] and [s2, e2] meet when s1 <= e2 and s2 <= e1
      if (cmp(starts[2 * i], starts[2 * i + 1], o.ends[2 * j], o.ends[2 * j + 1]) <= 0
          && cmp(o.starts[2 * j], o.starts[2 * j + 1], ends[2 * i], ends[2 * i + 1]) <= 0) {
        return true;
      }
      if (cmp(ends[2 * i], ends[2 * i + 1], o.ends[2 * j], o.ends[2 * j + 1]) < 0) {
        i++;
      } else {
        j++;
      }
    }
    return false;
  }

  /** Without building sets: each interval of {@code other} lies in one of this set. */
  @Override
  public boolean containsAll(ValueSet other) {
    IntervalSet o = same(other);
    int i = 0;
    for (int j = 0; j < o.intervals(); j++) {
      // skip this set's intervals that end before o's interval j starts
      while (i < intervals()
          && cmp(ends[2 * i], ends[2 * i + 1], o.starts[2 * j], o.starts[2 * j + 1]) < 0) {
        i++;
      }
      if (i == intervals()
          || cmp(starts[2 * i], starts[2 * i + 1], o.starts[2 * j], o.starts[2 * j + 1]) > 0
          || cmp(ends[2 * i], ends[2 * i + 1], o.ends[2 * j], o.ends[2 * j + 1]) < 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public IntervalSet complement() {
    // the gaps come out sorted and apart: no sorting or merging needed
    long[] max = max(width);
    long[] s = new long[2 * (intervals() + 1)];
    long[] e = new long[s.length];
    int n = 0;
    long nextHi = 0;
    long nextLo = 0;
    boolean done = false;
    for (int i = 0; i < intervals(); i++) {
      long sHi = starts[2 * i];
      long sLo = starts[2 * i + 1];
      if (cmp(nextHi, nextLo, sHi, sLo) < 0) {
        s[2 * n] = nextHi;
        s[2 * n + 1] = nextLo;
        e[2 * n] = sLo == 0 ? sHi - 1 : sHi;
        e[2 * n + 1] = sLo - 1;
        n++;
      }
      long eHi = ends[2 * i];
      long eLo = ends[2 * i + 1];
      if (eHi == max[0] && eLo == max[1]) {
        done = true;
        break;
      }
      nextLo = eLo + 1;
      nextHi = nextLo == 0 ? eHi + 1 : eHi;
    }
    if (!done) {
      s[2 * n] = nextHi;
      s[2 * n + 1] = nextLo;
      e[2 * n] = max[0];
      e[2 * n + 1] = max[1];
      n++;
    }
    return new IntervalSet(width, Arrays.copyOf(s, 2 * n), Arrays.copyOf(e, 2 * n));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IntervalSet s && s.width == width && Arrays.equals(s.starts, starts)
        && Arrays.equals(s.ends, ends);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * width + Arrays.hashCode(starts)) + Arrays.hashCode(ends);
  }

  @Override
  public String toString() {
    if (isEmpty()) {
      return "{}";
    }
    if (isFull()) {
      return "*";
    }
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < intervals(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(text(starts, i));
      if (starts[2 * i] != ends[2 * i] || starts[2 * i + 1] != ends[2 * i + 1]) {
        sb.append('-').append(text(ends, i));
      }
    }
    return sb.append('}').toString();
  }

  private String text(long[] b, int i) {
    if (width == 32) {
      return IpAddr.v4(b[2 * i + 1]).toString();
    } else if (width == 128) {
      return IpAddr.v6(b[2 * i], b[2 * i + 1]).toString();
    }
    return Long.toUnsignedString(b[2 * i + 1]);
  }
}
