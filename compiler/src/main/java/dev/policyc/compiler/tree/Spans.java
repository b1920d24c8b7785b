package dev.policyc.compiler.tree;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.space.IntervalSet;
import java.math.BigInteger;

/** Values of a field as {@link TreeBuilder} compares them: unsigned, up to 128 bits. */
final class Spans {
  private static final BigInteger LOW64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private Spans() {}

  /** A value as {@link IntervalSet#first()} gives it (high and low 64 bits), unsigned. */
  static BigInteger big(long[] hiLo) {
    return BigInteger.valueOf(hiLo[0]).and(LOW64).shiftLeft(64)
        .or(BigInteger.valueOf(hiLo[1]).and(LOW64));
  }

  /** The values from {@code lo} to {@code hi} of a field {@code width} bits wide. */
  static IntervalSet interval(int width, BigInteger lo, BigInteger hi) {
    if (width <= 64) {
      return IntervalSet.range(width, lo.longValue(), hi.longValue());
    }
    return IntervalSet.of(new IpRange(v6(lo), v6(hi)));
  }

  private static IpAddr v6(BigInteger v) {
    return IpAddr.v6(v.shiftRight(64).longValue(), v.longValue());
  }
}
