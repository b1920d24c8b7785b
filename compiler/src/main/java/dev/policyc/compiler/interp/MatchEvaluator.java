package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.Family;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a match, or all the matches of a rule, hold for a packet as a {@link MatchInput}
 * describes it, under a policy's ipsets and host model. It changes nothing: the only state a
 * rule's matches touch is the {@link Stateful} model the caller passes. See "Matches" in {@code
 * docs/semantics.md}.
 */
final class MatchEvaluator {
  /** The host model, or null when packets say where they go. */
  private final HostModel host;

  private final Map<String, IpSet> sets = new LinkedHashMap<>();

  MatchEvaluator(HostModel host, List<IpSet> sets) {
    this.host = host;
    for (IpSet s : sets) {
      this.sets.putIfAbsent(s.name(), s); // the first set of a name, as IrPolicy.set finds it
    }
  }

  /**
   * Whether every match of {@code rule} holds, evaluated in order up to the first that fails.
   * {@code limit} and {@code statistic --mode nth} ask {@code stateful} (which a session's model
   * advances: only the matches evaluated count, as in the kernel).
   */
  boolean matches(Rule rule, MatchInput in, Stateful stateful) {
    List<Match> ms = rule.matches();
    for (int i = 0; i < ms.size(); i++) {
      Match m = ms.get(i);
      boolean hit;
      if (m instanceof Match.Limit l) {
        hit = stateful.limit(rule, i, l, in.packet());
      } else if (m instanceof Match.Statistic st && st.nth()) {
        hit = stateful.nth(rule, i, st, in.packet()) ^ st.negated();
      } else if (m instanceof Match.Recent r) {
        hit = stateful.recent(r, recentAddr(r, in), in.packet());
      } else {
        hit = matches(m, in);
      }
      if (!hit) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether one match holds. {@code limit} and {@code statistic --mode nth} follow the stateless
   * model: the packet's {@code seq} says how many identical packets went before it.
   */
  boolean matches(Match m, MatchInput in) {
    Packet pkt = in.packet();
    if (m instanceof Match.Addr a) {
      return a.range().contains(a.side() == Side.SRC ? pkt.src() : pkt.dst()) ^ a.negated();
    } else if (m instanceof Match.Proto p) {
      return (pkt.proto() == p.number()) ^ p.negated();
    } else if (m instanceof Match.Ports p) {
      if (pkt.fragment()) {
        return false; // port matches never match a non-first fragment, negated or not
      }
      int port = p.side() == Side.SRC ? pkt.sport() : pkt.dport();
      boolean hit = false;
      for (PortRange r : p.ranges()) {
        hit |= r.contains(port);
      }
      return hit ^ p.negated();
    } else if (m instanceof Match.Iface i) {
      return i.matches(i.out() ? in.outIf() : in.inIf()) ^ i.negated();
    } else if (m instanceof Match.CtState c) {
      // conntrack_mt_v3: the state's bit, and the virtual SNAT and DNAT bits of a connection
      boolean hit = c.states().contains(in.ctState()) || (c.snat() && in.snat())
          || (c.dnat() && in.dnat());
      return hit ^ c.negated();
    } else if (m instanceof Match.Icmp ic) {
      if (pkt.fragment()) {
        return false;
      }
      boolean hit = ic.type() == 0xff
          || (pkt.icmpType() == ic.type()
              && pkt.icmpCode() >= ic.codeLo()
              && pkt.icmpCode() <= ic.codeHi());
      return hit ^ ic.negated();
    } else if (m instanceof Match.TcpFlags f) {
      if (pkt.fragment()) {
        return false;
      }
      return ((pkt.tcpFlags() & f.mask()) == f.comp()) ^ f.negated();
    } else if (m instanceof Match.Mark mk) {
      return ((pkt.mark() & mk.mask()) == mk.value()) ^ mk.negated();
    } else if (m instanceof Match.ConnMark cm) {
      if (!in.hasConnection()) {
        return false; // connmark_mt: no conntrack entry, no match (negated or not)
      }
      return ((pkt.ctmark() & cm.mask()) == cm.value()) ^ cm.negated();
    } else if (m instanceof Match.Dscp d) {
      return ((pkt.tos() >> 2) == d.value()) ^ d.negated();
    } else if (m instanceof Match.Tos t) {
      return ((pkt.tos() & t.mask()) == t.value()) ^ t.negated();
    } else if (m instanceof Match.Length l) {
      return (pkt.length() >= l.lo() && pkt.length() <= l.hi()) ^ l.negated();
    } else if (m instanceof Match.Ttl t) {
      return switch (t.op()) {
        case EQ -> pkt.ttl() == t.value();
        case NE -> pkt.ttl() != t.value();
        case LT -> pkt.ttl() < t.value();
        case GT -> pkt.ttl() > t.value();
      };
    } else if (m instanceof Match.Fragment f) {
      return pkt.fragment() ^ f.negated();
    } else if (m instanceof Match.AddrType at) {
      IpAddr a = at.side() == Side.SRC ? pkt.src() : pkt.dst();
      boolean hit = pkt.family() == Family.IPV4
          ? at.types().contains(addressType4(a, at.side(), in))
          : addrType6(a, at, in);
      return hit ^ at.negated();
    } else if (m instanceof Match.InSet s) {
      return inSet(s, pkt) ^ s.negated();
    } else if (m instanceof Match.Limit l) {
      return Stateful.FROM_SEQ.limit(null, 0, l, pkt);
    } else if (m instanceof Match.Statistic s) {
      if (s.nth()) {
        return Stateful.FROM_SEQ.nth(null, 0, s, pkt) ^ s.negated();
      }
      return ((pkt.random() & 0x7fffffffL) < s.probability()) ^ s.negated();
    } else if (m instanceof Match.Recent r) {
      return Stateful.FROM_SEQ.recent(r, recentAddr(r, in), pkt);
    } else if (m instanceof Match.Nfacct) {
      return true; // nfacct_mt counts the packet and matches
    } else if (m instanceof Match.Ipvs v) {
      return ipvs(v, in);
    } else if (m instanceof Match.Physdev d) {
      // physdev_mt without bridge info (the interpreter models no bridges, so no packet is
      // bridged): the match holds only when every option given is negated
      return d.invert() == d.bitmask();
    }
    throw new AssertionError("unknown match " + m);
  }

  /**
   * {@code ipvs_mt}: {@code --ipvs} alone is the packet's {@code ipvs_property}; any other option
   * needs it, and the connection entry {@code conn_out_get} finds with the header inverted (the
   * packet from the client as IPVS sent it on: to a masq real server, or to the virtual address
   * for gate and ipip; never a non-first fragment, whose ports are unknown). Each option given
   * then compares the entry's field, or for {@code --vdir} the conntrack direction (no entry:
   * no match), negated as the kernel does.
   */
  private static boolean ipvs(Match.Ipvs v, MatchInput in) {
    if (v.bitmask() == Match.Ipvs.PROPERTY) {
      return in.ipvsProperty() ^ v.negated(Match.Ipvs.PROPERTY);
    }
    Packet p = in.packet();
    if (!in.ipvsProperty()) {
      return false;
    }
    if (v.has(Match.Ipvs.PROTO) && (p.proto() == v.l4proto()) == v.negated(Match.Ipvs.PROTO)) {
      return false;
    }
    IpvsState.Conn c = in.ipvs() == null || p.fragment() ? null : in.ipvs().outInverse(p);
    if (c == null) {
      return false;
    }
    if (v.has(Match.Ipvs.VPORT) && (c.vport() == v.vport()) == v.negated(Match.Ipvs.VPORT)) {
      return false;
    }
    if (v.has(Match.Ipvs.VPORTCTL) && (c.controlVport() != null
        && c.controlVport() == v.vportctl()) == v.negated(Match.Ipvs.VPORTCTL)) {
      return false;
    }
    if (v.has(Match.Ipvs.DIR)
        && (!in.hasConnection() || in.reply() != v.negated(Match.Ipvs.DIR))) {
      return false;
    }
    if (v.has(Match.Ipvs.METHOD) && (methodCode(c.hit().real().method()) == v.fwdMethod())
        == v.negated(Match.Ipvs.METHOD)) {
      return false;
    }
    // ipvs_mt_addrcmp: ((entry ^ given) & mask) == 0
    IpAddr a = c.vaddr();
    IpAddr g = v.vaddr();
    IpAddr k = v.vmask();
    return !v.has(Match.Ipvs.VADDR) || (a.family() == g.family()
        && ((a.hi() ^ g.hi()) & k.hi()) == 0 && ((a.lo() ^ g.lo()) & k.lo()) == 0)
        != v.negated(Match.Ipvs.VADDR);
  }

  /** {@code IP_VS_CONN_F_MASQ}, {@code _TUNNEL} or {@code _DROUTE} of a forwarding method. */
  private static int methodCode(dev.policyc.compiler.ipvs.ForwardMethod m) {
    return switch (m) {
      case MASQ -> Match.Ipvs.MASQ;
      case IPIP -> Match.Ipvs.TUNNEL;
      case GATE -> Match.Ipvs.DROUTE;
    };
  }

  /** The address a recent match looks up: the source or destination, masked. */
  private static IpAddr recentAddr(Match.Recent r, MatchInput in) {
    IpAddr a = r.dest() ? in.packet().dst() : in.packet().src();
    IpAddr m = r.mask();
    return a.family() == m.family() ? new IpAddr(a.family(), a.hi() & m.hi(), a.lo() & m.lo())
        : a;
  }

  /** IPv4 address type as {@code inet_addr_type} gives it. */
  private AddressType addressType4(IpAddr a, Side side, MatchInput in) {
    if (a.isMin() || a.lo() == 0xffffffffL) {
      return AddressType.BROADCAST;
    }
    if (Netfilter.V4_MULTICAST.contains(a)) {
      return AddressType.MULTICAST;
    }
    // The local table's /32 broadcast routes (subnet broadcasts, 127.255.255.255) win over the
    // 127.0.0.0/8 local route by prefix length.
    if ((host != null && host.isBroadcast(a)) || a.equals(Netfilter.V4_LOOPBACK_BROADCAST)) {
      return AddressType.BROADCAST;
    }
    if (isLocal(a, side, in)) {
      return AddressType.LOCAL;
    }
    return AddressType.UNICAST;
  }

  /**
   * IPv6 address types as {@code match_type6} tests them: every listed type must hold. UNICAST
   * is the IPV6_ADDR_UNICAST bit of {@code __ipv6_addr_type}, which neither the unspecified
   * address, multicast addresses nor v4-mapped ones (IPV6_ADDR_MAPPED alone) have.
   */
  private boolean addrType6(IpAddr a, Match.AddrType at, MatchInput in) {
    boolean multicast = Netfilter.V6_MULTICAST.contains(a);
    boolean unspecified = a.isMin();
    if (at.types().contains(AddressType.MULTICAST) && !multicast) {
      return false;
    }
    if (at.types().contains(AddressType.UNICAST)
        && (multicast || unspecified || Netfilter.V6_MAPPED.contains(a))) {
      return false;
    }
    if (at.types().contains(AddressType.UNSPEC) && !unspecified) {
      return false;
    }
    if (at.types().contains(AddressType.LOCAL)) {
      return isLocal(a, at.side(), in);
    }
    return true;
  }

  /**
   * Whether an address is the host's own. With no host model, the packet says: the destination
   * of a packet delivered locally and the source of a packet the host sends are local.
   */
  private boolean isLocal(IpAddr a, Side side, MatchInput in) {
    if (host != null) {
      return host.hasAddress(a);
    }
    if (Netfilter.isLoopback(a)) {
      return true;
    }
    Packet original = in.original();
    IpAddr dst = in.packet().dst();
    if (original.locallyGenerated()) {
      return a.equals(original.src()) || ("lo".equals(original.out()) && a.equals(dst));
    }
    return original.out() == null && a.equals(dst) && side == Side.DST;
  }

  private boolean inSet(Match.InSet s, Packet pkt) {
    IpSet set = sets.get(s.name());
    if (set == null) {
      throw new IllegalStateException("rule uses missing set " + s.name());
    }
    if (s.dirs().size() < set.type().dimensions()) {
      return false; // ip_set_test: fewer directions than the set's dimensions
    }
    if (set.type().hasAddress() && set.family() != pkt.family()) {
      return false;
    }
    IpAddr addr = s.dirs().get(0) == Side.SRC ? pkt.src() : pkt.dst();
    int portDir = set.type() == IpSet.Type.BITMAP_PORT ? 0 : 1;
    Integer port = null;
    if (set.type() == IpSet.Type.BITMAP_PORT
        && pkt.proto() != Protocols.TCP && pkt.proto() != Protocols.UDP) {
      return false; // ip_set_get_ip_port (ip_set_bitmap_port.c) accepts TCP and UDP only
    }
    if (set.type().hasPort()) {
      port = setPort(s.dirs().get(portDir), pkt);
      if (port == null) {
        return false;
      }
    }
    // hash:ip,port,ip and hash:ip,port,net: the third direction names the second address
    IpAddr addr2 = !set.type().hasSecondAddress() ? null
        : s.dirs().get(2) == Side.SRC ? pkt.src() : pkt.dst();
    for (IpSet.Entry e : set.entries()) {
      boolean hit = switch (set.type()) {
        case HASH_IP, HASH_NET -> e.addr().contains(addr);
        case HASH_IP_PORT, HASH_NET_PORT ->
            e.addr().contains(addr) && e.proto() == pkt.proto() && e.ports().contains(port);
        case HASH_IP_PORT_IP, HASH_IP_PORT_NET ->
            e.addr().contains(addr) && e.proto() == pkt.proto() && e.ports().contains(port)
                && e.addr2().contains(addr2);
        case BITMAP_PORT -> e.ports().contains(port);
      };
      if (hit) {
        return true;
      }
    }
    return false;
  }

  /** The port ipset reads for a packet (ip_set_get_ip_port), or null when it gives up. */
  private static Integer setPort(Side side, Packet pkt) {
    if (pkt.fragment()) {
      return null;
    }
    if (pkt.hasPorts()) {
      return side == Side.SRC ? pkt.sport() : pkt.dport();
    }
    if (pkt.isIcmp()) {
      return (pkt.icmpType() << 8) | pkt.icmpCode();
    }
    return 0;
  }
}
