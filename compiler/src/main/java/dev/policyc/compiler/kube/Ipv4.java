package dev.policyc.compiler.kube;

/** Strict dotted-quad IPv4 addresses and CIDRs, as kube-proxy's IPv4 proxier takes them. */
final class Ipv4 {
  private Ipv4() {}

  /** The address as an unsigned 32-bit value, or -1 when {@code s} is no IPv4 address. */
  static long parse(String s) {
    // Four parts split at '.', each 1-3 digits (Character.isDigit, as Integer.parseInt reads
    // them), no leading 0, at most 255; read in place, for the 100,000s of endpoints.
    long v = 0;
    int start = 0;
    for (int part = 0; part < 4; part++) {
      int end = s.indexOf('.', start);
      if (end < 0) {
        end = s.length();
      }
      if (part == 3 ? end != s.length() : end == s.length()) {
        return -1;
      }
      int len = end - start;
      if (len == 0 || len > 3 || len > 1 && s.charAt(start) == '0') {
        return -1;
      }
      int b = 0;
      for (int i = start; i < end; i++) {
        char c = s.charAt(i);
        if (!Character.isDigit(c)) {
          return -1;
        }
        b = b * 10 + Character.digit(c, 10);
      }
      if (b > 255) {
        return -1;
      }
      v = v << 8 | b;
      start = end + 1;
    }
    return v;
  }

  static boolean isAddress(String s) {
    return parse(s) >= 0;
  }

  /** A prefix: the network address and the length. */
  record Cidr(long network, int length) {
    boolean contains(long addr) {
      long mask = length == 0 ? 0 : (0xFFFFFFFFL << (32 - length)) & 0xFFFFFFFFL;
      return (addr & mask) == (network & mask);
    }

    @Override
    public String toString() {
      return format(network) + "/" + length;
    }
  }

  /** {@code a.b.c.d/len} (host bits kept), or null. A bare address is a /32. */
  static Cidr cidr(String s) {
    int slash = s.indexOf('/');
    String addr = slash < 0 ? s : s.substring(0, slash);
    long a = parse(addr);
    if (a < 0) {
      return null;
    }
    int len = 32;
    if (slash >= 0) {
      String l = s.substring(slash + 1);
      if (l.isEmpty() || l.length() > 2 || !l.chars().allMatch(Character::isDigit)) {
        return null;
      }
      len = Integer.parseInt(l);
      if (len > 32) {
        return null;
      }
    }
    return new Cidr(a, len);
  }

  static String format(long v) {
    return (v >>> 24 & 255) + "." + (v >>> 16 & 255) + "." + (v >>> 8 & 255) + "." + (v & 255);
  }
}
