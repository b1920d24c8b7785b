package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.ConnState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A cube of packets in words for a message, close to {@code policyc explain}'s packet syntax:
 * {@code tcp 10.1.0.0/16 -> *:22 state new}. Only the constrained fields appear; long value
 * lists are cut after a few values.
 */
final class CubeText {
  /** The most values of one field a description lists. */
  private static final int MAX_VALUES = 3;

  private CubeText() {}

  static String describe(Cube c) {
    Map<Field, ValueSet> f = c.constrained();
    StringBuilder sb = new StringBuilder();
    sb.append(f.containsKey(Field.PROTO) ? numbers(f.get(Field.PROTO), true) : "any");
    sb.append(' ').append(end(c, Field.SRC, Field.SPORT)).append(" -> ")
        .append(end(c, Field.DST, Field.DPORT));
    for (Map.Entry<Field, ValueSet> e : f.entrySet()) {
      Field k = e.getKey();
      if (k == Field.PROTO || k == Field.SRC || k == Field.DST || k == Field.SPORT
          || k == Field.DPORT || k == Field.FRAGMENT && !e.getValue().equals(one())) {
        continue; // first fragments only: implied by the port and ICMP matches
      }
      sb.append(' ').append(word(k)).append(' ').append(value(k, e.getValue()));
    }
    return sb.toString();
  }

  private static IntervalSet one() {
    return IntervalSet.point(1, 1);
  }

  /** {@code ADDRESSES[:PORTS]}, {@code *} for any address. */
  private static String end(Cube c, Field addr, Field port) {
    Map<Field, ValueSet> f = c.constrained();
    String a = "*";
    if (f.containsKey(addr)) {
      List<String> parts = new ArrayList<>();
      for (IpRange r : ((IntervalSet) f.get(addr)).ipRanges(c.family())) {
        parts.add(r.toString());
      }
      a = cut(parts);
    }
    return f.containsKey(port) ? a + ":" + numbers(f.get(port), false) : a;
  }

  private static String word(Field k) {
    return switch (k) {
      case CT_STATE -> "state";
      case IN -> "in";
      case OUT -> "out";
      case ICMP -> "type";
      case TCP_FLAGS -> "flags";
      case CT_MARK -> "ctmark";
      case FRAGMENT -> "frag";
      default -> k.name().toLowerCase(Locale.ROOT);
    };
  }

  private static String value(Field k, ValueSet v) {
    if (k == Field.CT_STATE) {
      List<String> states = new ArrayList<>();
      for (long[] r : ((IntervalSet) v).ranges()) {
        for (long s = r[0]; s <= r[1]; s++) {
          states.add(ConnState.values()[(int) s].name().toLowerCase(Locale.ROOT));
        }
      }
      return String.join(",", states);
    } else if (k == Field.ICMP) {
      List<String> parts = new ArrayList<>();
      for (long[] r : ((IntervalSet) v).ranges()) {
        parts.add((r[0] >> 8) + "/" + (r[0] & 0xff)
            + (r[0] == r[1] ? "" : "-" + (r[1] >> 8) + "/" + (r[1] & 0xff)));
      }
      return cut(parts);
    } else if (v instanceof IntervalSet s && s.width() <= 64) {
      return numbers(s, false);
    }
    String text = v.toString();
    return text.startsWith("{") && text.endsWith("}") ? text.substring(1, text.length() - 1)
        : text;
  }

  /** Values or ranges of an ordered field, protocols by name. */
  private static String numbers(ValueSet v, boolean protocols) {
    List<String> parts = new ArrayList<>();
    for (long[] r : ((IntervalSet) v).ranges()) {
      if (protocols && r[0] == r[1]) {
        parts.add(Protocols.name((int) r[0]));
      } else {
        parts.add(r[0] == r[1] ? Long.toString(r[0]) : r[0] + "-" + r[1]);
      }
    }
    return cut(parts);
  }

  private static String cut(List<String> parts) {
    if (parts.size() <= MAX_VALUES) {
      return String.join(",", parts);
    }
    return String.join(",", parts.subList(0, MAX_VALUES)) + ",…";
  }
}
