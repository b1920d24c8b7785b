package dev.policyc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.policyc.dsl.Family;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link IpRange#prefixLength()} in closed form agrees with the definition. */
class IpRangeTest {
  /** The definition: the host bits h for which first masks to itself and fills to last. */
  private static int byDefinition(IpRange r) {
    int bits = IpAddr.bits(r.family());
    for (int host = 0; host <= bits; host++) {
      if (!r.first().maskHost(host).equals(r.first())) {
        break;
      }
      if (r.first().fillHost(host).equals(r.last())) {
        return bits - host;
      }
    }
    return -1;
  }

  @Test
  void theEnclosingPrefixIsTheSmallestHoldingTheRange() {
    assertEquals(IpRange.parse("10.16.0.0/12"),
        IpRange.parse("10.20.0.0-10.31.255.255").enclosingPrefix());
    assertEquals(IpRange.parse("10.1.2.3/32"), IpRange.parse("10.1.2.3").enclosingPrefix());
    assertEquals(IpRange.parse("0.0.0.0/0"),
        IpRange.parse("127.255.255.255-128.0.0.0").enclosingPrefix());
    assertEquals(IpRange.parse("2001:db8::/32"),
        IpRange.parse("2001:db8::1-2001:db8:ffff::").enclosingPrefix());
    assertEquals(IpRange.parse("2001:db8::/120"),
        IpRange.parse("2001:db8::1-2001:db8::ff").enclosingPrefix());
  }

  @Test
  void prefixLengthIsTheDefinitionsOnRandomRanges() {
    Random rnd = new Random(20261205L);
    for (int t = 0; t < 20_000; t++) {
      Family f = rnd.nextBoolean() ? Family.IPV4 : Family.IPV6;
      int bits = IpAddr.bits(f);
      IpAddr a = f == Family.IPV4
          ? IpAddr.v4(rnd.nextLong() & 0xffffffffL)
          : IpAddr.v6(rnd.nextLong(), rnd.nextLong());
      int len = rnd.nextInt(bits + 1);
      IpRange r = IpRange.prefix(a, len);
      switch (rnd.nextInt(4)) {
        case 0 -> assertEquals(len, r.prefixLength(), r::toString);
        case 1 -> r = new IpRange(r.first(), r.last().compareTo(r.first()) > 0
            ? r.last().plus(-1) : r.last());
        case 2 -> r = new IpRange(r.first().compareTo(r.last()) < 0 ? r.first().plus(1)
            : r.first(), r.last());
        default -> {
          IpAddr b = f == Family.IPV4
              ? IpAddr.v4(rnd.nextLong() & 0xffffffffL)
              : IpAddr.v6(rnd.nextLong(), rnd.nextLong());
          r = a.compareTo(b) <= 0 ? new IpRange(a, b) : new IpRange(b, a);
        }
      }
      IpRange range = r;
      assertEquals(byDefinition(range), range.prefixLength(), range::toString);
    }
  }
}
