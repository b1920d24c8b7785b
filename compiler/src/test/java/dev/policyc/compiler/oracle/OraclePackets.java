package dev.policyc.compiler.oracle;

import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Turns a generated packet into one the oracle can put on the wire: it enters on the firewall's
 * eth0 or eth1 or is sent by the firewall itself, carries the marks a fresh packet has, is at
 * least as long as its headers, and declares the conntrack state the kernel will give it as the
 * first packet of a connection.
 */
final class OraclePackets {
  private static final IpRange V4_MULTICAST = IpRange.parse("224.0.0.0/4");
  private static final IpRange V6_SPECIAL_1 = IpRange.parse("ff00::/8");
  private static final IpRange V6_SPECIAL_2 = IpRange.parse("fe80::/10");
  private static final IpRange V6_SPECIAL_3 = IpRange.parse("::/96");
  private static final IpRange V6_SPECIAL_4 = IpRange.parse("::ffff:0.0.0.0/96");

  private OraclePackets() {}

  /**
   * A packet for the topology of {@code host}: it arrives on one of the host's interfaces (eight
   * in ten; a fifth of those are for the host itself) or is sent by the host.
   */
  static Packet realize(Random rnd, Packet p, HostModel host) {
    Family f = p.family();
    IpAddr dst = ordinaryV6(rnd, p.dst());
    List<HostModel.Iface> links = Topology.linked(host);
    String in = rnd.nextInt(10) < 8 && !links.isEmpty()
        ? links.get(rnd.nextInt(links.size())).name() : null;
    IpAddr src = in == null ? ordinaryV6(rnd, p.src()) : arrivingV6Source(rnd, p.src());
    if (in != null && rnd.nextInt(5) == 0) {
      // a fifth of the arriving packets are for the firewall itself, so INPUT gets its share
      List<IpAddr> own = new ArrayList<>();
      for (HostModel.Iface i : host.ifaces()) {
        for (HostModel.IfAddr a : i.addrs()) {
          if (a.addr().family() == f) {
            own.add(a.addr());
            own.add(a.subnet().first()); // IPv4 network address, IPv6 subnet-router anycast
            own.add(a.subnet().last()); // IPv4 broadcast
          }
        }
      }
      own.add(IpAddr.parse(f == Family.IPV4 ? "127.0.0.1" : "::1"));
      dst = ordinaryV6(rnd, own.get(rnd.nextInt(own.size())));
    }
    if (in == null && (src.isMin() || (f == Family.IPV4
        && (V4_MULTICAST.contains(src) || src.lo() == 0xffffffffL)))) {
      // a raw socket fills in an unspecified source itself; probes name a real one. The host
      // sends from unicast sources only: its output routing refuses a multicast or limited
      // broadcast source (ip_route_output_key_hash_rcu), and answers to one are not sent
      src = f == Family.IPV4 ? IpAddr.parse("10.77.0.1") : IpAddr.parse("2001:db8:77::1");
    }
    if (in == null && f == Family.IPV4) {
      // A raw socket cannot send to broadcast or multicast without SO_BROADCAST, and 0.0.0.0
      // means "this host" to sendto.
      if (V4_MULTICAST.contains(dst) || host.isBroadcast(dst) || (dst.lo() >>> 24) == 0) {
        dst = IpAddr.v4(0x0a000000L | (rnd.nextInt() & 0xffffffL) | 1);
      }
    }
    int length = Math.max(p.length(), minLength(f, p.proto(), p.fragment()));
    if (p.proto() == Protocols.SCTP && !p.fragment()) {
      // conntrack refuses an INIT chunk bundled with anything, padding included
      length = minLength(f, p.proto(), false);
    }
    return new Packet(f, src, dst, p.proto(), p.sport(), p.dport(), p.icmpType(), p.icmpCode(),
        p.tcpFlags(), in, null, state(p), 0, 0, p.tos(), length, p.ttl(), p.fragment(), 0, 0);
  }

  /** IPv6 special addresses (multicast, link-local, loopback, v4-mapped) are out of scope. */
  private static IpAddr ordinaryV6(Random rnd, IpAddr a) {
    if (a.family() != Family.IPV6) {
      return a;
    }
    if (V6_SPECIAL_1.contains(a) || V6_SPECIAL_2.contains(a) || V6_SPECIAL_3.contains(a)
        || V6_SPECIAL_4.contains(a)) {
      return IpAddr.v6(0x20010db800090000L | (rnd.nextInt() & 0xffffL), rnd.nextLong() | 1);
    }
    return a;
  }

  /**
   * The source of an arriving IPv6 packet: the unusual sources whose fate the interpreter
   * models and the oracle can observe are kept (v4-mapped, unspecified, loopback, multicast,
   * 6to4, Teredo, site-local and unique-local). Link-local ones are replaced: forwarded to
   * another interface, the kernel answers them with an ICMPv6 "beyond scope" the guard does not
   * count. So are IPv4-compatible ones (::a.b.c.d), whose fate was not established.
   */
  private static IpAddr arrivingV6Source(Random rnd, IpAddr a) {
    if (a.family() != Family.IPV6) {
      return a;
    }
    if (V6_SPECIAL_2.contains(a) || (V6_SPECIAL_3.contains(a) && a.lo() > 1)) {
      return IpAddr.v6(0x20010db800090000L | (rnd.nextInt() & 0xffffL), rnd.nextLong() | 1);
    }
    return a;
  }

  /** The smallest packet agent.py builds for a protocol. */
  static int minLength(Family f, int proto, boolean fragment) {
    int ip = f == Family.IPV4 ? 20 : 40;
    if (fragment) {
      return ip + 8;
    }
    return ip + switch (proto) {
      case Protocols.TCP -> 20;
      case Protocols.UDP -> 8;
      case Protocols.SCTP -> 32; // common header and an INIT chunk
      case Protocols.ICMP, Protocols.ICMPV6 -> 8;
      default -> 8;
    };
  }

  /** The state conntrack gives the first packet of a flow (the interpreter's rule). */
  static ConnState state(Packet p) {
    return Interpreter.firstPacketState(p);
  }
}
