package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Routing decisions on their own, from a host model (or none) and a packet, without rules.
 * Expected values follow {@code docs/semantics.md} ("Routing") and the kernel functions cited
 * in {@link Routing}.
 */
class RoutingTest {
  /** A router: eth0 upstream (default route), eth1 a LAN; IPv6 on eth0 without a default. */
  private static HostModel router(boolean forwarding) {
    return new HostModel(forwarding,
        List.of(new HostModel.Iface("eth0", List.of(addr("192.0.2.10", 24),
                addr("2001:db8::10", 64))),
            new HostModel.Iface("eth1", List.of(addr("10.0.0.1", 24)))),
        List.of(new HostModel.Route(IpRange.parse("0.0.0.0/0"), IpAddr.parse("192.0.2.1"),
            "eth0")));
  }

  private static final Routing ROUTER = new Routing(router(true));
  private static final Routing NO_HOST = new Routing(null);
  private static final Route MARTIAN = new Route.Refused(Outcome.MARTIAN);

  private static HostModel.IfAddr addr(String a, int prefix) {
    return new HostModel.IfAddr(IpAddr.parse(a), prefix);
  }

  private static Route in(Routing r, String packet) {
    Packet p = Packet.parse(packet);
    return r.incoming(p, p.in(), false);
  }

  private static Route forward(String dev, String nextHop) {
    return new Route.Forward(dev, IpAddr.parse(nextHop));
  }

  @Test
  void aV4PacketFromTheZeroAddressToAUnicastAddressIsAMartian() {
    assertEquals(MARTIAN, in(ROUTER, "udp 0.0.0.0:68 -> 192.0.2.99:67 in eth0"));
    assertEquals(MARTIAN, in(ROUTER, "udp 0.0.0.0:68 -> 192.0.2.10:67 in eth0"));
  }

  @Test
  void theZeroAddressMayBroadcast() {
    // a DHCP discover: 0.0.0.0 to the limited broadcast address is delivered
    assertEquals(Route.LOCAL, in(ROUTER, "udp 0.0.0.0:68 -> 255.255.255.255:67 in eth1"));
  }

  @Test
  void arrivingWithOneOfOurAddressesAsSourceIsAMartian() {
    assertEquals(MARTIAN, in(ROUTER, "tcp 192.0.2.10:1 -> 10.0.0.5:80 in eth1"));
    assertEquals(MARTIAN, in(ROUTER, "tcp 10.0.0.5:1 -> 127.0.0.1:80 in eth1")); // off lo
  }

  @Test
  void ourAddressesAreDeliveredAndTheRestRoutedByTheLongestPrefix() {
    assertEquals(Route.LOCAL, in(ROUTER, "tcp 10.0.0.5:1 -> 192.0.2.10:80 in eth1"));
    assertEquals(Route.LOCAL, in(ROUTER, "udp 10.0.0.5:1 -> 10.0.0.255:9 in eth1")); // broadcast
    assertEquals(forward("eth0", "192.0.2.1"),
        in(ROUTER, "tcp 10.0.0.5:1 -> 198.51.100.1:80 in eth1"));
    assertEquals(forward("eth0", "192.0.2.77"),
        in(ROUTER, "tcp 10.0.0.5:1 -> 192.0.2.77:80 in eth1")); // on-link: next hop is dst
  }

  @Test
  void aHostThatDoesNotForwardRefusesV4AndV6WithoutARouteIsNoRoute() {
    Routing host = new Routing(router(false));
    assertEquals(new Route.Refused(Outcome.NOT_FORWARDED),
        in(host, "tcp 10.0.0.5:1 -> 198.51.100.1:80 in eth1"));
    assertEquals(new Route.Refused(Outcome.NOT_FORWARDED),
        in(host, "tcp [2001:db8::5]:1 -> [2001:db8::6]:80 in eth0"));
    assertEquals(new Route.Refused(Outcome.NO_ROUTE),
        in(host, "tcp [2001:db8::5]:1 -> [2001:db8:ffff::1]:80 in eth0"));
    assertEquals(new Route.Refused(Outcome.NO_ROUTE),
        in(ROUTER, "tcp [2001:db8::5]:1 -> [2001:db8:ffff::1]:80 in eth0"));
  }

  @Test
  void aRedirectDeliversLocallyButV4MartianChecksStillApply() {
    Packet v6 = Packet.parse("tcp [2001:db8::5]:1 -> [2001:db8:ffff::1]:80 in eth0");
    assertEquals(Route.LOCAL, ROUTER.incoming(v6, "eth0", true));
    Packet ownSource = Packet.parse("tcp 192.0.2.10:1 -> 192.0.2.10:80 in eth1");
    assertEquals(MARTIAN, ROUTER.incoming(ownSource, "eth1", true));
  }

  @Test
  void withoutAHostModelThePacketSaysWhereItGoes() {
    assertEquals(Route.LOCAL, in(NO_HOST, "tcp 10.0.0.5:1 -> 198.51.100.1:80 in eth1"));
    assertEquals(forward("eth0", "198.51.100.1"),
        in(NO_HOST, "tcp 10.0.0.5:1 -> 198.51.100.1:80 in eth1 out eth0"));
    Packet p = Packet.parse("tcp 10.0.0.5:1 -> 198.51.100.1:80 in eth1 out eth0");
    assertEquals(Route.LOCAL, NO_HOST.incoming(p, "eth1", true));
  }

  @Test
  void outgoingRoutes() {
    Packet toUs = Packet.parse("tcp 192.0.2.10:1 -> 10.0.0.1:80");
    Packet out = Packet.parse("tcp 192.0.2.10:1 -> 198.51.100.1:80");
    Packet unroutable = Packet.parse("tcp [2001:db8::10]:1 -> [2001:db8:ffff::1]:80");
    assertEquals(Route.LOCAL, ROUTER.outgoing(toUs, false));
    assertEquals(forward("eth0", "192.0.2.1"), ROUTER.outgoing(out, false));
    assertEquals(new Route.Refused(Outcome.NO_ROUTE), ROUTER.outgoing(unroutable, false));

    Packet named = Packet.parse("tcp 10.0.0.1:1 -> 198.51.100.1:80 out eth0");
    assertEquals(forward("eth0", "198.51.100.1"), NO_HOST.outgoing(named, false));
    assertEquals(Route.LOCAL, NO_HOST.outgoing(named, true));
    assertEquals(Route.LOCAL,
        NO_HOST.outgoing(Packet.parse("tcp 10.0.0.1:1 -> 127.0.0.8:80 out eth0"), false));
    assertEquals(Route.LOCAL,
        NO_HOST.outgoing(Packet.parse("tcp 10.0.0.1:1 -> 198.51.100.1:80 out lo"), false));
  }

  @Test
  void reroutingALoopbackSourceOutOfAnotherDeviceFails() {
    Route eth0 = forward("eth0", "192.0.2.1");
    assertTrue(Routing.reroutingFails(Packet.parse("tcp 127.0.0.1:1 -> 8.8.8.8:53 out x"), eth0));
    assertFalse(Routing.reroutingFails(Packet.parse("tcp 127.0.0.1:1 -> 8.8.8.8:53 out x"),
        Route.LOCAL));
    assertFalse(Routing.reroutingFails(
        Packet.parse("tcp 127.255.255.255:1 -> 8.8.8.8:53 out x"), eth0)); // broadcast
    assertFalse(Routing.reroutingFails(Packet.parse("tcp [::1]:1 -> [2001:db8::1]:53 out x"),
        eth0));
  }

  @Test
  void v6MartiansAreDroppedOffLoopbackOnly() {
    Packet fromLoopback = Packet.parse("tcp [::1]:1 -> [2001:db8::10]:80 in eth0");
    assertTrue(Routing.v6Martian(fromLoopback, "eth0"));
    assertFalse(Routing.v6Martian(fromLoopback, "lo"));
    assertFalse(Routing.v6Martian(
        Packet.parse("tcp [::ffff:a00:1]:1 -> [2001:db8::10]:80 in eth0"), "eth0"),
        "v4-mapped sources reach the rules since Linux 5.12 (and 5.4)");
    assertFalse(Routing.v6Martian(Packet.parse("tcp 127.0.0.1:1 -> 10.0.0.1:80 in eth0"),
        "eth0"));
  }

  /** Every member of the sealed family has a sample, and the helpers answer each one. */
  @Test
  void everyRouteMemberIsHandled() {
    Map<Class<?>, Route> samples = Map.of(
        Route.Local.class, Route.LOCAL,
        Route.Forward.class, forward("eth0", "192.0.2.1"),
        Route.Refused.class, MARTIAN);
    IpAddr dst = IpAddr.parse("192.0.2.99");
    for (Class<?> member : Route.class.getPermittedSubclasses()) {
      Route r = samples.get(member);
      assertTrue(r != null, "Route." + member.getSimpleName() + " has no sample");
      if (r instanceof Route.Refused) {
        assertThrows(IllegalArgumentException.class, () -> Routing.device(r));
        assertThrows(IllegalArgumentException.class, () -> Routing.nextHop(r, dst));
      } else {
        assertFalse(Routing.device(r).isEmpty());
        assertTrue(Routing.nextHop(r, dst) != null);
      }
    }
    assertEquals("lo", Routing.device(Route.LOCAL));
    assertEquals(dst, Routing.nextHop(Route.LOCAL, dst));
  }
}
