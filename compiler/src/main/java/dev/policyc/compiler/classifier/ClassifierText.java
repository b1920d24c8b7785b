package dev.policyc.compiler.classifier;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.dsl.Family;
import java.util.Locale;

/**
 * The interpreter's decision in the words of the generated classifier's {@code
 * Decision.toString()}, so that the two engines compare as text: outcome, answer, output
 * interface, final state, marks, TOS, TTL and length, the NAT rewrites (and then the addresses
 * and ports as the packet leaves), the MSS a TCPMSS target set, LOG prefixes, and every step
 * with its origin and comment, and what IPVS did.
 */
public final class ClassifierText {
  private ClassifierText() {}

  /** The interpreter's decision for a packet of {@code policy}, as the classifier writes it. */
  public static String of(IrPolicy policy, Decision d) {
    StringBuilder sb = new StringBuilder(d.outcome().name());
    if (d.outcome() == Decision.Outcome.REJECTED && d.rejectWith() != null) {
      sb.append(" with ").append(d.rejectWith());
    }
    if (d.outIface() != null) {
      sb.append(" out ").append(d.outIface());
    }
    Packet a = d.after();
    sb.append("\n  state ").append(d.state().name().toLowerCase(Locale.ROOT)).append(" mark 0x")
        .append(Long.toHexString(a.mark())).append(" ctmark 0x")
        .append(Long.toHexString(a.ctmark())).append(" tos 0x")
        .append(Integer.toHexString(a.tos())).append(" ttl ").append(a.ttl()).append(" len ")
        .append(a.length());
    if (d.dnat() != null) {
      sb.append("\n  dnat ").append(d.dnat().kind().name()).append(" to ")
          .append(endpoint(d.dnat(), a));
    }
    if (d.snat() != null) {
      sb.append("\n  snat ").append(d.snat().kind().name()).append(" to ")
          .append(endpoint(d.snat(), a));
    }
    if (d.dnat() != null || d.snat() != null) {
      boolean ports = a.hasPorts();
      sb.append("\n  after ").append(endpoint(a.src(), ports ? PortRange.of(a.sport()) : null))
          .append(" -> ").append(endpoint(a.dst(), ports ? PortRange.of(a.dport()) : null));
    }
    if (d.mss() != null) {
      sb.append("\n  mss ").append(d.mss());
    }
    for (String l : d.logs()) {
      sb.append("\n  log \"").append(l).append('"');
    }
    if (d.ipvs() != null) {
      sb.append("\n  ipvs ").append(d.ipvs().text());
    }
    for (Decision.Step s : d.path()) {
      sb.append("\n  ").append(s.hook().name()).append(' ')
          .append(s.table().name().toLowerCase(Locale.ROOT)).append('/').append(s.chain());
      if (s.isPolicy()) {
        sb.append(" policy ").append(s.policy().name());
        continue;
      }
      sb.append(" #").append(s.rule());
      if (s.origin().pos().known()) {
        sb.append(" (").append(s.origin().pos()).append(')');
      }
      Rule r = rule(policy, a, s);
      if (r.comment() != null) {
        sb.append(" \"").append(r.comment()).append('"');
      }
    }
    return sb.toString();
  }

  /** A rewrite's address and ports: {@code 10.0.0.5:80}, {@code [2001:db8::5]:1024-2047}. */
  private static String endpoint(Decision.Nat n, Packet p) {
    if (n.addr() == null) {
      String a = "(an address of the interface)";
      return n.ports() == null ? a : a + ":" + ports(n.ports());
    }
    return endpoint(n.addr(), n.ports());
  }

  private static String endpoint(IpAddr a, PortRange ports) {
    if (ports == null) {
      return a.toString();
    }
    return (a.family() == Family.IPV6 ? "[" + a + "]" : a.toString()) + ":" + ports(ports);
  }

  private static String ports(PortRange r) {
    return r.isSingle() ? Integer.toString(r.lo()) : r.lo() + "-" + r.hi();
  }

  private static Rule rule(IrPolicy policy, Packet p, Decision.Step s) {
    Chain c = policy.ruleset(p.family()).table(s.table()).flatMap(t -> t.chain(s.chain()))
        .orElseThrow(() -> new IllegalStateException("no chain " + s.chain()));
    return c.rules().get(s.rule() - 1);
  }
}
