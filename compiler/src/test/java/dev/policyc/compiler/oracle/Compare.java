package dev.policyc.compiler.oracle;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Compares the interpreter's decision for a packet with what the kernel did with it. */
final class Compare {
  private Compare() {}

  /** The rule and policy counters a decision says the packet moves. */
  static Map<String, Long> expectedPath(Decision d) {
    Map<String, Long> m = new TreeMap<>();
    for (Decision.Step s : d.path()) {
      String key = s.table().iptablesName() + "/" + s.chain() + "/"
          + (s.isPolicy() ? "policy" : "#" + s.rule());
      m.merge(key, 1L, Long::sum);
    }
    return m;
  }

  /** Null when the kernel agrees with the decision, else what differs. */
  static String check(HostModel host, Packet p, Decision d, KernelProbe.Observation o,
      Map<String, List<Agent.Frame>> late) {
    List<String> diffs = new ArrayList<>();
    Map<String, Long> want = expectedPath(d);
    if (!want.equals(o.path())) {
      diffs.add("path: interpreter " + want + ", kernel " + o.path());
    }
    if (o.sentBytes() != p.length()) {
      diffs.add("the agent sent " + o.sentBytes() + " bytes, the packet says " + p.length());
    }
    boolean passes = d.outcome() == Outcome.FORWARDED || d.outcome() == Outcome.SENT;
    Map<String, List<Agent.Frame>> frames = new TreeMap<>(o.frames());
    if (passes && o.noFrames() && late != null) {
      frames = new TreeMap<>(late);
    }
    int total = frames.values().stream().mapToInt(List::size).sum();
    if (passes) {
      List<Agent.Frame> side = frames.getOrDefault(d.outIface(), List.of());
      if (side.size() != 1 || total != 1) {
        diffs.add("interpreter: " + d.outcome() + " out " + d.outIface() + "; kernel: "
            + counts(frames) + (o.delivered() ? ", delivered locally" : ""));
      } else {
        String f = frame(d, side.get(0));
        if (f != null) {
          diffs.add(f);
        }
      }
      if (o.delivered()) {
        diffs.add("interpreter: " + d.outcome() + "; kernel also delivered it locally");
      }
    } else {
      if (total > 0) {
        diffs.add("interpreter: " + d.outcome() + "; kernel sent " + counts(frames) + ": "
            + frames);
      }
      boolean delivered = d.outcome() == Outcome.DELIVERED;
      if (delivered != o.delivered()) {
        diffs.add("interpreter: " + d.outcome() + "; kernel "
            + (o.delivered() ? "delivered it locally" : "did not deliver it"));
      }
    }
    String answer = expectedAnswer(host, p, d);
    Set<String> seen = new java.util.TreeSet<>(o.answers().keySet());
    if (d.outcome() != Outcome.DELIVERED) {
      Set<String> want2 = answer == null ? Set.of() : Set.of(answer);
      boolean noRouteAnswer = d.outcome() == Outcome.NO_ROUTE;
      if (!noRouteAnswer && !seen.equals(want2)) {
        diffs.add("answers: interpreter expects " + want2 + ", the firewall sent " + seen);
      }
    }
    return diffs.isEmpty() ? null : String.join("\n    ", diffs);
  }

  private static String counts(Map<String, List<Agent.Frame>> frames) {
    StringBuilder sb = new StringBuilder();
    frames.forEach((iface, fs) -> sb.append(sb.length() == 0 ? "" : ", ").append(fs.size())
        .append(" frame(s) out ").append(iface));
    return sb.length() == 0 ? "no frames" : sb.toString();
  }

  /**
   * The answer the firewall's kernel must send for a rejected or expired packet, if any. The
   * kernel answers neither broadcast nor multicast packets, nor ICMP errors, nor a non-first
   * fragment, and it needs a route back to the source; IPv6 never answers a source that is the
   * first address of the on-link prefix it routes by (icmpv6_route_lookup).
   */
  static String expectedAnswer(HostModel host, Packet p, Decision d) {
    if (p.fragment()) {
      return null; // REJECT and ICMP never answer a non-first fragment
    }
    // the answer goes to the source the packet has when it is rejected or expires: after a
    // MASQUERADE or SNAT of a looped-back packet, that one
    IpAddr back = d.after().src();
    if (p.family() == Family.IPV4 && loopback(d.after().dst()) && !loopback(back)
        && (host == null || !host.hasAddress(back))) {
      // the answer would leave from a loopback address to the outside, and the route lookup
      // for it fails (ip_route_output_key_hash refuses a loopback source off lo); to one of the
      // host's own addresses it stays on lo and is sent. IPv6 answers all the same (icmp6_send
      // takes ::1, of host scope, as the source only on lo and otherwise selects one)
      return null;
    }
    IpAddr dst = d.after().dst();
    if (multicast(dst) || (host != null && host.isBroadcast(dst))) {
      return null; // the packet's own route is broadcast or multicast
    }
    if (host != null && host.route(back).isEmpty()) {
      return null; // no route back to the source
    }
    if (p.family() == Family.IPV6 && (back.isMin() || multicast(back))) {
      return null; // icmp6_send and nf_send_reset6 answer no unspecified or multicast source
    }
    if (d.outcome() == Outcome.REJECTED) {
      if (d.rejectWith().equals("tcp-reset")) {
        if (p.family() == Family.IPV6 && (Netfilter.V6_MAPPED.contains(back)
            || Netfilter.V6_MAPPED.contains(d.after().dst()))) {
          return null; // nf_send_reset6: both addresses must have IPV6_ADDR_UNICAST
        }
        return (p.tcpFlags() & 0x04) != 0 ? null : "tcp-reset";
      }
      return icmpAnswerable(host, p, back) ? d.rejectWith() : null;
    }
    if (d.outcome() == Outcome.TTL_EXCEEDED) {
      if (!icmpAnswerable(host, p, back)) {
        return null;
      }
      return p.family() == Family.IPV4 ? "icmp-time-exceeded" : "icmp6-time-exceeded";
    }
    return null;
  }

  private static boolean loopback(IpAddr a) {
    return a.family() == Family.IPV4 ? (a.lo() >>> 24) == 127 : a.equals(IpAddr.parse("::1"));
  }

  private static boolean multicast(IpAddr a) {
    return a.family() == Family.IPV4 ? (a.lo() >>> 28) == 0xe : (a.hi() >>> 56) == 0xff;
  }

  /** icmp_send / icmp6_send refuse to answer ICMP errors and (IPv6) an anycast source. */
  private static boolean icmpAnswerable(HostModel host, Packet p, IpAddr back) {
    if (p.family() == Family.IPV4) {
      return !(p.proto() == Protocols.ICMP && Set.of(3, 4, 5, 11, 12).contains(p.icmpType()));
    }
    if (p.proto() == Protocols.ICMPV6 && p.icmpType() < 128) {
      return false;
    }
    if (host != null) {
      // ipv6_anycast_destination: the source is the first address of the on-link prefix (a
      // connected subnet or a route without gateway) the answer would be routed by
      return host.hasAddress(back) || host.lookup(back).filter(r -> r.via() == null
          && r.dst().prefixLength() < 127 && r.dst().first().equals(back)).isEmpty();
    }
    return true;
  }

  private static String frame(Decision d, Agent.Frame f) {
    Packet a = d.after();
    List<String> diffs = new ArrayList<>();
    int fam = a.family() == Family.IPV4 ? 4 : 6;
    if (f.num("family") != fam) {
      return "forwarded frame is not IPv" + fam + ": " + f.fields();
    }
    eq(diffs, "src", a.src(), f.str("src"));
    eq(diffs, "dst", a.dst(), f.str("dst"));
    eq(diffs, "proto", a.proto(), f.num("proto"));
    eq(diffs, "ttl", a.ttl(), f.num("ttl"));
    eq(diffs, "tos", a.tos(), f.num("tos"));
    boolean ports = Protocols.hasPorts(a.proto()) && !a.fragment();
    if (ports) {
      PortRange sp = d.snat() != null && d.snat().ports() != null ? d.snat().ports()
          : PortRange.of(a.sport());
      if (!sp.contains(f.num("sport"))) {
        diffs.add("sport: interpreter " + sp + ", kernel " + f.num("sport"));
      }
      eq(diffs, "dport", a.dport(), f.num("dport"));
    }
    return diffs.isEmpty() ? null : "forwarded frame differs: " + String.join(", ", diffs)
        + " (" + f.fields() + ")";
  }

  private static void eq(List<String> diffs, String what, Object want, Object got) {
    String w = want instanceof IpAddr ? want.toString() : String.valueOf(want);
    String g = String.valueOf(got);
    if (want instanceof IpAddr ia && got != null) {
      try {
        g = IpAddr.parse(got.toString()).toString();
      } catch (IllegalArgumentException e) {
        // leave it as text
      }
      w = ia.toString();
    }
    if (!w.equals(g)) {
      diffs.add(what + ": interpreter " + w + ", kernel " + g);
    }
  }
}
