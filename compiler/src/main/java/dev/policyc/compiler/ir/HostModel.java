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

  /** True for an address of this host or loopback: what addrtype calls LOCAL. */
  public boolean hasAddress(IpAddr a) {
    if (a.family() == Family.IPV4 && IpRange.parse("127.0.0.0/8").contains(a)) {
      return true;
    }
    if (a.family() == Family.IPV6 && a.equals(IpAddr.parse("::1"))) {
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
    if (group.equals(IpAddr.parse("ff02::1")) || group.equals(IpAddr.parse("ff01::1"))) {
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
    if (a.equals(IpAddr.parse("127.255.255.255"))) {
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
    if (best == null) {
      return Optional.empty();
    }
    return Optional.of(new Hop(best.dev(), best.via() == null ? dst : best.via(), false));
  }

  /**
   * The source address the host picks on {@code dev} to reach {@code nextHop}: the first address
   * of the family whose subnet holds the next hop, else the first of the family.
   */
  public Optional<IpAddr> sourceAddress(String dev, IpAddr nextHop) {
    Optional<Iface> i = iface(dev);
    if (i.isEmpty()) {
      return Optional.empty();
    }
    IpAddr first = null;
    for (IfAddr ia : i.get().addrs()) {
      if (ia.addr().family() != nextHop.family()) {
        continue;
      }
      if (ia.subnet().contains(nextHop)) {
        return Optional.of(ia.addr());
      }
      if (first == null) {
        first = ia.addr();
      }
    }
    return Optional.ofNullable(first);
  }
}
