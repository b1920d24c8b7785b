package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Host;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.path.RoutePath;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Lowers the host description to the {@link HostModel}: interfaces with their addresses, and
 * routes, refusing what {@code ip address} and {@code ip route} would refuse.
 */
final class HostLowering {
  private final LowerContext ctx;

  HostLowering(LowerContext ctx) {
    this.ctx = ctx;
  }

  HostModel lower(Host h) {
    List<HostModel.Iface> ifaces = new ArrayList<>();
    Set<String> badAddresses = new HashSet<>();
    h.interfaces().forEach((name, addrs) -> {
      SourcePos pos = ctx.at(PolicyPath.host().interfaces(name));
      ctx.groups().checkIfaceName(name, pos);
      List<HostModel.IfAddr> out = new ArrayList<>();
      for (int i = 0; i < addrs.size(); i++) {
        String a = addrs.get(i);
        SourcePos ap = ctx.at(PolicyPath.host().interfaces(name, i));
        int slash = a.indexOf('/');
        try {
          if (slash < 0) {
            throw new IllegalArgumentException("'" + a + "' needs a prefix length, such as /24");
          }
          IpAddr addr = IpAddr.parse(a.substring(0, slash));
          IpRange.parse(a); // checks the prefix length
          out.add(new HostModel.IfAddr(addr, Integer.parseInt(a.substring(slash + 1))));
        } catch (IllegalArgumentException e) {
          ctx.report(Code.PC2015, ap, "invalid interface address: " + e.getMessage());
          badAddresses.add(name);
        }
      }
      ifaces.add(new HostModel.Iface(name, out));
    });
    List<HostModel.Route> routes = new ArrayList<>();
    for (int i = 0; i < h.routes().size(); i++) {
      Host.Route r = h.routes().get(i);
      RoutePath p = PolicyPath.host().routes(i);
      int before = routes.size();
      route(h, r, p, routes);
      for (HostModel.Route added : routes.subList(before, routes.size())) {
        checkRoute(added, routes.subList(0, before), ifaces, badAddresses, p);
      }
    }
    return new HostModel(h.forwarding(), ifaces, routes);
  }

  /**
   * Adds the routes of one route of the policy (two for a default route without a gateway, one
   * per family); none when its destination or gateway is invalid, reported where it is written.
   */
  private void route(Host h, Host.Route r, RoutePath p, List<HostModel.Route> routes) {
    IpAddr via;
    try {
      via = r.via() == null ? null : IpAddr.parse(r.via());
    } catch (IllegalArgumentException e) {
      ctx.report(Code.PC2015, p.via(), "invalid route: " + e.getMessage());
      return;
    }
    if (!h.interfaces().containsKey(r.dev())) {
      ctx.report(Code.PC2015, p.dev(),
          "route device '" + r.dev() + "' is not an interface of the host");
    }
    if (r.to().equals("default")) {
      if (via == null || via.family() == Family.IPV4) {
        routes.add(new HostModel.Route(IpRange.all(Family.IPV4), via, r.dev()));
      }
      if (via == null || via.family() == Family.IPV6) {
        routes.add(new HostModel.Route(IpRange.all(Family.IPV6), via, r.dev()));
      }
      return;
    }
    IpRange dst;
    try {
      dst = IpRange.parse(r.to());
    } catch (IllegalArgumentException e) {
      ctx.report(Code.PC2015, p.to(), "invalid route: " + e.getMessage());
      return;
    }
    if (!dst.isPrefix()) {
      ctx.report(Code.PC2015, p.to(),
          "invalid route: route destination '" + r.to() + "' is not a prefix");
    } else if (via != null && via.family() != dst.family()) {
      ctx.report(Code.PC2015, p.via(),
          "invalid route: gateway " + via + " is not of the route's family");
    } else {
      routes.add(new HostModel.Route(dst, via, r.dev()));
    }
  }

  /**
   * What the kernel would refuse: a second route to the same prefix ({@code ip route add} says
   * "File exists"), and a gateway outside every subnet of its device ("Nexthop has invalid
   * gateway"; an IPv6 link-local gateway is on every link).
   */
  private void checkRoute(HostModel.Route r, List<HostModel.Route> earlier,
      List<HostModel.Iface> ifaces, Set<String> badAddresses, RoutePath p) {
    if (earlier.stream().anyMatch(e -> e.dst().equals(r.dst()))) {
      ctx.report(Code.PC2015, p, "invalid route: a second route to " + r.dst()
          + "; the kernel takes one route per prefix");
    }
    IpAddr via = r.via();
    if (via == null || badAddresses.contains(r.dev())
        || (via.family() == Family.IPV6 && Netfilter.V6_LINK_LOCAL.contains(via))) {
      return;
    }
    boolean onLink = ifaces.stream().filter(i -> i.name().equals(r.dev()))
        .flatMap(i -> i.addrs().stream())
        .anyMatch(a -> a.addr().family() == via.family() && a.subnet().contains(via)
            && !a.addr().equals(via));
    if (!onLink && ifaces.stream().anyMatch(i -> i.name().equals(r.dev()))) {
      ctx.report(Code.PC2015, p.via(), "invalid route: gateway " + via
          + " is not in a subnet of " + r.dev() + "; the kernel refuses it");
    }
  }
}
