package dev.policyc.compiler.testing;

import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Random host models: one to three interfaces named like real ones (and like the names the random
 * policies match), IPv4 and IPv6 subnets from /16 to single addresses, a second address now and
 * then, default routes through a gateway or straight out of a device, more specific routes, and
 * hosts that do not forward. Every model is one the kernel accepts: subnets do not overlap,
 * gateways lie in a connected subnet of their device, and no route repeats a connected prefix.
 */
public final class RandomHostModels {
  /** Interface names: those the random policies match (eth0, eth1, wan0, veth+) and others. */
  static final String[] NAMES = {"eth0", "eth1", "wan0", "lan0", "veth7", "dmz0"};

  private static final int[] V4_PREFIXES = {16, 24, 24, 27, 29, 30, 31, 32};
  private static final int[] V6_PREFIXES = {64, 64, 112, 120, 126, 127, 128};

  private final Random rnd;

  public RandomHostModels(Random rnd) {
    this.rnd = rnd;
  }

  public HostModel next() {
    int n = switch (rnd.nextInt(10)) {
      case 0 -> 1;
      case 1, 2, 3, 4, 5, 6 -> 2;
      default -> 3;
    };
    List<String> names = new ArrayList<>(List.of(NAMES));
    Collections.shuffle(names, rnd);
    List<HostModel.Iface> ifaces = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<HostModel.IfAddr> addrs = new ArrayList<>();
      if (rnd.nextInt(10) != 0) {
        addrs.add(v4(i, 0));
        if (rnd.nextInt(8) == 0) {
          addrs.add(v4(i, 1));
        }
      }
      if (rnd.nextInt(5) != 0) {
        addrs.add(v6(i, 0));
        if (rnd.nextInt(8) == 0) {
          addrs.add(v6(i, 1));
        }
      }
      ifaces.add(new HostModel.Iface(names.get(i), addrs));
    }
    List<HostModel.Route> routes = new ArrayList<>();
    for (Family f : Family.values()) {
      if (rnd.nextInt(7) != 0) {
        route(ifaces, f, IpRange.all(f)).ifPresent(routes::add);
      }
      if (rnd.nextInt(3) == 0) {
        IpRange dst = f == Family.IPV4
            ? IpRange.prefix(IpAddr.v4(0xac100000L | (rnd.nextInt(16) << 16)), 8 + rnd.nextInt(17))
            : IpRange.prefix(IpAddr.v6(0x20010db8ff000000L | ((long) rnd.nextInt(256) << 16), 0),
                32 + rnd.nextInt(49));
        route(ifaces, f, dst).ifPresent(r -> {
          if (ifaces.stream().flatMap(i -> i.addrs().stream())
              .noneMatch(a -> a.subnet().equals(r.dst()))
              && routes.stream().noneMatch(o -> o.dst().equals(r.dst()))) {
            routes.add(r);
          }
        });
      }
    }
    return new HostModel(rnd.nextInt(7) != 0, ifaces, routes);
  }

  /**
   * A route to {@code dst} through a gateway in a connected subnet of the family, or (when the
   * chosen subnet has no room for one, and now and then anyway) straight out of the device.
   */
  private java.util.Optional<HostModel.Route> route(List<HostModel.Iface> ifaces, Family f,
      IpRange dst) {
    List<HostModel.Iface> withFamily = ifaces.stream()
        .filter(i -> i.addrs().stream().anyMatch(a -> a.addr().family() == f)).toList();
    if (withFamily.isEmpty()) {
      return java.util.Optional.empty();
    }
    HostModel.Iface i = withFamily.get(rnd.nextInt(withFamily.size()));
    HostModel.IfAddr a = i.addrs().stream().filter(x -> x.addr().family() == f).findFirst()
        .orElseThrow();
    IpAddr gw = gateway(a);
    if (gw == null || rnd.nextInt(6) == 0) {
      return java.util.Optional.of(new HostModel.Route(dst, null, i.name()));
    }
    return java.util.Optional.of(new HostModel.Route(dst, gw, i.name()));
  }

  /** Another host of the address's subnet, or null for a single-address subnet. */
  private static IpAddr gateway(HostModel.IfAddr a) {
    IpRange net = a.subnet();
    if (net.first().equals(net.last())) {
      return null;
    }
    boolean pair = a.prefixLength() == IpAddr.bits(a.addr().family()) - 1;
    IpAddr first = pair ? net.first() : net.first().plus(1);
    IpAddr gw = first.equals(a.addr()) ? first.plus(1) : first;
    return net.contains(gw) && !gw.equals(net.last()) || pair ? gw : null;
  }

  /** An IPv4 address in block {@code 10.(iface*64 + k*32 + ...).0.0}: blocks never overlap. */
  private HostModel.IfAddr v4(int iface, int k) {
    int prefix = V4_PREFIXES[rnd.nextInt(V4_PREFIXES.length)];
    long base = 0x0a000000L | ((long) (iface * 64 + k * 32 + rnd.nextInt(32)) << 16)
        | (rnd.nextInt(1 << 16));
    IpRange net = IpRange.prefix(IpAddr.v4(base), prefix);
    return new HostModel.IfAddr(host(net, prefix, 32), prefix);
  }

  /** An IPv6 address in {@code 2001:db8:<iface><k>xx::/48}: blocks never overlap. */
  private HostModel.IfAddr v6(int iface, int k) {
    int prefix = V6_PREFIXES[rnd.nextInt(V6_PREFIXES.length)];
    long hi = 0x20010db800000000L | ((long) (iface * 16 + k * 8 + rnd.nextInt(8)) << 24)
        | ((long) rnd.nextInt(1 << 16));
    IpRange net = IpRange.prefix(IpAddr.v6(hi, rnd.nextLong()), prefix);
    return new HostModel.IfAddr(host(net, prefix, 128), prefix);
  }

  /**
   * A host address of the subnet: not its first address (the IPv4 network, the IPv6
   * subnet-router anycast) nor, for IPv4, its broadcast; either of a pair; the one of a single.
   */
  private IpAddr host(IpRange net, int prefix, int bits) {
    if (prefix >= bits - 1) {
      return prefix == bits || rnd.nextBoolean() ? net.first() : net.last();
    }
    int hostBits = Math.min(bits - prefix, 16);
    long span = (1L << hostBits) - 2;
    return net.first().plus(1 + Math.floorMod(rnd.nextLong(), span));
  }
}
