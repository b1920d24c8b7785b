package dev.policyc.compiler.testing;

import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random packets biased to a policy's own boundaries: the ends of every address range and port
 * range and their neighbours (±1), the interfaces, marks, TTLs, lengths and ICMP types its rules
 * name. A quarter of the values are drawn uniformly instead, so gaps are covered too. One IPv6
 * packet in eight has an unusual source ({@link #UNUSUAL_V6_SOURCES}, or a random v4-mapped
 * one), which the kernel treats in ways of its own (see "Routing" in {@code docs/semantics.md}).
 */
public final class RandomPackets {
  /**
   * IPv6 sources the kernel does not treat as global unicast, or that look special but are:
   * unspecified, loopback, link-local, multicast (link and global scope), 6to4, Teredo,
   * site-local and unique-local. Random v4-mapped sources come on top. IPv4-compatible sources
   * ({@code ::a.b.c.d}) are left out: what the kernel does with them was not established.
   */
  public static final List<IpAddr> UNUSUAL_V6_SOURCES = List.of(IpAddr.parse("::"),
      IpAddr.parse("::1"), IpAddr.parse("fe80::1"), IpAddr.parse("fe80::200:5eff:fe00:53"),
      IpAddr.parse("ff02::1"), IpAddr.parse("ff0e::101"), IpAddr.parse("2002:c000:201::1"),
      IpAddr.parse("2001:0:4136:e378:8000:63bf:3fff:fdd2"), IpAddr.parse("fec0::1"),
      IpAddr.parse("fd00::1"));

  private final Random rnd;
  private final List<IpAddr> v4 = new ArrayList<>();
  private final List<IpAddr> v6 = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<String> ifaces = new ArrayList<>();
  private final List<Long> marks = new ArrayList<>();
  private final List<Integer> ttls = new ArrayList<>();
  private final List<Integer> lengths = new ArrayList<>();
  private final List<Integer> toses = new ArrayList<>();
  private final List<int[]> icmps4 = new ArrayList<>();
  private final List<int[]> icmps6 = new ArrayList<>();
  private final List<Long> randoms = new ArrayList<>();
  private final boolean hostModel;

  public RandomPackets(Random rnd, IrPolicy policy) {
    this.rnd = rnd;
    this.hostModel = policy.host() != null;
    Set<IpAddr> a4 = new LinkedHashSet<>();
    Set<IpAddr> a6 = new LinkedHashSet<>();
    Set<Integer> ps = new LinkedHashSet<>(List.of(0, 22, 80, 443, 1024, 40000, 65535));
    Set<String> ifs = new LinkedHashSet<>(List.of("eth0", "eth1", "lo"));
    Set<Long> mk = new LinkedHashSet<>(List.of(0L, 1L));
    Set<Integer> tt = new LinkedHashSet<>(List.of(1, 2, 64, 255));
    Set<Integer> ln = new LinkedHashSet<>(List.of(40, 60, 1500));
    Set<Integer> ts = new LinkedHashSet<>(List.of(0, 0xb8));
    Set<Long> rs = new LinkedHashSet<>(List.of(0L, 0x7fffffffL));
    for (Family f : Family.values()) {
      for (RuleTable t : policy.ruleset(f).tables()) {
        for (Chain c : t.chains()) {
          for (Rule r : c.rules()) {
            for (Match m : r.matches()) {
              collect(m, f == Family.IPV4 ? a4 : a6, ps, ifs, mk, tt, ln, ts, rs);
            }
            collectTarget(r.target(), f == Family.IPV4 ? a4 : a6, ps);
          }
        }
      }
    }
    for (IpSet s : policy.sets()) {
      for (IpSet.Entry e : s.entries()) {
        if (e.addr() != null) {
          edges(e.addr(), e.addr().family() == Family.IPV4 ? a4 : a6);
        }
        if (e.ports() != null) {
          edges(e.ports(), ps);
        }
      }
    }
    if (policy.host() != null) {
      // the host's own addresses, the edges of its subnets, its gateways and routed prefixes
      for (HostModel.Iface i : policy.host().ifaces()) {
        ifs.add(i.name());
        for (HostModel.IfAddr a : i.addrs()) {
          Set<IpAddr> pool = a.addr().family() == Family.IPV4 ? a4 : a6;
          pool.add(a.addr());
          edges(a.subnet(), pool);
        }
      }
      for (HostModel.Route r : policy.host().routes()) {
        Set<IpAddr> pool = r.dst().family() == Family.IPV4 ? a4 : a6;
        if (r.via() != null) {
          pool.add(r.via());
        }
        if (!r.dst().isAll()) {
          edges(r.dst(), pool);
        }
      }
    }
    a4.addAll(List.of(IpAddr.parse("192.0.2.1"), IpAddr.parse("127.0.0.1"),
        IpAddr.parse("255.255.255.255"), IpAddr.parse("224.0.0.5")));
    a6.addAll(List.of(IpAddr.parse("2001:db8::1"), IpAddr.parse("::1"), IpAddr.parse("ff02::1")));
    v4.addAll(a4);
    v6.addAll(a6);
    ports.addAll(ps);
    ifaces.addAll(ifs);
    marks.addAll(mk);
    ttls.addAll(tt);
    lengths.addAll(ln);
    toses.addAll(ts);
    randoms.addAll(rs);
    icmps4.addAll(List.of(new int[] {8, 0}, new int[] {0, 0}, new int[] {3, 3}, new int[] {3, 4},
        new int[] {11, 0}));
    icmps6.addAll(List.of(new int[] {128, 0}, new int[] {129, 0}, new int[] {1, 4},
        new int[] {135, 0}, new int[] {2, 0}));
  }

  private static void collect(Match m, Set<IpAddr> addrs, Set<Integer> ps, Set<String> ifs,
      Set<Long> mk, Set<Integer> tt, Set<Integer> ln, Set<Integer> ts, Set<Long> rs) {
    if (m instanceof Match.Addr a) {
      edges(a.range(), addrs);
    } else if (m instanceof Match.Ports p) {
      p.ranges().forEach(r -> edges(r, ps));
    } else if (m instanceof Match.Iface i) {
      if (i.name().endsWith("+")) {
        String stem = i.name().substring(0, i.name().length() - 1);
        ifs.add(stem + "0");
        ifs.add(stem);
        if (stem.length() > 1) {
          ifs.add(stem.substring(0, stem.length() - 1));
        }
      } else {
        ifs.add(i.name());
        ifs.add(i.name() + "x");
      }
    } else if (m instanceof Match.Mark k) {
      mk.add(k.value());
      mk.add(k.value() ^ 1);
      mk.add(k.value() | (~k.mask() & 0xf0));
    } else if (m instanceof Match.ConnMark k) {
      mk.add(k.value());
      mk.add(k.value() ^ 1);
    } else if (m instanceof Match.Ttl t) {
      tt.add(t.value());
      tt.add(Math.max(0, t.value() - 1));
      tt.add(Math.min(255, t.value() + 1));
    } else if (m instanceof Match.Length l) {
      ln.add(l.lo());
      ln.add(Math.max(0, l.lo() - 1));
      ln.add(l.hi());
      ln.add(Math.min(65535, l.hi() + 1));
    } else if (m instanceof Match.Dscp d) {
      ts.add(d.value() << 2);
      ts.add((d.value() << 2) | 1);
    } else if (m instanceof Match.Tos t) {
      ts.add(t.value());
      ts.add(t.value() ^ 0x10);
    } else if (m instanceof Match.Statistic s && !s.nth()) {
      rs.add(Math.max(0, s.probability() - 1));
      rs.add(Math.min(0x7fffffffL, s.probability()));
    }
  }

  private static void collectTarget(Target t, Set<IpAddr> addrs, Set<Integer> ps) {
    if (t instanceof Target.Dnat d) {
      if (d.addrs() != null) {
        edges(d.addrs(), addrs);
      }
      if (d.ports() != null) {
        edges(d.ports(), ps);
      }
    } else if (t instanceof Target.Snat s) {
      if (s.addrs() != null) {
        edges(s.addrs(), addrs);
      }
      if (s.ports() != null) {
        edges(s.ports(), ps);
      }
    }
  }

  private static void edges(IpRange r, Set<IpAddr> out) {
    out.add(r.first());
    out.add(r.last());
    if (!r.first().isMin()) {
      out.add(r.first().plus(-1));
    }
    if (!r.last().isMax()) {
      out.add(r.last().plus(1));
    }
  }

  private static void edges(PortRange r, Set<Integer> out) {
    out.add(r.lo());
    out.add(r.hi());
    if (r.lo() > 0) {
      out.add(r.lo() - 1);
    }
    if (r.hi() < 65535) {
      out.add(r.hi() + 1);
    }
  }

  /** One packet of either family. */
  public Packet next() {
    return next(rnd.nextBoolean() ? Family.IPV4 : Family.IPV6);
  }

  public Packet next(Family f) {
    IpAddr src = f == Family.IPV6 && rnd.nextInt(8) == 0 ? unusualV6Source() : addr(f);
    IpAddr dst = addr(f);
    int proto = switch (rnd.nextInt(8)) {
      case 0, 1, 2 -> Protocols.TCP;
      case 3, 4 -> Protocols.UDP;
      case 5 -> f == Family.IPV4 ? Protocols.ICMP : Protocols.ICMPV6;
      case 6 -> Protocols.SCTP;
      default -> 47;
    };
    boolean hasPorts = Protocols.hasPorts(proto);
    int sport = hasPorts ? port() : 0;
    int dport = hasPorts ? port() : 0;
    int type = 0;
    int code = 0;
    if (proto == Protocols.ICMP || proto == Protocols.ICMPV6) {
      int[] tc = (f == Family.IPV4 ? icmps4 : icmps6).get(rnd.nextInt(5));
      type = tc[0];
      code = tc[1];
    }
    int flags = proto == Protocols.TCP
        ? (rnd.nextBoolean() ? new int[] {0x02, 0x10, 0x12, 0x11, 0x04}[rnd.nextInt(5)]
            : rnd.nextInt(0x40))
        : 0;
    boolean local = rnd.nextInt(4) == 0;
    String in = local ? null : pick(ifaces);
    String out;
    if (hostModel) {
      out = null;
    } else if (local) {
      out = pick(ifaces);
    } else {
      out = rnd.nextInt(3) == 0 ? null : pick(ifaces);
    }
    ConnState[] states = {ConnState.NEW, ConnState.NEW, ConnState.ESTABLISHED,
        ConnState.RELATED, ConnState.INVALID};
    ConnState state = states[rnd.nextInt(states.length)];
    long mark = rnd.nextInt(3) == 0 ? pick(marks) : 0;
    long ctmark = rnd.nextInt(4) == 0 ? pick(marks) : 0;
    int tos = rnd.nextInt(3) == 0 ? pick(toses) : 0;
    int length = rnd.nextInt(3) == 0 ? pick(lengths) : Packet.defaultLength(f, proto);
    int ttl = rnd.nextInt(3) == 0 ? pick(ttls) : 64;
    boolean frag = f == Family.IPV4 && rnd.nextInt(12) == 0;
    int seq = rnd.nextInt(3) == 0 ? rnd.nextInt(7) : 0;
    long random = rnd.nextInt(4) == 0 ? pick(randoms) : 0;
    return new Packet(f, src, dst, proto, sport, dport, type, code, flags, in, out, state, mark,
        ctmark, tos, length, ttl, frag, seq, random);
  }

  private IpAddr addr(Family f) {
    List<IpAddr> pool = f == Family.IPV4 ? v4 : v6;
    if (rnd.nextInt(4) != 0 && !pool.isEmpty()) {
      return pick(pool);
    }
    if (f == Family.IPV4) {
      return IpAddr.v4(rnd.nextLong() & 0xffffffffL);
    }
    return IpAddr.v6(rnd.nextLong(), rnd.nextLong());
  }

  /** An unusual IPv6 source: one of {@link #UNUSUAL_V6_SOURCES}, or v4-mapped. */
  private IpAddr unusualV6Source() {
    int i = rnd.nextInt(UNUSUAL_V6_SOURCES.size() + 3);
    if (i < UNUSUAL_V6_SOURCES.size()) {
      return UNUSUAL_V6_SOURCES.get(i);
    }
    // ::ffff:a.b.c.d, of an IPv4 address the policy names or of any
    IpAddr v4addr = addr(Family.IPV4);
    return IpAddr.v6(0, 0xffff00000000L | v4addr.lo());
  }

  private int port() {
    return rnd.nextInt(4) != 0 ? pick(ports) : rnd.nextInt(65536);
  }

  private <T> T pick(List<T> l) {
    return l.get(rnd.nextInt(l.size()));
  }
}
