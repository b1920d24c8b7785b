package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import java.util.Locale;

/** Parsers for the scalar values of a policy; each returns null or throws with a reason. */
final class Values {
  private Values() {}

  /**
   * A port {@code 22} or range {@code 1024:65535} / {@code 1024-65535}. Port 0 alone is refused:
   * no service is on it, and {@code dport: "0"} is a slip for something else; a range may start
   * at 0.
   */
  static PortRange portRange(String text) {
    String t = text.trim();
    int sep = t.indexOf(':') >= 0 ? t.indexOf(':') : t.indexOf('-');
    if (sep < 0) {
      int p = port(t);
      if (p == 0) {
        throw new IllegalArgumentException("port 0 is reserved and no service is on it (a"
            + " range may start at 0: \"0-1023\")");
      }
      return new PortRange(p, p);
    }
    if (sep == 0 && t.length() > 1 && t.substring(1).chars().allMatch(Character::isDigit)
        && t.charAt(0) == '-') {
      throw new IllegalArgumentException("port '" + t + "' is negative; ports are 0 to 65535");
    }
    if (sep == 0 || sep == t.length() - 1) {
      String end = sep == 0 ? "lower" : "upper";
      String whole = sep == 0 ? "0" + t.charAt(0) + t.substring(1)
          : t.substring(0, sep + 1) + "65535";
      throw new IllegalArgumentException("port range '" + t + "' has no " + end + " end"
          + (t.length() > 1 ? " (write \"" + whole + "\")" : ""));
    }
    int lo = port(t.substring(0, sep));
    int hi = port(t.substring(sep + 1));
    if (lo > hi) {
      throw new IllegalArgumentException("port range '" + text + "' is reversed");
    }
    return new PortRange(lo, hi);
  }

  static int port(String t) {
    if (t.isEmpty() || t.length() > 5 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("'" + t + "' is not a port number");
    }
    if (t.length() > 1 && t.charAt(0) == '0') {
      throw new IllegalArgumentException(
          "port '" + t + "' has a leading zero (YAML 1.1 tools read it as octal)");
    }
    int p = Integer.parseInt(t);
    if (p > 65535) {
      throw new IllegalArgumentException("port " + p + " is above 65535");
    }
    return p;
  }

  /** An unsigned number, decimal or {@code 0x} hex, at most {@code max}. */
  static long number(String text, long max) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    boolean hex = t.startsWith("0x") && t.length() > 2;
    String digits = hex ? t.substring(2) : t;
    if (digits.isEmpty() || !digits.matches(hex ? "[0-9a-f]+" : "[0-9]+")) {
      throw new IllegalArgumentException("'" + text + "' is not a number");
    }
    String significant = digits.replaceFirst("^0+(?=.)", "");
    // a number too long for a long is out of range, not "not a number" (0x1ffffffff as a mark)
    long v = significant.length() > (hex ? 15 : 18) ? -1
        : Long.parseLong(significant, hex ? 16 : 10);
    if (v < 0 || v > max) {
      throw new IllegalArgumentException("'" + text + "' is out of range (at most "
          + (max > 0xffff ? "0x" + Long.toHexString(max) : max) + ")");
    }
    return v;
  }

  /** {@code value[/mask]} of 32 bits; the mask defaults to all ones. */
  static long[] valueMask(String text, long max) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      return new long[] {number(text, max), max};
    }
    return new long[] {
        number(text.substring(0, slash), max), number(text.substring(slash + 1), max)};
  }

  /** A DSCP number 0–63 or class name. */
  static int dscp(String text) {
    Integer cls = Netfilter.DSCP_CLASSES.get(text.trim().toUpperCase(Locale.ROOT));
    if (cls != null) {
      return cls;
    }
    try {
      return (int) number(text, 63);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a DSCP value (0-63) or class (EF, AF11…AF43, CS0…CS7)");
    }
  }

  /** A length {@code n} or range {@code a:b}. */
  static int[] lengthRange(String text) {
    String t = text.trim();
    int sep = t.indexOf(':') >= 0 ? t.indexOf(':') : t.indexOf('-');
    if (sep < 0) {
      int v = (int) number(t, 65535);
      return new int[] {v, v};
    }
    int lo = (int) number(t.substring(0, sep), 65535);
    int hi = (int) number(t.substring(sep + 1), 65535);
    if (lo > hi) {
      throw new IllegalArgumentException("length range '" + text + "' is reversed");
    }
    return new int[] {lo, hi};
  }

  /**
   * A rate {@code N/unit}: unit {@code second}, {@code minute}, {@code hour}, {@code day} or a
   * prefix of one (as libxt_limit reads it); returns {count, seconds}.
   */
  static long[] rate(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0) {
      throw new IllegalArgumentException("rate '" + text + "' must look like 10/second");
    }
    long count = number(text.substring(0, slash), 1_000_000);
    if (count == 0) {
      throw new IllegalArgumentException("rate '" + text + "' is zero");
    }
    String unit = text.substring(slash + 1).trim().toLowerCase(Locale.ROOT);
    long secs;
    if (!unit.isEmpty() && "second".startsWith(unit)) {
      secs = 1;
    } else if (!unit.isEmpty() && "minute".startsWith(unit)) {
      secs = 60;
    } else if (!unit.isEmpty() && "hour".startsWith(unit)) {
      secs = 3600;
    } else if (!unit.isEmpty() && "day".startsWith(unit)) {
      secs = 86400;
    } else {
      throw new IllegalArgumentException(
          "unit '" + unit + "' must be second, minute, hour or day");
    }
    if (10000L * secs / count == 0) {
      throw new IllegalArgumentException("rate '" + text + "' is too fast (at most 10000/second)");
    }
    return new long[] {count, secs};
  }
}
