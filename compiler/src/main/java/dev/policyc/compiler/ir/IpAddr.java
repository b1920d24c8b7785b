package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address as an unsigned 128-bit number ({@code hi}, {@code lo}); IPv4 uses the
 * low 32 bits of {@code lo}.
 */
public record IpAddr(Family family, long hi, long lo) implements Comparable<IpAddr> {
  public IpAddr {
    Objects.requireNonNull(family, "family");
    if (family == Family.IPV4 && (hi != 0 || (lo >>> 32) != 0)) {
      throw new IllegalArgumentException("IPv4 address out of range");
    }
  }

  public static IpAddr v4(long value) {
    return new IpAddr(Family.IPV4, 0, value & 0xffffffffL);
  }

  public static IpAddr v6(long hi, long lo) {
    return new IpAddr(Family.IPV6, hi, lo);
  }

  // equals by hand, meaning what the record's means: the generated one runs through method
  // handles, slow before the JIT compiles it, and lowering and the emitters compare addresses
  // often. hashCode stays the record's.
  @Override
  public boolean equals(Object o) {
    return o instanceof IpAddr a && a.family == family && a.hi == hi && a.lo == lo;
  }

  public static int bits(Family f) {
    return f == Family.IPV4 ? 32 : 128;
  }

  public static IpAddr min(Family f) {
    return new IpAddr(f, 0, 0);
  }

  public static IpAddr max(Family f) {
    return f == Family.IPV4 ? v4(0xffffffffL) : v6(-1L, -1L);
  }

  /** Parses a literal address; throws {@link IllegalArgumentException} with a reason. */
  public static IpAddr parse(String text) {
    return text.indexOf(':') >= 0 ? parseV6(text) : parseV4(text);
  }

  /** True when {@code text} parses as an address of either family. */
  public static boolean isAddress(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static IpAddr parseV4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
    }
    long v = 0;
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
      }
      if (p.length() > 1 && p.charAt(0) == '0') {
        // inet_aton would read a leading zero as octal; refuse the ambiguity.
        throw new IllegalArgumentException(
            "'" + text + "' has a leading zero in an octet (ambiguous: octal or decimal)");
      }
      int o = Integer.parseInt(p);
      if (o > 255) {
        throw new IllegalArgumentException("'" + text + "' has an octet above 255");
      }
      v = (v << 8) | o;
    }
    return v4(v);
  }

  static IpAddr parseV6(String text) {
    String s = text;
    String v4Tail = null;
    // An embedded IPv4 tail (::ffff:1.2.3.4) takes the last two words.
    int lastColon = s.lastIndexOf(':');
    if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
      v4Tail = s.substring(lastColon + 1);
      s = s.substring(0, lastColon + 1) + "0:0";
    }
    int dbl = s.indexOf("::");
    if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
      throw bad6(text);
    }
    int[] head = dbl < 0 ? groups(s, text) : groups(s.substring(0, dbl), text);
    int[] tail = dbl < 0 ? new int[0] : groups(s.substring(dbl + 2), text);
    int n = head.length + tail.length;
    if (dbl < 0 ? n != 8 : n > 7) {
      throw bad6(text);
    }
    int[] full = new int[8];
    System.arraycopy(head, 0, full, 0, head.length);
    System.arraycopy(tail, 0, full, 8 - tail.length, tail.length);
    if (v4Tail != null) {
      long v4 = parseV4(v4Tail).lo();
      full[6] = (int) (v4 >>> 16);
      full[7] = (int) (v4 & 0xffff);
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 4; i++) {
      hi = (hi << 16) | full[i];
      lo = (lo << 16) | full[i + 4];
    }
    return v6(hi, lo);
  }

  /** The 16-bit groups of a colon-separated run ("" gives none). */
  private static int[] groups(String s, String text) {
    if (s.isEmpty()) {
      return new int[0];
    }
    String[] parts = s.split(":", -1);
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String g = parts[i];
      if (g.isEmpty() || g.length() > 4) {
        throw bad6(text);
      }
      int w = 0;
      for (char c : g.toCharArray()) {
        int d = c < 128 ? Character.digit(c, 16) : -1;
        if (d < 0) {
          throw bad6(text);
        }
        w = (w << 4) | d;
      }
      out[i] = w;
    }
    return out;
  }

  private static IllegalArgumentException bad6(String text) {
    return new IllegalArgumentException("'" + text + "' is not an IPv6 address");
  }

  /** The 16-bit word {@code i} (0..7) of an IPv6 address. */
  int word(int i) {
    long half = i < 4 ? hi : lo;
    return (int) ((half >>> (16 * (3 - (i % 4)))) & 0xffff);
  }

  /** The 32-bit word {@code i} (0..3) in network order of an IPv6 address; IPv4: its value. */
  public int word32(int i) {
    if (family == Family.IPV4) {
      return (int) lo;
    }
    long half = i < 2 ? hi : lo;
    return (int) (i % 2 == 0 ? half >>> 32 : half);
  }

  public static IpAddr ofWords32(Family f, int[] w) {
    if (f == Family.IPV4) {
      return v4(w[0] & 0xffffffffL);
    }
    return v6(
        ((w[0] & 0xffffffffL) << 32) | (w[1] & 0xffffffffL),
        ((w[2] & 0xffffffffL) << 32) | (w[3] & 0xffffffffL));
  }

  public IpAddr plus(long delta) {
    if (family == Family.IPV4) {
      return v4(lo + delta);
    }
    long nlo = lo + delta;
    long carry = delta >= 0 ? (Long.compareUnsigned(nlo, lo) < 0 ? 1 : 0) : (Long.compareUnsigned(nlo, lo) > 0 ? -1 : 0);
    return v6(hi + carry, nlo);
  }

  public boolean isMax() {
    return equals(max(family));
  }

  public boolean isMin() {
    return hi == 0 && lo == 0;
  }

  /** The address with the low {@code hostBits} bits cleared. */
  public IpAddr maskHost(int hostBits) {
    return and(hostMask(family, hostBits).not());
  }

  /** The address with the low {@code hostBits} bits set. */
  public IpAddr fillHost(int hostBits) {
    return or(hostMask(family, hostBits));
  }

  static IpAddr hostMask(Family f, int hostBits) {
    if (hostBits <= 0) {
      return min(f);
    }
    if (hostBits >= 128) {
      return v6(-1L, -1L);
    }
    if (f == Family.IPV4) {
      return v4(hostBits >= 32 ? 0xffffffffL : (1L << hostBits) - 1);
    }
    if (hostBits >= 64) {
      return v6(hostBits == 128 ? -1L : (1L << (hostBits - 64)) - 1, -1L);
    }
    return v6(0, hostBits == 64 ? -1L : (1L << hostBits) - 1);
  }

  IpAddr and(IpAddr o) {
    return new IpAddr(family, hi & o.hi, lo & o.lo);
  }

  IpAddr or(IpAddr o) {
    return new IpAddr(family, hi | o.hi, family == Family.IPV4 ? (lo | o.lo) & 0xffffffffL : lo | o.lo);
  }

  IpAddr not() {
    return family == Family.IPV4 ? v4(~lo & 0xffffffffL) : v6(~hi, ~lo);
  }

  /** Number of trailing zero bits, capped at the family's width. */
  int trailingZeros() {
    int bits = bits(family);
    if (lo != 0) {
      return Math.min(Long.numberOfTrailingZeros(lo), bits);
    }
    if (family == Family.IPV4) {
      return 32;
    }
    return hi == 0 ? 128 : 64 + Long.numberOfTrailingZeros(hi);
  }

  @Override
  public int compareTo(IpAddr o) {
    int c = family.compareTo(o.family);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(hi, o.hi);
    return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
  }

  /** The address as iptables-save prints it (glibc {@code inet_ntop}). */
  @Override
  public String toString() {
    if (family == Family.IPV4) {
      return ((lo >>> 24) & 0xff) + "." + ((lo >>> 16) & 0xff) + "." + ((lo >>> 8) & 0xff) + "."
          + (lo & 0xff);
    }
    int[] w = new int[8];
    for (int i = 0; i < 8; i++) {
      w[i] = word(i);
    }
    // glibc inet_ntop6: compress the longest run (the first of equal ones) of two or more zero
    // words; print an embedded IPv4 address for ::a.b.c.d and ::ffff:a.b.c.d.
    int bestBase = -1;
    int bestLen = 0;
    int curBase = -1;
    int curLen = 0;
    for (int i = 0; i < 8; i++) {
      if (w[i] == 0) {
        if (curBase < 0) {
          curBase = i;
          curLen = 1;
        } else {
          curLen++;
        }
      } else if (curBase >= 0) {
        if (bestBase < 0 || curLen > bestLen) {
          bestBase = curBase;
          bestLen = curLen;
        }
        curBase = -1;
      }
    }
    if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) {
      bestBase = curBase;
      bestLen = curLen;
    }
    if (bestBase >= 0 && bestLen < 2) {
      bestBase = -1;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
        if (i == bestBase) {
          sb.append(':');
        }
        continue;
      }
      if (i != 0) {
        sb.append(':');
      }
      if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff))) {
        sb.append(v4((((long) w[6]) << 16) | w[7]));
        break;
      }
      sb.append(Integer.toHexString(w[i]));
    }
    if (bestBase >= 0 && bestBase + bestLen == 8) {
      sb.append(':');
    }
    return sb.toString();
  }
}
