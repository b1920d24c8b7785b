package dev.policyc.compiler.cli;

import dev.policyc.compiler.ir.Decision;
import dev.policyc.compiler.ir.Decision.Step;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.Packet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders a {@link Decision} for {@code policyc explain}: text, one line, or JSON. */
final class Explain {
  private Explain() {}

  static String text(Packet p, Decision d) {
    StringBuilder sb = new StringBuilder();
    sb.append("packet: ").append(p).append('\n');
    Hook last = null;
    for (Step s : d.path()) {
      String hook = s.hook() == last ? "" : s.hook().name();
      last = s.hook();
      String rule = s.table().iptablesName() + "/" + s.chain()
          + (s.isPolicy() ? " policy" : " #" + s.rule());
      sb.append(String.format("  %-12s %-26s %s", hook, rule, s.action()));
      if (!s.isPolicy() && s.origin().pos().known()) {
        sb.append("   (").append(s.origin().pos()).append(')');
      }
      sb.append('\n');
    }
    if (d.path().isEmpty()) {
      sb.append("  (no rule matched and every policy accepted)\n");
    }
    sb.append("verdict: ").append(verdict(d)).append('\n');
    if (d.dnat() != null) {
      sb.append("  ").append(d.dnat()).append('\n');
    }
    if (d.snat() != null) {
      sb.append("  ").append(d.snat()).append('\n');
    }
    Packet a = d.after();
    if (a.mark() != p.mark()) {
      sb.append(String.format("  mark: 0x%x%n", a.mark()));
    }
    if (a.ctmark() != p.ctmark()) {
      sb.append(String.format("  connmark: 0x%x%n", a.ctmark()));
    }
    if (a.tos() != p.tos()) {
      sb.append(String.format("  tos: 0x%02x (dscp %d)%n", a.tos(), a.tos() >> 2));
    }
    if (d.state() != p.state()) {
      sb.append("  conntrack: ").append(d.state().yamlName()).append('\n');
    }
    for (String log : d.logs()) {
      sb.append("  logged: \"").append(log).append("\"\n");
    }
    if (d.mss() != null) {
      sb.append("  tcp mss: ").append(d.mss() == 0 ? "clamped to path MTU" : d.mss())
          .append('\n');
    }
    return sb.toString();
  }

  static String verdict(Decision d) {
    return switch (d.outcome()) {
      case DELIVERED -> "ACCEPT: delivered locally";
      case FORWARDED -> "ACCEPT: forwarded out " + d.outIface();
      case SENT -> "ACCEPT: sent out " + d.outIface();
      case DROPPED -> "DROP";
      case REJECTED -> "REJECT with " + d.rejectWith();
      case NO_ROUTE -> "DROP: no route to host";
      case NOT_FORWARDED -> "DROP: not for this host, and it does not forward";
      case TTL_EXCEEDED -> "DROP: TTL exceeded";
      case MARTIAN -> "DROP: martian address (dropped by routing)";
      case HELD -> "DROP: fragment held for reassembly";
    };
  }

  static String oneLine(Packet p, Decision d) {
    StringBuilder sb = new StringBuilder();
    sb.append(p).append(" => ").append(verdict(d));
    if (d.dnat() != null) {
      sb.append("; ").append(d.dnat());
    }
    if (d.snat() != null) {
      sb.append("; ").append(d.snat());
    }
    List<String> steps = new ArrayList<>();
    for (Step s : d.path()) {
      steps.add(s.table().iptablesName() + "/" + s.chain()
          + (s.isPolicy() ? ":policy" : "#" + s.rule()));
    }
    sb.append(" [").append(String.join(" ", steps)).append(']');
    return sb.toString();
  }

  static Map<String, Object> json(Packet p, Decision d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("packet", p.toString());
    m.put("outcome", d.outcome().name().toLowerCase(java.util.Locale.ROOT));
    m.put("verdict", verdict(d));
    if (d.rejectWith() != null) {
      m.put("rejectWith", d.rejectWith());
    }
    if (d.outIface() != null) {
      m.put("outInterface", d.outIface());
    }
    List<Object> path = new ArrayList<>();
    for (Step s : d.path()) {
      Map<String, Object> sm = new LinkedHashMap<>();
      sm.put("hook", s.hook().name());
      sm.put("table", s.table().iptablesName());
      sm.put("chain", s.chain());
      sm.put("rule", s.rule());
      sm.put("action", s.action());
      if (s.origin().pos().known()) {
        sm.put("source", s.origin().pos().toString());
      }
      path.add(sm);
    }
    m.put("path", path);
    if (d.dnat() != null) {
      m.put("dnat", d.dnat().toString());
    }
    if (d.snat() != null) {
      m.put("snat", d.snat().toString());
    }
    Packet a = d.after();
    Map<String, Object> after = new LinkedHashMap<>();
    after.put("src", a.src().toString());
    after.put("dst", a.dst().toString());
    if (a.hasPorts()) {
      after.put("sport", a.sport());
      after.put("dport", a.dport());
    }
    after.put("mark", String.format("0x%x", a.mark()));
    after.put("connmark", String.format("0x%x", a.ctmark()));
    after.put("tos", String.format("0x%02x", a.tos()));
    after.put("ttl", a.ttl());
    m.put("after", after);
    m.put("state", d.state().yamlName());
    m.put("logs", d.logs());
    if (d.mss() != null) {
      m.put("tcpmss", d.mss() == 0 ? "clamp-to-pmtu" : d.mss().toString());
    }
    return m;
  }
}
