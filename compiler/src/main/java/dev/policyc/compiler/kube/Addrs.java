package dev.policyc.compiler.kube;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;

/**
 * Addresses of either family as kube-proxy reads and prints them: strict dotted quads for IPv4
 * ({@link Ipv4}), RFC 4291 text for IPv6, and Go's {@code net.IP.String()} form for output
 * (lower-case hex, the first longest run of two or more zero groups compressed). An IPv4-mapped
 * IPv6 address ({@code ::ffff:a.b.c.d}) is of the IPv4 family, as Go's {@code To4} makes it.
 */
final class Addrs {
  private Addrs() {}

  /** The address of {@code text}, or null when it is none. */
  static IpAddr parse(String text) {
    long v4 = Ipv4.parse(text);
    if (v4 >= 0) {
      return IpAddr.v4(v4);
    }
    if (text.indexOf(':') < 0) {
      return null;
    }
    try {
      IpAddr a = IpAddr.parse(text);
      return mapped(a) ? IpAddr.v4(a.lo() & 0xffffffffL) : a;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The family of {@code text}, or null when it is no address. */
  static Family family(String text) {
    if (Ipv4.parse(text) >= 0) {
      return Family.IPV4;
    }
    IpAddr a = parse(text);
    return a == null ? null : a.family();
  }

  private static boolean mapped(IpAddr a) {
    return a.family() == Family.IPV6 && a.hi() == 0 && a.lo() >>> 32 == 0xffffL;
  }

  /** kube-proxy's word for a family: IPv4 or IPv6. */
  static String word(Family f) {
    return f == Family.IPV4 ? "IPv4" : "IPv6";
  }

  /** {@code text} as Go prints the address (an IPv4 text is returned as it is). */
  static String canonical(String text) {
    if (Ipv4.parse(text) >= 0) {
      return text;
    }
    IpAddr a = parse(text);
    return a == null ? text : format(a);
  }

  /** Go's {@code net.IP.String()}. */
  static String format(IpAddr a) {
    if (a.family() == Family.IPV4) {
      return Ipv4.format(a.lo());
    }
    int[] w = new int[8];
    for (int i = 0; i < 8; i++) {
      long half = i < 4 ? a.hi() : a.lo();
      w[i] = (int) (half >>> (16 * (3 - i % 4)) & 0xffff);
    }
    int e0 = -1;
    int e1 = -1;
    for (int i = 0; i < 8; i++) {
      int j = i;
      while (j < 8 && w[j] == 0) {
        j++;
      }
      if (j > i && j - i > e1 - e0) {
        e0 = i;
        e1 = j;
        i = j;
      }
    }
    if (e1 - e0 <= 1) {
      e0 = -1;
      e1 = -1;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == e0) {
        sb.append("::");
        i = e1 - 1;
        continue;
      }
      if (i > 0 && i != e1) {
        sb.append(':');
      }
      sb.append(Integer.toHexString(w[i]));
    }
    return sb.toString();
  }

  /** Go's {@code net.JoinHostPort}: brackets around an IPv6 host. */
  static String hostPort(String ip, int port) {
    return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
  }

  /**
   * A prefix of either family: {@code addr} keeps the host bits as written ({@code
   * 192.168.0.2/24} is the node address 192.168.0.2 on a /24).
   */
  record Net(IpAddr addr, int length) {
    Family family() {
      return addr.family();
    }

    boolean contains(IpAddr a) {
      int host = IpAddr.bits(family()) - length;
      return a.family() == family() && a.maskHost(host).equals(addr.maskHost(host));
    }

    /** Go's {@code IPNet.String()}: the network address (host bits cleared) and the length. */
    String network() {
      return format(addr.maskHost(IpAddr.bits(family()) - length)) + "/" + length;
    }
  }

  /** {@code addr/len} or, when {@code bare} allows, a bare address (a full-length prefix). */
  static Net net(String text, boolean bare) {
    int slash = text.indexOf('/');
    if (slash < 0 && !bare) {
      return null;
    }
    IpAddr a = parse(slash < 0 ? text : text.substring(0, slash));
    if (a == null) {
      return null;
    }
    int max = IpAddr.bits(a.family());
    if (slash < 0) {
      return new Net(a, max);
    }
    String l = text.substring(slash + 1);
    if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    int len = Integer.parseInt(l);
    return len > max ? null : new Net(a, len);
  }
}
