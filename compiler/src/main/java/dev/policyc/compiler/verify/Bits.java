package dev.policyc.compiler.verify;

/**
 * A 32-bit mark as a function of the marks the packet had when it entered a table: bit {@code j}
 * is {@code (fromMark_j & mark_j) ^ (fromCt_j & ctmark_j) ^ konst_j}. MARK, CONNMARK set, save
 * and restore are all of this form (they move bits without shifting them), so the composition
 * of any number of them is too.
 */
record Bits(long fromMark, long fromCt, long konst) {
  static final long ALL = 0xffffffffL;
  static final Bits MARK = new Bits(ALL, 0, 0);
  static final Bits CTMARK = new Bits(0, ALL, 0);

  /** {@code (this & ~mask) ^ value}. */
  Bits xmark(long value, long mask) {
    return new Bits(fromMark & ~mask, fromCt & ~mask, (konst & ~mask) ^ value);
  }

  /** {@code (this & ~keepOut) ^ (other & take)}. */
  Bits replace(long keepOut, Bits other, long take) {
    return new Bits((fromMark & ~keepOut) ^ (other.fromMark & take),
        (fromCt & ~keepOut) ^ (other.fromCt & take), (konst & ~keepOut) ^ (other.konst & take));
  }

  /** The value for entry marks {@code mark} and {@code ctmark}. */
  long apply(long mark, long ctmark) {
    return ((fromMark & mark) ^ (fromCt & ctmark) ^ konst) & ALL;
  }
}
