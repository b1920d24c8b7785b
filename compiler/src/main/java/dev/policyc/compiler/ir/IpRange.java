package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** An inclusive range of addresses of one family; a CIDR prefix is a range with aligned ends. */
public record IpRange(IpAddr first, IpAddr last) implements Comparable<IpRange> {
  public IpRange {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(last, "last");
    if (first.family() != last.family()) {
      throw new IllegalArgumentException("range mixes IPv4 and IPv6: " + first + "-" + last);
    }
    if (first.compareTo(last) > 0) {
      throw new IllegalArgumentException("range " + first + "-" + last + " is reversed");
    }
  }

  public static IpRange all(Family f) {
    return new IpRange(IpAddr.min(f), IpAddr.max(f));
  }

  public static IpRange host(IpAddr a) {
    return new IpRange(a, a);
  }

  /** The prefix {@code addr/len}; host bits of {@code addr} are cleared. */
  public static IpRange prefix(IpAddr addr, int len) {
    int bits = IpAddr.bits(addr.family());
    if (len < 0 || len > bits) {
      throw new IllegalArgumentException("prefix length " + len + " is out of range 0-" + bits);
    }
    return new IpRange(addr.maskHost(bits - len), addr.fillHost(bits - len));
  }

  /**
   * Parses {@code addr}, {@code addr/len} or {@code first-last}; throws {@link
   * IllegalArgumentException} with a reason.
   */
  public static IpRange parse(String text) {
    int slash = text.indexOf('/');
    if (slash >= 0) {
      IpAddr a = IpAddr.parse(text.substring(0, slash));
      String len = text.substring(slash + 1);
      int bits = IpAddr.bits(a.family());
      if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(len) > bits) {
        throw new IllegalArgumentException(
            "'" + text + "' has a bad prefix length (0-" + bits + ")");
      }
      return prefix(a, Integer.parseInt(len));
    }
    int dash = text.indexOf('-');
    if (dash >= 0) {
      IpAddr a = IpAddr.parse(text.substring(0, dash));
      IpAddr b = IpAddr.parse(text.substring(dash + 1));
      if (a.family() != b.family()) {
        throw new IllegalArgumentException("'" + text + "' mixes IPv4 and IPv6");
      }
      if (a.compareTo(b) > 0) {
        throw new IllegalArgumentException("'" + text + "' is a reversed range");
      }
      return new IpRange(a, b);
    }
    return host(IpAddr.parse(text));
  }

  public Family family() {
    return first.family();
  }

  public boolean contains(IpAddr a) {
    return a.family() == family() && first.compareTo(a) <= 0 && a.compareTo(last) <= 0;
  }

  public boolean isAll() {
    return first.isMin() && last.isMax();
  }

  /** The prefix length when this range is exactly one CIDR prefix, else -1. */
  public int prefixLength() {
    // A prefix with h host bits: first and last differ in exactly the low h bits (their xor is
    // 2^h - 1), which are all 0 in first (and so all 1 in last, as first <= last).
    long xh = first.hi() ^ last.hi();
    long xl = first.lo() ^ last.lo();
    int host;
    if (xh == 0) {
      if ((xl & (xl + 1)) != 0) {
        return -1;
      }
      host = 64 - Long.numberOfLeadingZeros(xl);
    } else {
      if (xl != -1L || (xh & (xh + 1)) != 0) {
        return -1;
      }
      host = 128 - Long.numberOfLeadingZeros(xh);
    }
    if ((first.lo() & xl) != 0 || (first.hi() & xh) != 0) {
      return -1;
    }
    return IpAddr.bits(family()) - host;
  }

  public boolean isPrefix() {
    return prefixLength() >= 0;
  }

  /** The smallest CIDR prefix that holds this range. */
  public IpRange enclosingPrefix() {
    long xh = first.hi() ^ last.hi();
    long xl = first.lo() ^ last.lo();
    int bits = IpAddr.bits(family());
    // the bits above the highest one in which first and last differ are the prefix
    int host = xh != 0 ? 128 - Long.numberOfLeadingZeros(xh) : 64 - Long.numberOfLeadingZeros(xl);
    return prefix(first, bits - host);
  }

  /** The minimal list of CIDR prefixes covering exactly this range, in address order. */
  public List<IpRange> toPrefixes() {
    List<IpRange> out = new ArrayList<>();
    int bits = IpAddr.bits(family());
    IpAddr cur = first;
    while (true) {
      int host = Math.min(cur.trailingZeros(), bits);
      while (host > 0 && cur.fillHost(host).compareTo(last) > 0) {
        host--;
      }
      IpRange p = prefix(cur, bits - host);
      out.add(p);
      if (p.last().equals(last)) {
        return out;
      }
      cur = p.last().plus(1);
    }
  }

  @Override
  public int compareTo(IpRange o) {
    int c = first.compareTo(o.first);
    return c != 0 ? c : last.compareTo(o.last);
  }

  /** {@code a/len} when this is a prefix (iptables-save form), else {@code a-b}. */
  @Override
  public String toString() {
    int len = prefixLength();
    return len >= 0 ? first + "/" + len : first + "-" + last;
  }
}
