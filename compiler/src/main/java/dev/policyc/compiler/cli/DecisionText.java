package dev.policyc.compiler.cli;

import dev.policyc.compiler.EmittedRules;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.FlowLine;
import dev.policyc.compiler.interp.FlowSession;
import dev.policyc.compiler.interp.Decision.Nat;
import dev.policyc.compiler.interp.Decision.Step;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link Decision} for people and tools: the {@code policyc explain} text, one line
 * per packet, or JSON; and the words for the targets, policies and NAT rewrites on its path.
 */
public final class DecisionText {
  private DecisionText() {}

  static String text(Packet p, Decision d) {
    StringBuilder sb = new StringBuilder();
    sb.append("packet: ").append(p).append('\n');
    Hook last = null;
    for (Step s : d.path()) {
      String hook = s.hook() == last ? "" : s.hook().name();
      last = s.hook();
      String rule = s.table().iptablesName() + "/" + s.chain()
          + (s.isPolicy() ? " policy" : " #" + s.rule());
      sb.append(String.format("  %-12s %-26s %s", hook, rule, action(s)));
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
      sb.append("  ").append(nat(d.dnat())).append('\n');
    }
    if (d.snat() != null) {
      sb.append("  ").append(nat(d.snat())).append('\n');
    }
    if (d.ipvs() != null) {
      sb.append("  ipvs: ").append(d.ipvs().text()).append('\n');
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

  /** A flow's packet as {@link #text(Packet, Decision)} shows a packet, with its conntrack. */
  static String text(int n, FlowSession.Result r) {
    String one = text(r.packet(), r.decision());
    String header = "packet " + n + " at " + time(r.at()) + ": " + r.packet();
    return header + one.substring(one.indexOf('\n')) + "  conntrack entry: " + conntrack(r)
        + "\n";
  }

  /** A flow's packet on one line, with its conntrack. */
  static String oneLine(FlowSession.Result r) {
    return "at " + time(r.at()) + " " + oneLine(r.packet(), r.decision()) + " {"
        + conntrack(r) + "}";
  }

  /** A flow's packet as one JSON object: as {@link #json(IrPolicy, Packet, Decision)}. */
  static Map<String, Object> json(IrPolicy rules, int n, FlowSession.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", n);
    m.put("at", time(r.at()));
    m.putAll(json(rules, r.packet(), r.decision()));
    Map<String, Object> ct = new LinkedHashMap<>();
    ct.put("event", r.event().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    FlowSession.Connection c = r.connection();
    if (c != null) {
      ct.put("connection", c.id());
      ct.put("original", c.original());
      ct.put("reply", c.reply());
      ct.put("mark", String.format("0x%x", c.mark()));
      ct.put("replied", c.replied());
      ct.put("closed", c.closed());
      ct.put("deleted", c.deleted());
    }
    m.put("conntrack", ct);
    return m;
  }

  private static String time(long micros) {
    return FlowLine.seconds(micros);
  }

  /** What conntrack did with a flow's packet, in words. */
  static String conntrack(FlowSession.Result r) {
    FlowSession.Connection c = r.connection();
    return switch (r.event()) {
      case NONE -> "none (the family's rules do not use conntrack, or the packet did not reach"
          + " it)";
      case CREATED -> "new connection #" + c.id() + ": " + c.original() + ", replies "
          + c.reply() + mark(c);
      case NOT_CREATED -> "no connection kept: its first packet ended before conntrack confirmed"
          + " it (at the end of POSTROUTING or INPUT)";
      case ORIGINAL -> "connection #" + c.id() + ", original direction" + mark(c) + deleted(c);
      case REPLY -> "connection #" + c.id() + ", reply direction" + mark(c) + deleted(c);
      case RELATED -> "related to connection #" + c.id() + " (an ICMP error about it)" + mark(c);
      case INVALID -> "invalid: no connection";
      case UNTRACKED -> "untracked";
    };
  }

  private static String deleted(FlowSession.Connection c) {
    return c.deleted() ? "; deleted: a reset before any answer" : "";
  }

  private static String mark(FlowSession.Connection c) {
    return c.mark() == 0 ? "" : String.format(", mark 0x%x", c.mark());
  }

  public static String verdict(Decision d) {
    return verdict(d.outcome(), d.outIface(), d.rejectWith());
  }

  /** The verdict of an outcome, with the interface a packet left by and the reject's answer. */
  static String verdict(Decision.Outcome outcome, String outIface, String rejectWith) {
    return switch (outcome) {
      case DELIVERED -> "ACCEPT: delivered locally";
      case FORWARDED -> "ACCEPT: forwarded out " + outIface;
      case SENT -> "ACCEPT: sent out " + outIface;
      case DROPPED -> "DROP";
      case REJECTED -> "REJECT with " + rejectWith;
      case NO_ROUTE -> "DROP: no route to host";
      case NOT_FORWARDED -> "DROP: not for this host, and it does not forward";
      case TTL_EXCEEDED -> "DROP: TTL exceeded";
      case MARTIAN -> "DROP: martian address (dropped by routing)";
      case HELD -> "DROP: fragment held for reassembly";
    };
  }

  /** A step of a one-line path: {@code filter/INPUT#3}, or {@code filter/INPUT:policy} (0). */
  static String step(String table, String chain, int rule) {
    return table + "/" + chain + (rule == 0 ? ":policy" : "#" + rule);
  }

  static String oneLine(Packet p, Decision d) {
    StringBuilder sb = new StringBuilder();
    sb.append(p).append(" => ").append(verdict(d));
    if (d.dnat() != null) {
      sb.append("; ").append(nat(d.dnat()));
    }
    if (d.snat() != null) {
      sb.append("; ").append(nat(d.snat()));
    }
    if (d.ipvs() != null) {
      sb.append("; ipvs: ").append(d.ipvs().text());
    }
    List<String> steps = new ArrayList<>();
    for (Step s : d.path()) {
      steps.add(step(s.table().iptablesName(), s.chain(), s.isPolicy() ? 0 : s.rule()));
    }
    sb.append(" [").append(String.join(" ", steps)).append(']');
    return sb.toString();
  }

  /**
   * The label of the first rule that matched the packet: the rule's comment (each rule of a
   * {@code policyc import}ed ClassBench set has its filter's number), or {@code TABLE/CHAIN#N}
   * for a rule without one; {@code -} when no rule matched. A decision tree's dispatch rules
   * ({@link dev.policyc.compiler.ir.Origin#isDispatch()}) are skipped.
   */
  static String firstRuleLabel(IrPolicy ir, Packet p, Decision d) {
    for (Step s : d.path()) {
      // a decision tree's dispatch rules only route the packet to the policy rules after them
      if (!s.isPolicy() && !s.origin().isDispatch()) {
        Rule r = ir.ruleset(p.family()).table(s.table())
            .flatMap(t -> t.chain(s.chain()))
            .orElseThrow(() -> new AssertionError("a step in no chain: " + s))
            .rules().get(s.rule() - 1);
        for (Rule part : r.origin().parts()) {
          if (part.origin() == s.origin()) {
            r = part; // the rule of the unoptimized chain the packet matched first
            break;
          }
        }
        return r.comment() != null ? r.comment()
            : s.table().iptablesName() + "/" + s.chain() + "#" + s.rule();
      }
    }
    return "-";
  }

  /**
   * A decision as JSON: the family's command (iptables or ip6tables), the outcome, and a path
   * whose steps are either a rule ({@code "kind": "rule"}, its number in the chain, its action,
   * the line the emitted file holds for it and the policy position it came from) or a built-in
   * chain's policy ({@code "kind": "policy"} and the policy's verdict).
   */
  static Map<String, Object> json(IrPolicy rules, Packet p, Decision d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("packet", p.toString());
    m.put("family", EmittedRules.command(p.family()));
    m.put("outcome", d.outcome().name().toLowerCase(Locale.ROOT));
    m.put("verdict", verdict(d));
    if (d.rejectWith() != null) {
      m.put("rejectWith", d.rejectWith());
    }
    if (d.outIface() != null) {
      m.put("outInterface", d.outIface());
    }
    m.put("path", path(rules, p, d));
    if (d.dnat() != null) {
      m.put("dnat", nat(d.dnat()));
    }
    if (d.snat() != null) {
      m.put("snat", nat(d.snat()));
    }
    if (d.ipvs() != null) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("service", d.ipvs().service().ipvsadmName());
      v.put("scheduler", d.ipvs().service().scheduler().word());
      if (d.ipvs().real() != null) {
        v.put("realServer", d.ipvs().real().endpoint());
        v.put("method", d.ipvs().real().method().word());
      }
      v.put("persistent", d.ipvs().persistent());
      v.put("via", d.ipvs().via().name().toLowerCase(Locale.ROOT));
      m.put("ipvs", v);
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

  /** The steps of a decision's path as JSON objects (see {@link #json}). */
  static List<Object> path(IrPolicy rules, Packet p, Decision d) {
    List<Object> path = new ArrayList<>();
    for (Step s : d.path()) {
      Map<String, Object> sm = new LinkedHashMap<>();
      sm.put("hook", s.hook().name());
      sm.put("table", s.table().iptablesName());
      sm.put("chain", s.chain());
      if (s.isPolicy()) {
        sm.put("kind", "policy");
        sm.put("policy", s.policy().name());
      } else {
        sm.put("kind", "rule");
        sm.put("rule", s.rule());
        sm.put("action", action(s));
        sm.put("emitted",
            EmittedRules.line(rules, p.family(), s.table(), s.chain(), s.rule()));
        if (s.origin().pos().known()) {
          sm.put("source", s.origin().pos().toString());
        }
      }
      path.add(sm);
    }
    return path;
  }

  /** What a step did: the target's words for a rule, {@code policy DROP} for a policy. */
  public static String action(Step s) {
    return s.isPolicy() ? "policy " + s.policy() : describe(s.target());
  }

  /** A NAT rewrite, such as {@code DNAT to 10.0.0.5:80}. */
  public static String nat(Nat n) {
    String kind = switch (n.kind()) {
      case DNAT -> "DNAT";
      case REDIRECT -> "REDIRECT";
      case SNAT -> "SNAT";
      case MASQUERADE -> "MASQUERADE";
      case CONNECTION_DNAT -> "DNAT (connection)";
      case CONNECTION_SNAT -> "SNAT (connection)";
      case CONNECTION_UNDNAT -> "un-DNAT (connection)";
      case CONNECTION_UNSNAT -> "un-SNAT (connection)";
    };
    String a = n.addr() == null ? "(an address of the interface)" : n.addr().toString();
    return kind + " to " + a + (n.ports() == null ? "" : ":" + portText(n.ports()));
  }

  /** How a target shows in a decision's path. */
  public static String describe(Target t) {
    if (t instanceof Target.None) {
      return "(count)";
    } else if (t instanceof Target.Accept) {
      return "ACCEPT";
    } else if (t instanceof Target.Drop) {
      return "DROP";
    } else if (t instanceof Target.Reject r) {
      return "REJECT " + r.with();
    } else if (t instanceof Target.Return) {
      return "RETURN";
    } else if (t instanceof Target.Jump j) {
      return "jump " + j.chain();
    } else if (t instanceof Target.Goto g) {
      return "goto " + g.chain();
    } else if (t instanceof Target.Log l) {
      return "LOG" + (l.prefix() == null ? "" : " \"" + l.prefix() + "\"");
    } else if (t instanceof Target.Dnat d) {
      return "DNAT " + natText(d.addrs(), d.ports());
    } else if (t instanceof Target.Snat s) {
      return "SNAT " + natText(s.addrs(), s.ports());
    } else if (t instanceof Target.Masquerade m) {
      return "MASQUERADE" + (m.ports() == null ? "" : " " + portText(m.ports()))
          + (m.randomFully() ? " random-fully" : "");
    } else if (t instanceof Target.Redirect r) {
      return "REDIRECT" + (r.ports() == null ? "" : " " + portText(r.ports()));
    } else if (t instanceof Target.Mark m) {
      return String.format("MARK 0x%x/0x%x", m.value(), m.mask());
    } else if (t instanceof Target.ConnMark c) {
      return "CONNMARK " + c.mode().name().toLowerCase(Locale.ROOT);
    } else if (t instanceof Target.Dscp d) {
      return String.format("DSCP 0x%02x", d.value());
    } else if (t instanceof Target.Tos tos) {
      return String.format("TOS 0x%02x/0x%02x", tos.value(), tos.mask());
    } else if (t instanceof Target.Ttl ttl) {
      return "TTL " + ttl.op().name().toLowerCase(Locale.ROOT) + " " + ttl.value();
    } else if (t instanceof Target.TcpMss m) {
      return "TCPMSS " + (m.mss() == 0 ? "clamp-to-pmtu" : Integer.toString(m.mss()));
    } else if (t instanceof Target.NoTrack) {
      return "NOTRACK";
    }
    throw new AssertionError("unknown target " + t);
  }

  private static String natText(IpRange addrs, PortRange ports) {
    String a = addrs == null ? "" : (addrs.first().equals(addrs.last())
        ? addrs.first().toString() : addrs.first() + "-" + addrs.last());
    return a + (ports == null ? "" : ":" + portText(ports));
  }

  private static String portText(PortRange p) {
    return p.isSingle() ? Integer.toString(p.lo()) : p.lo() + "-" + p.hi();
  }
}
