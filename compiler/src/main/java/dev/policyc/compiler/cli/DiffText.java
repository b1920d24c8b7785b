package dev.policyc.compiler.cli;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.compiler.verify.Difference;
import dev.policyc.compiler.verify.Result;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The words of {@code policyc diff} and {@code policyc verify} for the classes of packets two
 * policies decide differently: {@code tcp 10.0.0.0/8 -> 192.0.2.10:22 in eth0: ACCEPT → DROP}.
 */
final class DiffText {
  /** Address ranges shown of one field before the rest is counted. */
  private static final int MAX_RANGES = 4;

  private DiffText() {}

  /** One line: where (family, table, hook), the packets, and the change. */
  static String line(Difference d) {
    return where(d) + ": " + packets(d) + ": " + d.before() + " → " + d.after();
  }

  /** Where the difference is: {@code ipv4 filter INPUT}, or what differs outside the rules. */
  static String where(Difference d) {
    return switch (d.kind()) {
      case TABLE -> d.family().yamlName() + " " + d.table().iptablesName() + " " + d.hook();
      case HOST -> "host model";
      case CONNTRACK -> d.family().yamlName() + " conntrack";
    };
  }

  /** The packets of a difference in the syntax of a rule's matches. */
  static String packets(Difference d) {
    if (d.cube() == null) {
      return d.kind() == Difference.Kind.CONNTRACK ? "fragments" : "every packet";
    }
    Cube c = d.cube();
    Family f = c.family();
    StringBuilder sb = new StringBuilder();
    ValueSet proto = c.get(Field.PROTO);
    sb.append(proto.isFull() ? "any" : protocols((IntervalSet) proto)).append(' ');
    sb.append(addrs(c.get(Field.SRC), f)).append(ports(c.get(Field.SPORT)));
    sb.append(" -> ");
    sb.append(addrs(c.get(Field.DST), f)).append(ports(c.get(Field.DPORT)));
    for (Map.Entry<Field, ValueSet> e : c.constrained().entrySet()) {
      Field fd = e.getKey();
      switch (fd) {
        case SRC, DST, PROTO, SPORT, DPORT -> { }
        case IN -> sb.append(" in ").append(e.getValue());
        case OUT -> sb.append(" out ").append(e.getValue());
        case CT_STATE -> sb.append(" state ").append(states((IntervalSet) e.getValue()));
        case FRAGMENT -> sb.append(((IntervalSet) e.getValue()).contains(1) ? " fragment"
            : " not-fragment");
        default -> sb.append(' ').append(fd.name().toLowerCase(Locale.ROOT).replace('_', '-'))
            .append(' ').append(e.getValue());
      }
    }
    d.conditions().forEach((k, v) -> sb.append(v ? " if " : " unless ").append(k));
    return sb.toString();
  }

  private static String protocols(IntervalSet s) {
    List<String> out = new ArrayList<>();
    for (long[] r : s.ranges()) {
      for (long p = r[0]; p <= r[1] && out.size() <= MAX_RANGES; p++) {
        out.add(Protocols.name((int) p));
      }
    }
    return out.size() == 1 ? out.get(0) : "proto " + String.join(",", out)
        + (out.size() > MAX_RANGES ? ",…" : "");
  }

  private static String addrs(ValueSet v, Family f) {
    if (v.isFull()) {
      return "*";
    }
    List<String> out = new ArrayList<>();
    int total = 0;
    for (IpRange r : ((IntervalSet) v).ipRanges(f)) {
      List<IpRange> ps = r.toPrefixes();
      List<IpRange> shown = ps.size() <= 2 ? ps : List.of(r);
      for (IpRange p : shown) {
        total++;
        if (out.size() < MAX_RANGES) {
          out.add(p.toString());
        }
      }
    }
    String s = String.join(",", out) + (total > out.size() ? ",… (" + total + " ranges)" : "");
    return out.size() == 1 && total == 1 ? s : "{" + s + "}";
  }

  private static String ports(ValueSet v) {
    if (v.isFull()) {
      return "";
    }
    List<String> out = new ArrayList<>();
    for (long[] r : ((IntervalSet) v).ranges()) {
      out.add(r[0] == r[1] ? Long.toString(r[0]) : r[0] + "-" + r[1]);
    }
    return ":" + (out.size() == 1 ? out.get(0) : "{" + String.join(",", out) + "}");
  }

  private static String states(IntervalSet s) {
    List<String> out = new ArrayList<>();
    for (ConnState st : ConnState.values()) {
      if (s.contains(st.ordinal())) {
        out.add(st.yamlName());
      }
    }
    return String.join(",", out);
  }

  /** The example packet of a difference and how each policy decides it, or null. */
  static String example(Difference d) {
    if (!d.confirmed()) {
      return null;
    }
    return "e.g. " + d.witness() + ": " + DecisionText.verdict(d.decisionBefore()) + " → "
        + DecisionText.verdict(d.decisionAfter());
  }

  /** A difference as JSON. */
  static Map<String, Object> json(Difference d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("where", where(d));
    m.put("packets", packets(d));
    m.put("before", d.before());
    m.put("after", d.after());
    if (d.confirmed()) {
      Map<String, Object> ex = new LinkedHashMap<>();
      ex.put("packet", d.witness().toString());
      ex.put("before", decision(d.decisionBefore()));
      ex.put("after", decision(d.decisionAfter()));
      m.put("example", ex);
    }
    return m;
  }

  private static String decision(Decision d) {
    return DecisionText.verdict(d);
  }

  /** The result as text: one line a difference, the example packet indented under it. */
  static String text(Result r) {
    StringBuilder sb = new StringBuilder();
    for (Difference d : r.differences()) {
      sb.append(line(d)).append('\n');
      String ex = example(d);
      if (ex != null) {
        sb.append("    ").append(ex).append('\n');
      }
    }
    return sb.toString();
  }

  /** The result as a Markdown table, for a pull-request comment. */
  static String markdown(Result r, String oldName, String newName) {
    StringBuilder sb = new StringBuilder();
    sb.append("### policyc diff: `").append(md(oldName)).append("` → `").append(md(newName))
        .append("`\n\n");
    if (r.equal()) {
      return sb.append("No packet is decided differently.\n").toString();
    }
    if (r.status() == Result.Status.UNKNOWN) {
      sb.append("**Undecided:** ").append(md(r.reason())).append("\n\n");
    }
    sb.append("| where | packets | before | after | example |\n|---|---|---|---|---|\n");
    for (Difference d : r.differences()) {
      String ex = d.confirmed() ? "`" + md(d.witness().toString()) + "`" : "";
      sb.append("| ").append(md(where(d))).append(" | `").append(md(packets(d))).append("` | ")
          .append(md(d.before())).append(" | ").append(md(d.after())).append(" | ").append(ex)
          .append(" |\n");
    }
    return sb.toString();
  }

  /** Text safe inside a Markdown table cell and code span. */
  private static String md(String s) {
    return s.replace("|", "\\|").replace("`", "'").replace("\n", " ");
  }
}
