package dev.policyc.compiler.kube;

/** Strict dotted-quad IPv4 addresses, read in place (prefixes of either family: {@link Addrs}). */
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

  static String format(long v) {
    return (v >>> 24 & 255) + "." + (v >>> 16 & 255) + "." + (v >>> 8 & 255) + "." + (v & 255);
  }
}
