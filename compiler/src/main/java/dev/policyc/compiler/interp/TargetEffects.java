package dev.policyc.compiler.interp;

import dev.policyc.compiler.interp.Decision.Nat;
import dev.policyc.compiler.interp.Stateful.Binding;
import dev.policyc.compiler.interp.Stateful.Tuple;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Family;
import java.util.Optional;

/**
 * What the targets that do not end a chain do to a packet and its trip: the rewrites of mangle
 * and raw (marks, TOS, TTL, TCPMSS, notrack), LOG, the NAT targets, and the NAT of later packets
 * of a known connection. It reaches the trip only through a {@link Scope}.
 */
final class TargetEffects {
  /** The host model, or null when packets say where they go. */
  private final HostModel host;

  TargetEffects(HostModel host) {
    this.host = host;
  }

  /** The part of a trip a target reads and changes. */
  interface Scope {
    /** The packet as it is now. */
    Packet packet();

    /** Replaces the packet by its rewritten self. */
    void rewrite(Packet changed);

    /** The hook the packet is in. */
    Hook hook();

    /** The input interface the hook sees, {@code ""} for none. */
    String inIf();

    /** The packet's conntrack view: CONNMARK needs a connection, notrack changes it. */
    Conntrack conntrack();

    /** Records a LOG target's prefix. */
    void log(String prefix);

    /** The value of the MSS option a TCPMSS target added, or null when none was added. */
    Integer mss();

    void mss(int value);

    /** Records the destination rewrite; {@code toHost} when it delivers to the host (REDIRECT). */
    void dnat(Nat rewrite, boolean toHost);

    /** Records the source rewrite. */
    void snat(Nat rewrite);

    /** The route the packet leaves by, set at POSTROUTING (for MASQUERADE), or null before. */
    Route leaving();
  }

  /** Applies a target that lets the packet go on; false when it drops the packet instead. */
  boolean apply(Target tg, Scope s) {
    Packet pkt = s.packet();
    if (tg instanceof Target.None) {
      return true;
    } else if (tg instanceof Target.Log l) {
      s.log(l.prefix() == null ? "" : l.prefix());
    } else if (tg instanceof Target.Mark m) {
      s.rewrite(pkt.withMarks(((pkt.mark() & ~m.mask()) ^ m.value()) & 0xffffffffL,
          pkt.ctmark()));
    } else if (tg instanceof Target.ConnMark c) {
      if (!s.conntrack().hasConnection(pkt)) {
        return true; // connmark_tg: no conntrack entry, nothing to do
      }
      long mark = pkt.mark();
      long ct = pkt.ctmark();
      switch (c.mode()) {
        case SET -> ct = (ct & ~c.mask()) ^ c.value();
        case SAVE -> ct = (ct & ~c.ctmask()) ^ (mark & c.nfmask());
        case RESTORE -> mark = (mark & ~c.nfmask()) ^ (ct & c.ctmask());
        default -> throw new AssertionError(c.mode());
      }
      s.rewrite(pkt.withMarks(mark & 0xffffffffL, ct & 0xffffffffL));
    } else if (tg instanceof Target.Dscp d) {
      s.rewrite(pkt.withTosTtl((pkt.tos() & 0x03) | (d.value() << 2), pkt.ttl()));
    } else if (tg instanceof Target.Tos t) {
      s.rewrite(pkt.withTosTtl(((pkt.tos() & ~t.mask()) ^ t.value()) & 0xff, pkt.ttl()));
    } else if (tg instanceof Target.Ttl t) {
      int ttl = switch (t.op()) {
        case SET -> t.value();
        case INC -> Math.min(255, pkt.ttl() + t.value());
        case DEC -> Math.max(0, pkt.ttl() - t.value());
      };
      s.rewrite(pkt.withTosTtl(pkt.tos(), ttl));
    } else if (tg instanceof Target.TcpMss t) {
      return tcpMss(t, s);
    } else if (tg instanceof Target.NoTrack) {
      s.conntrack().notrack();
    } else {
      throw new AssertionError("not a continuing target: " + tg);
    }
    return true;
  }

  /**
   * TCPMSS (tcpmss_mangle_packet). Packets carry no TCP options here, so the first TCPMSS to
   * meet a segment without payload adds an MSS option: the packet grows by 4 bytes, which
   * later length matches see. A segment with payload is left alone (the option cannot be
   * added without moving the data), and so is a non-first fragment; a later TCPMSS only
   * lowers the option's value. A segment too short for its TCP header is dropped.
   */
  private static boolean tcpMss(Target.TcpMss t, Scope s) {
    Packet pkt = s.packet();
    if (pkt.proto() != Protocols.TCP || pkt.fragment()) {
      return true;
    }
    int headers = (pkt.family() == Family.IPV4 ? 20 : 40) + 20;
    if (pkt.length() < headers) {
      return false;
    }
    Integer mss = s.mss();
    if (mss != null) {
      // 0 stands for clamp-to-pmtu, whose value (the path MTU's) the model does not know
      if (mss != 0 && t.mss() != 0) {
        s.mss(Math.min(mss, t.mss()));
      }
      return true;
    }
    if (pkt.length() == headers) {
      s.rewrite(pkt.withLength(headers + 4));
      s.mss(t.mss());
    }
    return true;
  }

  /** Applies a NAT target (DNAT, REDIRECT, SNAT, MASQUERADE); false when the kernel drops. */
  boolean nat(Target tg, Scope s) {
    Packet pkt = s.packet();
    boolean ports = pkt.hasPorts();
    if (tg instanceof Target.Dnat d) {
      IpAddr to = d.addrs() == null ? pkt.dst()
          : NatChoice.pick(d.addrs(), pkt.src(), pkt.dst(), true);
      int port = dstPort(d.ports(), pkt);
      s.dnat(new Nat(Nat.Kind.DNAT, to, ports ? PortRange.of(port) : null), false);
      s.rewrite(pkt.withDst(to, port));
      return true;
    } else if (tg instanceof Target.Redirect rd) {
      IpAddr to;
      if (s.hook() == Hook.OUTPUT) {
        to = Netfilter.localhost(pkt.family());
      } else if (host == null) {
        to = null;
      } else {
        to = host.redirectTarget(s.inIf(), pkt.dst()).orElse(null);
        if (to == null) {
          return false; // nf_nat_redirect: no (fitting) address on the input device
        }
      }
      int port = dstPort(rd.ports(), pkt);
      s.dnat(new Nat(Nat.Kind.REDIRECT, to, ports ? PortRange.of(port) : null), true);
      s.rewrite(pkt.withDst(to == null ? pkt.dst() : to, port));
      return true;
    } else if (tg instanceof Target.Snat sn) {
      return srcNat(Nat.Kind.SNAT, sn.addrs(), sn.ports(), false, s);
    } else if (tg instanceof Target.Masquerade m) {
      PortRange masq = m.randomFully() ? randomFully(m.ports(), pkt) : m.ports();
      if (host == null) {
        s.snat(new Nat(Nat.Kind.MASQUERADE, null, srcPorts(masq, pkt, m.randomFully())));
        return true;
      }
      Route leaving = s.leaving();
      Optional<IpAddr> addr = host.masqueradeSource(
          leaving == null ? null : Routing.device(leaving),
          leaving == null ? null : Routing.nextHop(leaving, pkt.dst()), pkt.dst());
      if (addr.isEmpty()) {
        return false; // masquerade_tg: no address to give ("ate my IP address")
      }
      return srcNat(Nat.Kind.MASQUERADE, IpRange.host(addr.get()), masq, m.randomFully(), s);
    }
    throw new AssertionError("not a NAT target: " + tg);
  }

  private static int dstPort(PortRange range, Packet pkt) {
    if (range == null || !pkt.hasPorts() || range.contains(pkt.dport())) {
      return pkt.dport();
    }
    return range.lo(); // get_unique_tuple: a destination mapping starts at the range's start
  }

  /**
   * The ports {@code --random-fully} picks the source port from at random, the packet's own
   * never kept (nf_nat_l4proto_unique_tuple with NF_NAT_RANGE_PROTO_RANDOM_FULLY): the range,
   * or without one the packet's port class (1-511, 600-1023 or 1024-65535).
   */
  private static PortRange randomFully(PortRange range, Packet pkt) {
    if (range != null || !pkt.hasPorts()) {
      return range;
    }
    int sport = pkt.sport();
    return sport < 512 ? new PortRange(1, 511)
        : sport < 1024 ? new PortRange(600, 1023) : new PortRange(1024, 65535);
  }

  private static PortRange srcPorts(PortRange range, Packet pkt, boolean random) {
    if (!pkt.hasPorts()) {
      return null;
    }
    if (range == null || !random && range.contains(pkt.sport())) {
      return PortRange.of(pkt.sport());
    }
    return range; // the kernel picks a free port of the range at random
  }

  /** Source NAT keeps the original tuple when it already lies in the target range. */
  private static boolean srcNat(Nat.Kind kind, IpRange addrs, PortRange portRange,
      boolean random, Scope s) {
    Packet pkt = s.packet();
    boolean portOk = portRange == null || !pkt.hasPorts()
        || !random && portRange.contains(pkt.sport());
    IpAddr to = pkt.src();
    if (addrs != null && !(addrs.contains(pkt.src()) && portOk)) {
      to = NatChoice.pick(addrs, pkt.src(), pkt.dst(), false);
    }
    PortRange p = srcPorts(portRange, pkt, random);
    s.snat(new Nat(kind, to, p));
    s.rewrite(pkt.withSrc(to, p != null && p.isSingle() ? p.lo() : pkt.sport()));
    return true;
  }

  /**
   * Destination NAT of a packet that belongs to a known connection (nat chains are not
   * traversed; "all future packets in this connection will also be mangled"): the original
   * direction gets the DNAT, answers get the SNAT undone.
   */
  static void boundDst(Binding binding, Scope s) {
    Packet pkt = s.packet();
    if (binding == null || !s.conntrack().hasConnection(pkt)) {
      return;
    }
    Tuple o = binding.original();
    Tuple t = binding.translated();
    boolean ports = pkt.hasPorts();
    if (!binding.reply() && (!t.dst().equals(o.dst()) || t.dport() != o.dport())) {
      s.dnat(new Nat(Nat.Kind.CONNECTION_DNAT, t.dst(), ports ? PortRange.of(t.dport()) : null),
          false);
      s.rewrite(pkt.withDst(t.dst(), ports ? t.dport() : pkt.dport()));
    } else if (binding.reply() && (!t.src().equals(o.src()) || t.sport() != o.sport())) {
      s.dnat(new Nat(Nat.Kind.CONNECTION_UNSNAT, o.src(), ports ? PortRange.of(o.sport()) : null),
          false);
      s.rewrite(pkt.withDst(o.src(), ports ? o.sport() : pkt.dport()));
    }
  }

  /** Source NAT of a packet of a known connection: SNAT forward, DNAT undone for answers. */
  static void boundSrc(Binding binding, Scope s) {
    Packet pkt = s.packet();
    if (binding == null || !s.conntrack().hasConnection(pkt)) {
      return;
    }
    Tuple o = binding.original();
    Tuple t = binding.translated();
    boolean ports = pkt.hasPorts();
    if (!binding.reply() && (!t.src().equals(o.src()) || t.sport() != o.sport())) {
      s.snat(new Nat(Nat.Kind.CONNECTION_SNAT, t.src(), ports ? PortRange.of(t.sport()) : null));
      s.rewrite(pkt.withSrc(t.src(), ports ? t.sport() : pkt.sport()));
    } else if (binding.reply() && (!t.dst().equals(o.dst()) || t.dport() != o.dport())) {
      s.snat(new Nat(Nat.Kind.CONNECTION_UNDNAT, o.dst(), ports ? PortRange.of(o.dport()) : null));
      s.rewrite(pkt.withSrc(o.dst(), ports ? o.dport() : pkt.sport()));
    }
  }
}
