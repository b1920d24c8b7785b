package dev.policyc.compiler.interp;

import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.dsl.Family;
import java.util.Optional;

/**
 * The kernel's routing decisions for a packet under a host model, or as the packet itself says
 * without one: martian checks, local delivery, forwarding and the route of a packet the host
 * sends. It changes nothing; everything a decision depends on is an argument. See "Routing" in
 * {@code docs/semantics.md}.
 */
final class Routing {
  private static final Route MARTIAN = new Route.Refused(Outcome.MARTIAN);

  /** The host model, or null when packets say where they go. */
  private final HostModel host;

  /** Whether there is a host model (which routes a packet to an IPVS real server). */
  boolean hasHost() {
    return host != null;
  }

  Routing(HostModel host) {
    this.host = host;
  }

  /**
   * ip6_rcv_core: an IPv6 packet arriving off {@code lo} with a multicast or loopback source, a
   * loopback destination, or a multicast destination of scope 0 (reserved) or 1
   * (interface-local), is dropped before any hook. A v4-mapped source is not: Linux 5.3 dropped
   * it here, and "ipv6: weaken the v4mapped source check" (5.12, backported to 5.4) moved the
   * check into TCP's connection setup, after netfilter (an outside check of {@code explain}
   * against the kernel saw ip6tables INPUT accept such packets).
   */
  static boolean v6Martian(Packet pkt, String inIf) {
    if (pkt.family() != Family.IPV6 || "lo".equals(inIf)) {
      return false;
    }
    IpAddr d = pkt.dst();
    long scope = (d.hi() >>> 48) & 0xf;
    return Netfilter.V6_MULTICAST.contains(pkt.src()) || pkt.src().equals(Netfilter.V6_LOOPBACK)
        || d.equals(Netfilter.V6_LOOPBACK)
        || (Netfilter.V6_MULTICAST.contains(d) && scope <= 1);
  }

  /**
   * ip6_forward: a forwarded IPv6 packet whose source is unspecified or link-local ("this check
   * is security critical") is dropped after the hop-limit check and before the FORWARD hook,
   * unless it leaves by the interface it came in on (the kernel takes the redirect branch then,
   * which skips the check). A link-local source is also answered with an ICMPv6 "beyond scope
   * of source address"; multicast and loopback sources never get this far.
   */
  static boolean v6ForwardRefused(Packet pkt, String inIf, String outDev) {
    if (pkt.family() != Family.IPV6 || outDev.equals(inIf)) {
      return false;
    }
    IpAddr s = pkt.src();
    return s.isMin() || Netfilter.V6_LINK_LOCAL.contains(s) || Netfilter.V6_MULTICAST.contains(s)
        || s.equals(Netfilter.V6_LOOPBACK);
  }

  /**
   * The input route of a packet that arrived on {@code inIf}, after PREROUTING.
   *
   * @param toHost a REDIRECT made the destination the host's own
   */
  Route incoming(Packet pkt, String inIf, boolean toHost) {
    if (host == null) {
      if (toHost || pkt.out() == null) {
        return Route.LOCAL;
      }
      return new Route.Forward(pkt.out(), pkt.dst());
    }
    if (pkt.family() == Family.IPV4) {
      // A REDIRECT made the destination one of ours; the martian checks on the source
      // still apply (a packet claiming our own address as its source is dropped).
      Route r = v4(pkt, inIf);
      if (r != null) {
        return r;
      }
    } else if (toHost) {
      return Route.LOCAL;
    } else if (Netfilter.isMulticast(pkt.dst())) {
      return host.joinedV6(pkt.dst()) ? Route.LOCAL : MARTIAN;
    } else if (host.isLocal(pkt.dst())) {
      return Route.LOCAL;
    }
    Optional<HostModel.Hop> hop = host.route(pkt.dst());
    if (!host.forwarding()) {
      // IPv6 looks the route up first and discards a packet without one (ip6_pkt_discard);
      // IPv4 refuses to forward before the lookup matters (ip_route_input_slow)
      boolean noRoute = pkt.family() == Family.IPV6 && hop.isEmpty();
      return new Route.Refused(noRoute ? Outcome.NO_ROUTE : Outcome.NOT_FORWARDED);
    }
    if (hop.isEmpty()) {
      return new Route.Refused(Outcome.NO_ROUTE);
    }
    if (pkt.family() == Family.IPV4 && !"lo".equals(inIf)) {
      if (host.isAssigned(pkt.src())) {
        return MARTIAN; // __mkroute_input validates it
      }
      // Back out of the interface it came in on, fib_validate_source makes the full reverse
      // lookup (to decide on a redirect; send_redirects is on by default), and a source that
      // routes as broadcast is a martian.
      if (hop.get().dev().equals(inIf) && host.isBroadcast(pkt.src())) {
        return MARTIAN;
      }
    }
    return new Route.Forward(hop.get().dev(), hop.get().nextHop());
  }

  /**
   * IPv4 input routing up to the forwarding decision, in the order of ip_route_input_rcu and
   * ip_route_input_slow (rp_filter and accept_local off, route_localnet off): multicast
   * destinations (delivered only for joined groups), then martian sources and destinations,
   * broadcast and local delivery. Returns null when the packet is to be forwarded.
   */
  private Route v4(Packet pkt, String inIf) {
    IpAddr s = pkt.src();
    IpAddr d = pkt.dst();
    boolean lo = "lo".equals(inIf);
    boolean srcLocal = !lo && host.isAssigned(s); // fib_validate_source refuses our own address
    if (Netfilter.V4_MULTICAST.contains(d)) {
      if (!d.equals(Netfilter.V4_ALL_HOSTS)) {
        return MARTIAN; // not a group the host joined, and no multicast routing
      }
      if (Netfilter.V4_MULTICAST.contains(s) || s.lo() == 0xffffffffL
          || (!lo && Netfilter.V4_LOOPBACK.contains(s))) {
        return MARTIAN;
      }
      if (zeroNet(s)) {
        return Netfilter.V4_LOCAL_MULTICAST.contains(d) || pkt.proto() == 2 ? Route.LOCAL
            : MARTIAN;
      }
      return srcLocal ? MARTIAN : Route.LOCAL;
    }
    if (Netfilter.V4_MULTICAST.contains(s) || s.lo() == 0xffffffffL) {
      return MARTIAN;
    }
    if (d.lo() == 0xffffffffL || (s.isMin() && d.isMin())) {
      return !zeroNet(s) && srcLocal ? MARTIAN : Route.LOCAL;
    }
    if (zeroNet(s) || zeroNet(d)) {
      return MARTIAN;
    }
    if (!lo && (Netfilter.V4_LOOPBACK.contains(d) || Netfilter.V4_LOOPBACK.contains(s))) {
      return MARTIAN;
    }
    if (host.isLocal(d) || host.isBroadcast(d)) {
      return srcLocal ? MARTIAN : Route.LOCAL;
    }
    return null;
  }

  /**
   * ipv4_is_zeronet: only 0.0.0.0 itself since Linux 5.3 made the rest of 0.0.0.0/8 ordinary
   * unicast (the kernel oracle forwards such packets).
   */
  static boolean zeroNet(IpAddr a) {
    return a.isMin();
  }

  /**
   * The output route of a packet the host sends, before OUTPUT and again when nat OUTPUT changed
   * its destination.
   *
   * @param toHost a REDIRECT made the destination the host's own
   */
  Route outgoing(Packet pkt, boolean toHost) {
    if (host == null) {
      // The packet names its interface, but a REDIRECT (or DNAT to a loopback address) in nat
      // OUTPUT reroutes it to the host itself, whatever that interface was.
      boolean local = pkt.out().equals("lo") || toHost || Netfilter.isLoopback(pkt.dst());
      return local ? Route.LOCAL : new Route.Forward(pkt.out(), pkt.dst());
    }
    Optional<HostModel.Hop> hop = host.route(pkt.dst());
    if (hop.isEmpty()) {
      return new Route.Refused(Outcome.NO_ROUTE);
    }
    // the host's own destinations route by lo, with the destination as next hop
    return hop.get().local() ? Route.LOCAL
        : new Route.Forward(hop.get().dev(), hop.get().nextHop());
  }

  /**
   * Whether ip_route_me_harder fails for a packet the host sends: mangle OUTPUT changed its
   * mark or TOS, or nat OUTPUT its destination, and the new route lookup keeps the packet's
   * own source when it is a local or unicast one; an IPv4 loopback source off a loopback device
   * is refused (__mkroute_output), and the hook drops the packet.
   */
  static boolean reroutingFails(Packet pkt, Route route) {
    // 127.255.255.255 is a broadcast address: the lookup goes without a source and succeeds
    return pkt.family() == Family.IPV4 && Netfilter.isLoopback(pkt.src())
        && !(route instanceof Route.Local)
        && !pkt.src().equals(Netfilter.V4_LOOPBACK_BROADCAST);
  }

  /** The device a routed packet leaves by: {@code lo} for the host itself. */
  static String device(Route route) {
    if (route instanceof Route.Local) {
      return "lo";
    } else if (route instanceof Route.Forward f) {
      return f.dev();
    } else if (route instanceof Route.Refused) {
      throw new IllegalArgumentException("a refused packet leaves by no device");
    }
    throw new AssertionError("unknown route " + route);
  }

  /** The next hop of a routed packet to {@code dst}: the destination itself for the host. */
  static IpAddr nextHop(Route route, IpAddr dst) {
    if (route instanceof Route.Local) {
      return dst;
    } else if (route instanceof Route.Forward f) {
      return f.nextHop();
    } else if (route instanceof Route.Refused) {
      throw new IllegalArgumentException("a refused packet has no next hop");
    }
    throw new AssertionError("unknown route " + route);
  }
}
