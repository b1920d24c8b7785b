package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.Family;
import java.util.Locale;

/**
 * Readers of the values in rule options: addresses and prefixes, ports, TCP flags, numbers,
 * value/mask pairs, rates and NAT ranges. A bad value is an error at the option's column.
 */
final class Values {
  private Values() {}

  /** An address or prefix of the dump's family; a dotted netmask must be contiguous. */
  static IpRange cidr(String v, RuleLine l, Token t) throws ParseException {
    if (v.indexOf(',') >= 0) {
      throw l.fail(t, "comma-separated addresses expand to several rules; not supported");
    }
    try {
      int slash = v.indexOf('/');
      IpRange r;
      if (slash >= 0 && v.substring(slash + 1).indexOf('.') >= 0) {
        // a dotted netmask: only contiguous ones are prefixes
        IpAddr mask = IpAddr.parse(v.substring(slash + 1));
        long m = mask.lo();
        int len = Long.bitCount(m);
        if (mask.family() != Family.IPV4 || m != ((0xffffffffL << (32 - len)) & 0xffffffffL)) {
          throw new IllegalArgumentException(
              "non-contiguous netmask " + mask + " is not supported");
        }
        r = IpRange.prefix(IpAddr.parse(v.substring(0, slash)), len);
      } else {
        r = IpRange.parse(v);
      }
      if (r.family() != l.family()) {
        throw new IllegalArgumentException(v + " is not an " + l.family() + " address");
      }
      if (!r.isPrefix()) {
        throw new IllegalArgumentException(v + " is not an address or prefix");
      }
      return r;
    } catch (IllegalArgumentException e) {
      throw l.fail(t, e.getMessage());
    }
  }

  /** {@code port}, {@code lo:hi}, {@code lo:} or {@code :hi}. */
  static PortRange portRange(String v, RuleLine l, Token t) throws ParseException {
    String[] p = v.split(":", -1);
    try {
      if (p.length == 1) {
        int port = Integer.parseInt(p[0]);
        return new PortRange(port, port);
      }
      if (p.length == 2) {
        int lo = p[0].isEmpty() ? 0 : Integer.parseInt(p[0]);
        int hi = p[1].isEmpty() ? 65535 : Integer.parseInt(p[1]);
        return new PortRange(lo, hi);
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw l.fail(t, "bad port or port range '" + v + "'");
  }

  /** A comma-separated list of TCP flag names, as a bit set. */
  static int tcpFlags(String v, RuleLine l, Token t) throws ParseException {
    int bits = 0;
    for (String f : v.split(",", -1)) {
      int b = Netfilter.tcpFlag(f);
      if (b < 0) {
        throw l.fail(t, "unknown TCP flag '" + f + "'");
      }
      bits |= b;
    }
    return bits;
  }

  /** A decimal or 0x-hexadecimal number from 0 to {@code max}; leading zeros are allowed. */
  static long number(String v, long max, RuleLine l, Token t) throws ParseException {
    if (!v.matches("0[xX][0-9a-fA-F]+|[0-9]+")) {
      throw l.fail(t, "bad number '" + v + "'");
    }
    boolean hex = v.length() > 1 && (v.charAt(1) == 'x' || v.charAt(1) == 'X');
    String digits = (hex ? v.substring(2) : v).replaceFirst("^0+(?=.)", "");
    // more digits than any long has: out of range too
    long n = digits.length() > (hex ? 15 : 18) ? Long.MAX_VALUE
        : Long.parseLong(digits, hex ? 16 : 10);
    if (n > max) {
      throw l.fail(t, "number '" + v + "' is out of range (at most " + max
          + (max > 9 ? " = 0x" + Long.toHexString(max) : "") + ")");
    }
    return n;
  }

  /** {@code value[/mask]}; the mask is {@code max} when absent. */
  static long[] valueMask(String v, long max, RuleLine l, Token t) throws ParseException {
    int slash = v.indexOf('/');
    if (slash < 0) {
      return new long[] {number(v, max, l, t), max};
    }
    return new long[] {number(v.substring(0, slash), max, l, t),
        number(v.substring(slash + 1), max, l, t)};
  }

  /** A rate, {@code N[/second|minute|hour|day]} (any prefix of the unit), with a burst. */
  static Match.Limit rate(String v, int burst, RuleLine l, Token t) throws ParseException {
    int slash = v.indexOf('/');
    long secs = 1;
    String count = v;
    if (slash >= 0) {
      count = v.substring(0, slash);
      String unit = v.substring(slash + 1).toLowerCase(Locale.ROOT);
      if (unit.isEmpty()) {
        throw l.fail(t, "bad rate unit");
      } else if ("second".startsWith(unit)) {
        secs = 1;
      } else if ("minute".startsWith(unit)) {
        secs = 60;
      } else if ("hour".startsWith(unit)) {
        secs = 3600;
      } else if ("day".startsWith(unit)) {
        secs = 86400;
      } else {
        throw l.fail(t, "bad rate unit '" + unit + "'");
      }
    }
    long n = number(count, 1_000_000, l, t);
    if (n == 0 || Match.Limit.SCALE * secs / n == 0) {
      throw l.fail(t, "rate '" + v + "' out of range");
    }
    return Match.Limit.of(n, secs, burst);
  }

  /** The addresses and ports a NAT target maps to; either may be null, not both. */
  record NatRange(IpRange addrs, PortRange ports) {}

  /** {@code addr[-addr][:port[-port]]} or {@code [v6[-v6]]:port}. */
  static NatRange natRange(String v, RuleLine l, Token t) throws ParseException {
    String addr = v;
    String ports = null;
    if (v.startsWith("[")) {
      int close = v.indexOf(']');
      if (close < 0) {
        throw l.fail(t, "missing ']'");
      }
      addr = v.substring(1, close);
      if (close + 1 < v.length()) {
        if (v.charAt(close + 1) != ':') {
          throw l.fail(t, "bad NAT range '" + v + "'");
        }
        ports = v.substring(close + 2);
      }
    } else if (l.family() == Family.IPV4 && v.indexOf(':') >= 0) {
      addr = v.substring(0, v.indexOf(':'));
      ports = v.substring(v.indexOf(':') + 1);
    }
    IpRange r = null;
    if (!addr.isEmpty()) {
      try {
        r = IpRange.parse(addr);
      } catch (IllegalArgumentException e) {
        throw l.fail(t, e.getMessage());
      }
      if (r.family() != l.family() || addr.indexOf('/') >= 0) {
        throw l.fail(t, "bad NAT address '" + addr + "'");
      }
    }
    PortRange p = ports == null ? null : portRange(ports.replace('-', ':'), l, t);
    if (r == null && p == null) {
      throw l.fail(t, "empty NAT range");
    }
    return new NatRange(r, p);
  }
}
