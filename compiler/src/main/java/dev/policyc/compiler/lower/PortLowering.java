package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.ListPath;
import dev.policyc.dsl.path.MatchPath;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers a rule's {@code sport} and {@code dport} to merged port lists, and checks that they
 * have a protocol with ports and do not contradict {@code service}.
 */
final class PortLowering {
  /** A port list: sorted, disjoint, non-adjacent ranges. */
  record PortsSpec(boolean negated, List<PortRange> ranges) {}

  private final LowerContext ctx;

  PortLowering(LowerContext ctx) {
    this.ctx = ctx;
  }

  /** The port list; null when there is none (or it is empty, reported). */
  PortsSpec ports(Negatable<List<String>> n, ListPath path) {
    if (n == null) {
      return null;
    }
    if (n.value().isEmpty()) {
      ctx.report(Code.PC2014, path, "the port list is empty");
      return null;
    }
    List<PortRange> ranges = new ArrayList<>();
    for (int i = 0; i < n.value().size(); i++) {
      try {
        ranges.add(Values.portRange(n.value().get(i)));
      } catch (IllegalArgumentException e) {
        ctx.report(Code.PC2002, path.item(i), "invalid port: " + e.getMessage());
      }
    }
    List<PortRange> u = union(ranges);
    if (n.negated() && u.size() == 1 && u.get(0).equals(PortRange.ALL)) {
      ctx.report(Code.PC2002, path, "'not' every port matches no packet");
    }
    if (n.negated() && slots(u) > Netfilter.MULTIPORT_SLOTS) {
      ctx.report(Code.PC5004, path, "a negated port list fits one multiport match: at"
          + " most " + Netfilter.MULTIPORT_SLOTS + " ports (a range counts twice); this one needs "
          + slots(u));
    }
    return new PortsSpec(n.negated(), u);
  }

  /**
   * 'service' sets the protocol and the destination ports, so it excludes 'proto' and 'dport';
   * ports need every protocol alternative to have ports.
   */
  void checkProtocol(MatchSpec m, MatchPath mp, PortsSpec sport, PortsSpec dport,
      List<ProtocolLowering.ProtoAlt> alts) {
    if (m.services() != null && (m.dport() != null || m.proto() != null)) {
      ctx.report(Code.PC6005, mp.service(),
          "'service' sets the protocol and destination port; do not combine it with 'proto' or"
              + " 'dport'");
    }
    if (sport != null || dport != null) {
      ProtocolLowering.ProtoAlt a = ProtocolLowering.firstOther(alts, Protocols::hasPorts);
      if (a != null) {
        ctx.report(Code.PC6001, sport != null ? mp.sport() : mp.dport(),
            "ports need proto tcp, udp, sctp or dccp"
                + (a.proto() == 0 ? "" : " (not " + Protocols.name(a.proto()) + ")"));
      }
    }
  }

  /** Sorted, disjoint, non-adjacent ranges covering exactly the union of the inputs. */
  static List<PortRange> union(List<PortRange> in) {
    return IntervalSet.ofPorts(in).portRanges();
  }

  private static int slots(List<PortRange> rs) {
    return rs.stream().mapToInt(r -> r.isSingle() ? 1 : 2).sum();
  }

  /**
   * The port match of a port list: none for every port, else one match of all its ranges. A
   * positive list may need more than the 15 slots of one multiport match: the legalization pass
   * SplitMultiport cuts it into rules that fit (a negated one cannot be cut, see PC5004).
   */
  static Match.Ports match(PortsSpec p, Side side) {
    if (p == null || p.ranges().isEmpty()) {
      return null;
    }
    if (p.ranges().size() == 1 && p.ranges().get(0).equals(PortRange.ALL) && !p.negated()) {
      return null;
    }
    return new Match.Ports(side, p.ranges(), p.negated());
  }
}
