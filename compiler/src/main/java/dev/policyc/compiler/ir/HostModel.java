package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host's interfaces, addresses and routes, as the interpreter needs them for routing and
 * address types. Connected subnets route out of their interface; explicit routes add to them;
 * the longest prefix wins, connected routes first among equals.
 */
public record HostModel(boolean forwarding, List<Iface> ifaces, List<Route> routes) {
  public HostModel {
    ifaces = List.copyOf(ifaces);
    routes = List.copyOf(routes);
  }

  /** An interface and its addresses. */
  public record Iface(String name, List<IfAddr> addrs) {
    public Iface {
      addrs = List.copyOf(addrs);
    }
  }

  /** An address of an interface with the prefix length of its subnet. */
  public record IfAddr(IpAddr addr, int prefixLength) {
    public IpRange subnet() {
      return IpRange.prefix(addr, prefixLength);
    }
  }

  /** A route to a prefix through an optional gateway out of a device. */
  public record Route(IpRange dst, IpAddr via, String dev) {}

  /** The result of a route lookup: the output device and the next hop. */
  public record Hop(String dev, IpAddr nextHop, boolean local) {}

  public Optional<Iface> iface(String name) {
    return ifaces.stream().filter(i -> i.name().equals(name)).findFirst();
  }

  /**
   * True when packets to the address are delivered to this host: its addresses, loopback, and
   * (IPv6, forwarding) the subnet-router anycast addresses.
   */
  public boolean isLocal(IpAddr a) {
    return hasAddress(a) || isAnycast(a);
  }

  /**
   * True for an address assigned to an interface: the model's addresses, and loopback's
   * 127.0.0.1 and ::1 (not the rest of 127.0.0.0/8). The routing code refuses these as the
   * source of an arriving packet (inet_lookup_ifaddr_rcu in fib_validate_source).
   */
  public boolean isAssigned(IpAddr a) {
    if (a.equals(Netfilter.V4_LOCALHOST) || a.equals(Netfilter.V6_LOOPBACK)) {
      return true;
    }
    for (Iface i : ifaces) {
      for (IfAddr ia : i.addrs()) {
        if (ia.addr().equals(a)) {
          return true;
        }
      }
    }
    return false;
  }

  /** True for an address of this host or loopback: what addrtype calls LOCAL. */
  public boolean hasAddress(IpAddr a) {
    if (a.family() == Family.IPV4 && Netfilter.V4_LOOPBACK.contains(a)) {
      return true;
    }
    if (a.family() == Family.IPV6 && a.equals(Netfilter.V6_LOOPBACK)) {
      return true;
    }
    for (Iface i : ifaces) {
      for (IfAddr ia : i.addrs()) {
        if (ia.addr().equals(a)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A forwarding IPv6 host answers the subnet-router anycast address of each prefix
   * (addrconf_join_anycast; not for /127 and /128, RFC 6164). Its route is RTF_ANYCAST, not
   * RTF_LOCAL, so addrtype does not call it LOCAL.
   */
  public boolean isAnycast(IpAddr a) {
    if (!forwarding || a.family() != Family.IPV6) {
      return false;
    }
    for (Iface i : ifaces) {
      for (IfAddr ia : i.addrs()) {
        if (ia.addr().family() == Family.IPV6 && ia.prefixLength() < 127
            && ia.subnet().first().equals(a)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The IPv6 multicast groups the host has joined: all-nodes, all-routers when it forwards, and
   * the solicited-node group of each address.
   */
  public boolean joinedV6(IpAddr group) {
    if (group.equals(Netfilter.V6_ALL_NODES) || group.equals(IpAddr.parse("ff01::1"))) {
      return true;
    }
    if (forwarding && (group.equals(IpAddr.parse("ff02::2")) || group.equals(IpAddr.parse(
        "ff01::2")) || group.equals(IpAddr.parse("ff05::2")))) {
      return true;
    }
    IpRange solicited = IpRange.parse("ff02::1:ff00:0/104");
    if (solicited.contains(group)) {
      for (Iface i : ifaces) {
        for (IfAddr ia : i.addrs()) {
          if (ia.addr().family() == Family.IPV6
              && (ia.addr().lo() & 0xffffffL) == (group.lo() & 0xffffffL)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * True for 255.255.255.255, 0.0.0.0 and the broadcast address of an IPv4 subnet of this host
   * (the rest of 0.0.0.0/8 is unicast since Linux 5.3).
   */
  public boolean isBroadcast(IpAddr a) {
    if (a.family() != Family.IPV4) {
      return false;
    }
    if (a.lo() == 0xffffffffL || a.isMin()) {
      return true;
    }
    if (a.equals(Netfilter.V4_LOOPBACK_BROADCAST)) {
      return true;
    }
    for (Iface i : ifaces) {
      for (IfAddr ia : i.addrs()) {
        if (ia.addr().family() == Family.IPV4
            && ia.prefixLength() < 31
            && ia.subnet().last().equals(a)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Where a packet to {@code dst} goes: local delivery, or a device and next hop; empty if none. */
  public Optional<Hop> route(IpAddr dst) {
    if (isLocal(dst)) {
      return Optional.of(new Hop("lo", dst, true));
    }
    return lookup(dst).map(r -> new Hop(r.dev(), r.via() == null ? dst : r.via(), false));
  }

  /**
   * The route the longest-prefix lookup picks for {@code dst} among the connected subnets and the
   * declared routes (connected first among equal prefixes), local addresses aside; empty if
   * none.
   */
  public Optional<Route> lookup(IpAddr dst) {
    List<Route> table = new ArrayList<>();
    for (Iface i : ifaces) {
      for (IfAddr ia : i.addrs()) {
        table.add(new Route(ia.subnet(), null, i.name()));
      }
    }
    table.addAll(routes);
    Route best = null;
    int bestLen = -1;
    for (Route r : table) {
      if (r.dst().contains(dst)) {
        int len = r.dst().prefixLength();
        if (len > bestLen) {
          best = r;
          bestLen = len;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The source address MASQUERADE gives a packet leaving {@code dev} for {@code nextHop} (and,
   * in the end, {@code dst}); empty when the host has none to give.
   *
   * <p>IPv4 ({@code inet_select_addr} with universe scope): the first primary address of the
   * device whose subnet holds the next hop, else the device's first primary address; a device
   * without one (loopback's 127.0.0.1 is host scope) borrows the first primary address of the
   * first device that has one, in the order the model lists them (the kernel's device order
   * when the interfaces were created in that order).
   *
   * <p>IPv6 ({@code ipv6_dev_get_saddr}, RFC 6724): the candidates are the addresses of every
   * device, or of {@code dev} only when the destination is multicast or link-local (or loopback);
   * the best is the destination itself, then one of a scope that fits the destination's, then one
   * on {@code dev}, then one with the destination's label, then the one sharing the longest
   * prefix with the destination (at most its own prefix length). The first best wins; on one
   * device the address added last comes first, as the kernel lists it.
   */
  public Optional<IpAddr> masqueradeSource(String dev, IpAddr nextHop, IpAddr dst) {
    return nextHop.family() == Family.IPV4 ? selectV4(dev, nextHop) : selectV6(dev, dst);
  }

  private Optional<IpAddr> selectV4(String dev, IpAddr nextHop) {
    List<IfAddr> own = iface(dev).map(HostModel::primariesV4).orElse(List.of());
    for (IfAddr ia : own) {
      if (ia.subnet().contains(nextHop)) {
        return Optional.of(ia.addr());
      }
    }
    if (!own.isEmpty()) {
      return Optional.of(own.get(0).addr());
    }
    for (Iface i : ifaces) {
      List<IfAddr> p = primariesV4(i);
      if (!p.isEmpty()) {
        return Optional.of(p.get(0).addr());
      }
    }
    return Optional.empty();
  }

  /**
   * The universe-scope primary IPv4 addresses of an interface: not 127.0.0.0/8 (host scope), and
   * not a secondary (an address in the subnet of an earlier one with the same prefix length).
   */
  private static List<IfAddr> primariesV4(Iface i) {
    List<IfAddr> out = new ArrayList<>();
    List<IfAddr> seen = new ArrayList<>();
    IpRange loopback = Netfilter.V4_LOOPBACK;
    for (IfAddr ia : i.addrs()) {
      if (ia.addr().family() != Family.IPV4) {
        continue;
      }
      boolean secondary = seen.stream().anyMatch(
          e -> e.prefixLength() == ia.prefixLength() && e.subnet().contains(ia.addr()));
      seen.add(ia);
      if (!secondary && !loopback.contains(ia.addr())) {
        out.add(ia);
      }
    }
    return out;
  }

  private Optional<IpAddr> selectV6(String dev, IpAddr dst) {
    int dstScope = scopeV6(dst);
    boolean oifOnly = dstScope <= 2 || (dst.hi() >>> 56) == 0xff;
    List<Iface> devices = new ArrayList<>();
    devices.add(new Iface("lo", List.of(new IfAddr(Netfilter.V6_LOOPBACK, 128))));
    for (Iface i : ifaces) {
      if (!i.name().equals("lo")) {
        devices.add(i);
      }
    }
    IfAddr best = null;
    long[] bestScore = null;
    for (Iface i : devices) {
      if (oifOnly && !i.name().equals(dev)) {
        continue;
      }
      List<IfAddr> v6 = new ArrayList<>();
      for (IfAddr ia : i.addrs()) {
        if (ia.addr().family() == Family.IPV6 && !ia.addr().isMin()
            && (ia.addr().hi() >>> 56) != 0xff) {
          v6.add(0, ia); // the kernel lists the newest first (among equal scopes)
        }
      }
      v6.sort(java.util.Comparator.comparingInt(ia -> -scopeV6(ia.addr())));
      for (IfAddr ia : v6) {
        long[] score = scoreV6(ia, i.name().equals(dev), dst, dstScope);
        if (bestScore == null || java.util.Arrays.compare(score, bestScore) > 0) {
          best = ia;
          bestScore = score;
        }
      }
    }
    return Optional.ofNullable(best).map(IfAddr::addr);
  }

  /**
   * The address REDIRECT gives a packet arriving on {@code iface} for {@code dst}: IPv4, the
   * interface's first address (nf_nat_redirect_ipv4); IPv6, the first address in the kernel's
   * list for the interface (by scope, newest first) whose scope is the destination's
   * (nf_nat_redirect_ipv6 since Linux 6.6). Empty when there is none: the kernel drops the
   * packet.
   */
  public Optional<IpAddr> redirectTarget(String iface, IpAddr dst) {
    Optional<Iface> i = iface(iface);
    if (i.isEmpty()) {
      return Optional.empty();
    }
    if (dst.family() == Family.IPV4) {
      return i.get().addrs().stream().map(IfAddr::addr)
          .filter(a -> a.family() == Family.IPV4).findFirst();
    }
    List<IfAddr> v6 = new ArrayList<>();
    for (IfAddr ia : i.get().addrs()) {
      if (ia.addr().family() == Family.IPV6) {
        v6.add(0, ia);
      }
    }
    v6.sort(java.util.Comparator.comparingInt(ia -> -scopeV6(ia.addr())));
    int want = addrScope(dst);
    return v6.stream().map(IfAddr::addr).filter(a -> addrScope(a) == want).findFirst();
  }

  /**
   * ipv6_addr_scope: the scope bits of __ipv6_addr_type, by which an address is host
   * (loopback), link-local, site-local or global; multicast by its scope field, where only
   * interface-, link- and site-local scopes are told apart.
   */
  static int addrScope(IpAddr a) {
    int s;
    if ((a.hi() >>> 56) == 0xff) {
      s = (int) ((a.hi() >>> 48) & 0xf);
    } else if (a.hi() == 0 && a.lo() == 1) {
      s = 1;
    } else if ((a.hi() >>> 54) == (0xfe80L >>> 6)) {
      s = 2;
    } else if ((a.hi() >>> 54) == (0xfec0L >>> 6)) {
      s = 5;
    } else {
      s = 14;
    }
    return switch (s) {
      case 1, 2, 5 -> s;
      default -> 14;
    };
  }

  /** The RFC 6724 rules Linux applies, as a vector compared left to right, higher is better. */
  private static long[] scoreV6(IfAddr cand, boolean onDev, IpAddr dst, int dstScope) {
    int scope = scopeV6(cand.addr());
    long scopeScore = scope >= dstScope ? -scope : scope - 128;
    long label = labelV6(cand.addr()) == labelV6(dst) ? 1 : 0;
    int common = Long.numberOfLeadingZeros(cand.addr().hi() ^ dst.hi());
    if (common == 64) {
      common += Long.numberOfLeadingZeros(cand.addr().lo() ^ dst.lo());
    }
    return new long[] {cand.addr().equals(dst) ? 1 : 0, scopeScore, onDev ? 1 : 0, label,
        Math.min(common, cand.prefixLength())};
  }

  /** The scope Linux gives an IPv6 address as a source (ipv6_addr_src_scope). */
  static int scopeV6(IpAddr a) {
    if ((a.hi() >>> 56) == 0xff) {
      return (int) ((a.hi() >>> 48) & 0xf);
    }
    if (a.hi() == 0 && a.lo() == 1) {
      return 2; // loopback counts as link-local
    }
    if ((a.hi() >>> 54) == (0xfe80L >>> 6)) {
      return 2;
    }
    if ((a.hi() >>> 54) == (0xfec0L >>> 6)) {
      return 5;
    }
    return 14;
  }

  /** The label of the default policy table (ip addrlabel, RFC 6724 section 2.1). */
  static int labelV6(IpAddr a) {
    String[][] table = {
        {"::1/128", "0"}, {"::ffff:0.0.0.0/96", "4"}, {"2001::/32", "6"}, {"2001:10::/28", "7"},
        {"2001:20::/28", "7"}, {"2002::/16", "2"}, {"3ffe::/16", "12"}, {"fc00::/7", "5"},
        {"fec0::/10", "11"}, {"::/96", "3"}};
    int best = 1;
    int bestLen = -1;
    for (String[] row : table) {
      IpRange r = IpRange.parse(row[0]);
      if (r.contains(a) && r.prefixLength() > bestLen) {
        best = Integer.parseInt(row[1]);
        bestLen = r.prefixLength();
      }
    }
    return best;
  }
}
