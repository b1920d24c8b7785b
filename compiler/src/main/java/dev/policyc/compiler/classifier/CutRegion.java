package dev.policyc.compiler.classifier;

/**
 * The region of a {@link CutTrees} node: per field (protocol, source, destination, source port,
 * destination port), how many leading bits are fixed, and their value.
 */
final class CutRegion {
  final int[] fixed = new int[5];
  final long[] hi = new long[5];
  final long[] lo = new long[5];
  final int[] width;

  CutRegion(int[] width) {
    this.width = width;
  }

  CutRegion child(int d, int bits, int index) {
    CutRegion c = new CutRegion(width);
    System.arraycopy(fixed, 0, c.fixed, 0, 5);
    System.arraycopy(hi, 0, c.hi, 0, 5);
    System.arraycopy(lo, 0, c.lo, 0, 5);
    int pos = width[d] - fixed[d] - bits;
    if (pos >= 64) {
      c.hi[d] |= (long) index << (pos - 64);
    } else {
      c.lo[d] |= (long) index << pos;
    }
    c.fixed[d] += bits;
    return c;
  }

  /** The largest value of the region on field d, as (hi, lo). */
  long upHi(int d) {
    int free = width[d] - fixed[d];
    return free > 64 ? hi[d] | (free >= 128 ? -1L : (1L << (free - 64)) - 1) : hi[d];
  }

  long upLo(int d) {
    int free = width[d] - fixed[d];
    return free >= 64 ? -1L : lo[d] | ((1L << free) - 1);
  }

  /** This region with the first {@code bits} bits of field d fixed to those of (vHi, vLo). */
  CutRegion narrow(int d, int bits, long vHi, long vLo) {
    CutRegion c = new CutRegion(width);
    System.arraycopy(fixed, 0, c.fixed, 0, 5);
    System.arraycopy(hi, 0, c.hi, 0, 5);
    System.arraycopy(lo, 0, c.lo, 0, 5);
    int free = width[d] - bits;
    c.hi[d] = free >= 128 ? 0 : free >= 64 ? vHi & -(1L << (free - 64)) : vHi;
    c.lo[d] = free >= 64 ? 0 : vLo & -(1L << free);
    c.fixed[d] = bits;
    return c;
  }

  /**
   * The bounds [(lh, ll), (uh, ul)] of field d clamped to the region, into {@code out} as lh, ll,
   * uh, ul.
   */
  void clamp(int d, long lh, long ll, long uh, long ul, long[] out) {
    boolean below = Long.compareUnsigned(lh, hi[d]) < 0
        || lh == hi[d] && Long.compareUnsigned(ll, lo[d]) < 0;
    out[0] = below ? hi[d] : lh;
    out[1] = below ? lo[d] : ll;
    long rh = upHi(d);
    long rl = upLo(d);
    boolean above = Long.compareUnsigned(uh, rh) > 0
        || uh == rh && Long.compareUnsigned(ul, rl) > 0;
    out[2] = above ? rh : uh;
    out[3] = above ? rl : ul;
  }
}
