package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.cli.DecisionText;
import dev.policyc.compiler.interp.Decision.Nat;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Decision.Step;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.dsl.ConnState;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The reference interpreter against the kernel's rules, one behaviour per test. Every expected
 * value is worked out by hand from the kernel source or man page cited beside it (DESIGN §3,
 * {@code reference/netfilter.md} §7–§11), never copied from the interpreter's output.
 *
 * <p>Paths are written {@code HOOK table/CHAIN #n ACTION} for a rule and {@code HOOK table/CHAIN
 * policy VERDICT} for a chain policy.
 */
class InterpreterTest {

  // ------------------------------------------------------------------ fixtures

  /** A router: eth0 to the internet (default route), eth1 a LAN. */
  private static final String ROUTER = """
      host:
        interfaces:
          eth0: { addresses: [192.0.2.10/24] }
          eth1: { addresses: [10.0.0.1/24] }
        routes:
          - { to: default, via: 192.0.2.1, dev: eth0 }
      """;

  /** A NAT gateway: wan0 public, lan0 private. */
  private static final String GATEWAY = """
      host:
        interfaces:
          wan0: { addresses: [203.0.113.2/24] }
          lan0: { addresses: [10.0.0.1/24] }
        routes:
          - { to: default, via: 203.0.113.1, dev: wan0 }
      """;

  /**
   * Every table present with nothing but ACCEPT policies, so each traversal shows as a step. The
   * DNAT rule never matches these packets; it is there because a NAT target is what switches
   * conntrack on in the kernel (a nat table alone does not), and without conntrack the nat
   * chains are never traversed.
   */
  private static final String EVERY_TABLE = """
      raw: { PREROUTING: { policy: ACCEPT } }
      mangle: { PREROUTING: { policy: ACCEPT } }
      nat:
        PREROUTING:
          rules:
            - { match: { src: 198.18.0.1, dst: 198.18.0.2 }, action: { dnat: 198.18.0.3 } }
      filter: { INPUT: { policy: ACCEPT } }
      """;

  private static IrPolicy compile(String... parts) {
    String yaml = "policy: test\n" + String.join("", parts);
    PolicyCompiler.ReadResult read = PolicyCompiler.read("test.yaml", yaml);
    assertTrue(read.diagnostics().isEmpty(), () -> read.diagnostics() + "\n" + yaml);
    // -O0: the tests follow packets through the rules as written
    Compilation r = PolicyCompiler.compile(read.policy(),
        new CompileOptions(OptLevel.O0, false, false));
    assertTrue(r.ok(), () -> r.diagnostics() + "\n" + yaml);
    return r.ir();
  }

  private static Decision decide(IrPolicy ir, String packet) {
    return Interpreter.decide(ir, Packet.parse(packet));
  }

  private static List<String> path(Decision d) {
    return d.path().stream().map(InterpreterTest::step).toList();
  }

  private static String step(Step s) {
    return s.hook() + " " + s.table().iptablesName() + "/" + s.chain()
        + (s.isPolicy() ? " " : " #" + s.rule() + " ") + DecisionText.action(s);
  }

  private static IpAddr ip(String s) {
    return IpAddr.parse(s);
  }

  // ------------------------------------------------------------------ hook order

  /**
   * DESIGN §3 and netfilter.md §7: hook priorities raw −300, mangle −150, nat −100 (DNAT) and
   * +100 (SNAT), filter 0.
   */
  @Nested
  class HookOrder {
    private final IrPolicy ir = compile(ROUTER, EVERY_TABLE);

    @Test
    void incomingToLocalAddressRunsPreroutingThenInputTables() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 192.0.2.10:22 in eth0 state new");
      assertEquals(List.of(
          "PREROUTING raw/PREROUTING policy ACCEPT",
          "PREROUTING mangle/PREROUTING policy ACCEPT",
          "PREROUTING nat/PREROUTING policy ACCEPT",
          "INPUT mangle/INPUT policy ACCEPT",
          "INPUT filter/INPUT policy ACCEPT",
          "INPUT nat/INPUT policy ACCEPT"), path(d));
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertNull(d.outIface());
    }

    @Test
    void forwardedPacketRunsPreroutingForwardAndPostrouting() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 10.0.0.5:80 in eth0 state new");
      assertEquals(List.of(
          "PREROUTING raw/PREROUTING policy ACCEPT",
          "PREROUTING mangle/PREROUTING policy ACCEPT",
          "PREROUTING nat/PREROUTING policy ACCEPT",
          "FORWARD mangle/FORWARD policy ACCEPT",
          "FORWARD filter/FORWARD policy ACCEPT",
          "POSTROUTING mangle/POSTROUTING policy ACCEPT",
          "POSTROUTING nat/POSTROUTING policy ACCEPT"), path(d));
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals("eth1", d.outIface());
    }

    @Test
    void locallySentPacketRunsOutputThenPostrouting() {
      Decision d = decide(ir, "tcp 192.0.2.10:40000 -> 198.51.100.7:443");
      assertEquals(List.of(
          "OUTPUT raw/OUTPUT policy ACCEPT",
          "OUTPUT mangle/OUTPUT policy ACCEPT",
          "OUTPUT nat/OUTPUT policy ACCEPT",
          "OUTPUT filter/OUTPUT policy ACCEPT",
          "POSTROUTING mangle/POSTROUTING policy ACCEPT",
          "POSTROUTING nat/POSTROUTING policy ACCEPT"), path(d));
      assertEquals(Outcome.SENT, d.outcome());
      assertEquals("eth0", d.outIface());
      assertEquals(64, d.after().ttl(), "only forwarding decrements the TTL");
    }

    /**
     * A packet to one of the host's own addresses leaves through lo and comes back in with its
     * conntrack entry; both NAT bindings were set up on the way out (nf_nat_initialized), so
     * neither nat PREROUTING nor nat INPUT runs again.
     */
    @Test
    void locallySentToLocalAddressLoopsBackWithoutNat() {
      Decision d = decide(ir, "tcp 192.0.2.10:40000 -> 10.0.0.1:8080");
      assertEquals(List.of(
          "OUTPUT raw/OUTPUT policy ACCEPT",
          "OUTPUT mangle/OUTPUT policy ACCEPT",
          "OUTPUT nat/OUTPUT policy ACCEPT",
          "OUTPUT filter/OUTPUT policy ACCEPT",
          "POSTROUTING mangle/POSTROUTING policy ACCEPT",
          "POSTROUTING nat/POSTROUTING policy ACCEPT",
          "PREROUTING raw/PREROUTING policy ACCEPT",
          "PREROUTING mangle/PREROUTING policy ACCEPT",
          "INPUT mangle/INPUT policy ACCEPT",
          "INPUT filter/INPUT policy ACCEPT"), path(d));
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals("lo", d.outIface());
    }

    @Test
    void loopedBackPacketArrivesOnLo() {
      IrPolicy p = compile(ROUTER, """
          filter:
            INPUT:
              policy: DROP
              rules:
                - { match: { in: lo }, action: accept }
            OUTPUT:
              rules:
                - { match: { out: lo }, action: { log: "out-lo" } }
          """);
      Decision d = decide(p, "udp 192.0.2.10:5000 -> 192.0.2.10:53");
      assertEquals(List.of(
          "OUTPUT filter/OUTPUT #1 LOG \"out-lo\"",
          "OUTPUT filter/OUTPUT policy ACCEPT",
          "INPUT filter/INPUT #1 ACCEPT"), path(d));
      assertEquals(Outcome.DELIVERED, d.outcome());
    }
  }

  // ------------------------------------------------------------------ TTL

  /**
   * ip_forward (net/ipv4/ip_forward.c): a packet with {@code ttl <= 1} is dropped, else
   * ip_decrease_ttl runs before the FORWARD hook.
   */
  @Nested
  class Ttl {
    private final IrPolicy ir = compile(ROUTER, """
        mangle:
          PREROUTING:
            - { match: { ttl: { eq: 64 } }, action: { log: "pre-64" } }
          FORWARD:
            - { match: { ttl: { eq: 64 } }, action: { log: "fwd-64" } }
            - { match: { ttl: { eq: 63 } }, action: { log: "fwd-63" } }
          POSTROUTING:
            - { match: { ttl: { eq: 63 } }, action: { log: "post-63" } }
          INPUT:
            - { match: { ttl: { eq: 64 } }, action: { log: "in-64" } }
        """);

    @Test
    void forwardingDecrementsTheTtlBeforeTheForwardHook() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 10.0.0.5:80 in eth0");
      assertEquals(List.of("pre-64", "fwd-63", "post-63"), d.logs());
      assertEquals(63, d.after().ttl());
      assertEquals(Outcome.FORWARDED, d.outcome());
    }

    @Test
    void localDeliveryKeepsTheTtl() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of("pre-64", "in-64"), d.logs());
      assertEquals(64, d.after().ttl());
    }

    @Test
    void ttlOneIsDroppedWhenForwardedBeforeTheForwardHook() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 10.0.0.5:80 in eth0 ttl 1");
      assertEquals(Outcome.TTL_EXCEEDED, d.outcome());
      assertEquals(List.of(), d.logs());
      assertTrue(path(d).stream().allMatch(s -> s.startsWith("PREROUTING ")), path(d)::toString);
    }

    @Test
    void ttlTwoIsForwardedWithTtlOne() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 10.0.0.5:80 in eth0 ttl 2");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals(1, d.after().ttl());
    }

    @Test
    void ttlOneIsStillDeliveredLocally() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 192.0.2.10:22 in eth0 ttl 1");
      assertEquals(Outcome.DELIVERED, d.outcome());
    }

    @Test
    void ttlSetInPreroutingIsWhatForwardingChecks() {
      IrPolicy p = compile(ROUTER, """
          mangle:
            PREROUTING:
              - { action: { ttl: { set: 1 } } }
          """);
      assertEquals(Outcome.TTL_EXCEEDED,
          decide(p, "tcp 203.0.113.9:51515 -> 10.0.0.5:80 in eth0").outcome());
    }

    /** ip6_forward (net/ipv6/ip6_output.c): the same check and decrement on the hop limit. */
    @Test
    void ipv6HopLimitIsCheckedAndDecrementedLikeTheTtl() {
      IrPolicy p = compile("""
          host:
            interfaces:
              eth0: { addresses: ["2001:db8:1::1/64"] }
              eth1: { addresses: ["2001:db8:2::1/64"] }
          mangle:
            FORWARD:
              - { match: { ttl: { eq: 63 } }, action: { log: "hl-63" } }
          filter:
            FORWARD:
              - { match: { ttl: { lt: 64 } }, action: { log: "hl-below-64" } }
          """);
      Decision d = decide(p, "tcp [2001:db8:1::5]:40000 -> [2001:db8:2::5]:80 in eth0");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals("eth1", d.outIface());
      assertEquals(List.of("hl-63", "hl-below-64"), d.logs());
      assertEquals(63, d.after().ttl());
      assertEquals(Outcome.TTL_EXCEEDED,
          decide(p, "tcp [2001:db8:1::5]:40000 -> [2001:db8:2::5]:80 in eth0 ttl 1").outcome());
    }
  }

  // ------------------------------------------------------------------ routing

  @Nested
  class RoutingWithHostModel {
    private final IrPolicy ir = compile("""
        host:
          interfaces:
            eth0: { addresses: [192.0.2.10/24] }
            eth1: { addresses: [10.0.0.1/24] }
          routes:
            - { to: default, via: 192.0.2.1, dev: eth0 }
            - { to: 198.51.100.0/24, via: 10.0.0.254, dev: eth1 }
        """);

    /**
     * fib_validate_source refuses the addresses assigned to interfaces as sources, and of
     * 127.0.0.0/8 only lo's 127.0.0.1; the rest of it is a martian off lo, but the limited
     * broadcast check comes first.
     */
    @Test
    void onlyAssignedAddressesCountAsOwnSources() {
      IrPolicy p = compile("""
          host:
            interfaces:
              eth0: { addresses: [192.0.2.1/30] }
          """);
      assertEquals(Outcome.DELIVERED,
          decide(p, "gre 127.77.58.184 -> 255.255.255.255 in eth0").outcome());
      assertEquals(Outcome.MARTIAN,
          decide(p, "gre 127.0.0.1 -> 255.255.255.255 in eth0").outcome());
      assertEquals(Outcome.MARTIAN,
          decide(p, "gre 192.0.2.1 -> 255.255.255.255 in eth0").outcome());
    }

    /**
     * A mark or TOS changed in mangle OUTPUT makes the kernel route the packet again with its
     * own source (ip_route_me_harder), and an IPv4 loopback source may not leave by eth0.
     */
    @Test
    void reroutingAfterMangleOutputRefusesALoopbackSourceOffLo() {
      IrPolicy p = compile("""
          host:
            interfaces:
              eth0: { addresses: [192.0.2.1/30] }
            routes:
              - { to: default, via: 192.0.2.2, dev: eth0 }
          mangle:
            OUTPUT:
              - { match: { proto: udp }, action: { mark: { set: "0x1" } } }
          """);
      Decision d = decide(p, "udp 127.0.0.1:442 -> 10.9.9.9:8080");
      assertEquals(Outcome.DROPPED, d.outcome());
      assertEquals(List.of("OUTPUT mangle/OUTPUT #1 MARK 0x1/0xffffffff",
          "OUTPUT mangle/OUTPUT policy ACCEPT"),
          path(d));
      assertEquals(Outcome.SENT, decide(p, "tcp 127.0.0.1:442 -> 10.9.9.9:8080").outcome(),
          "no change, no new route");
      assertEquals(Outcome.SENT, decide(p, "udp 192.0.2.1:442 -> 10.9.9.9:8080").outcome());
      assertEquals(Outcome.SENT, decide(p, "udp 127.255.255.255:442 -> 10.9.9.9:8080").outcome(),
          "a broadcast source is left out of the new lookup");
    }

    /**
     * A packet forwarded back out of the interface it came in on gets fib_validate_source's full
     * reverse lookup: a subnet broadcast source is a martian there, and only there.
     */
    @Test
    void aBroadcastSourceIsAMartianOnlyWhenForwardedBackOutOfItsInterface() {
      IrPolicy p = compile("""
          host:
            interfaces:
              eth0: { addresses: [192.0.2.1/30] }
              eth1: { addresses: [198.51.100.1/30] }
            routes:
              - { to: default, via: 198.51.100.2, dev: eth1 }
          """);
      assertEquals(Outcome.MARTIAN,
          decide(p, "udp 198.51.100.3:81 -> 10.9.9.20:79 in eth1").outcome());
      assertEquals(Outcome.MARTIAN,
          decide(p, "udp 192.0.2.3:81 -> 10.9.9.20:79 in eth1").outcome());
      assertEquals(Outcome.FORWARDED,
          decide(p, "udp 198.51.100.3:81 -> 10.9.9.20:79 in eth0").outcome());
    }

    @Test
    void aLocalAddressIsDelivered() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 10.0.0.1:22 in eth0");
      assertEquals(Outcome.DELIVERED, d.outcome());
    }

    @Test
    void aConnectedSubnetIsForwardedOutOfItsInterface() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 10.0.0.77:22 in eth0");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals("eth1", d.outIface());
    }

    @Test
    void anyOtherAddressTakesTheDefaultRoute() {
      Decision d = decide(ir, "tcp 10.0.0.5:40000 -> 198.51.101.7:443 in eth1");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals("eth0", d.outIface());
    }

    @Test
    void theLongestPrefixWins() {
      Decision d = decide(ir, "tcp 203.0.113.9:40000 -> 198.51.100.7:443 in eth0");
      assertEquals("eth1", d.outIface());
    }

    /**
     * Broadcasts are delivered; a multicast packet only for a group the host joined (ip_route_input
     * checks ip_check_mc_rcu): the all-hosts group always, 224.0.0.251 not here.
     */
    @Test
    void broadcastAndJoinedMulticastDestinationsAreDelivered() {
      assertEquals(Outcome.DELIVERED,
          decide(ir, "udp 192.0.2.7:68 -> 192.0.2.255:67 in eth0").outcome());
      assertEquals(Outcome.DELIVERED,
          decide(ir, "udp 0.0.0.0:68 -> 255.255.255.255:67 in eth0").outcome());
      assertEquals(Outcome.DELIVERED,
          decide(ir, "udp 192.0.2.7:5353 -> 224.0.0.1:5353 in eth0").outcome());
      assertEquals(Outcome.MARTIAN,
          decide(ir, "udp 192.0.2.7:5353 -> 224.0.0.251:5353 in eth0").outcome());
    }

    @Test
    void noRouteMeansNoRoute() {
      IrPolicy p = compile("""
          host:
            interfaces:
              eth0: { addresses: [192.0.2.10/24] }
              eth1: { addresses: [10.0.0.1/24] }
          filter: { FORWARD: { policy: ACCEPT } }
          """);
      Decision d = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:443 in eth1");
      assertEquals(Outcome.NO_ROUTE, d.outcome());
      assertFalse(path(d).stream().anyMatch(s -> s.startsWith("FORWARD")), path(d)::toString);
      assertEquals(Outcome.NO_ROUTE, decide(p, "tcp 10.0.0.1:40000 -> 198.51.100.7:443").outcome());
    }

    @Test
    void aHostThatDoesNotForwardOnlyDelivers() {
      IrPolicy p = compile("""
          host:
            forwarding: false
            interfaces:
              eth0: { addresses: [192.0.2.10/24] }
              eth1: { addresses: [10.0.0.1/24] }
          """);
      assertEquals(Outcome.NOT_FORWARDED,
          decide(p, "tcp 192.0.2.7:40000 -> 10.0.0.5:22 in eth0").outcome());
      assertEquals(Outcome.DELIVERED,
          decide(p, "tcp 192.0.2.7:40000 -> 10.0.0.1:22 in eth0").outcome());
    }

    /**
     * IPv6 looks the route up before it asks whether to forward (ip6_route_input, then
     * ip6_forward): without a route the packet is discarded as NO_ROUTE, answered with an
     * ICMPv6 no-route, even by a host that does not forward. IPv4 refuses to forward first.
     */
    @Test
    void ipv6LooksTheRouteUpBeforeRefusingToForward() {
      IrPolicy p = compile("""
          host:
            forwarding: false
            interfaces:
              eth0: { addresses: [192.0.2.10/24, "2001:db8:a::1/64"] }
            routes:
              - { to: "2001:db8:ff::/48", dev: eth0 }
          """);
      assertEquals(Outcome.NO_ROUTE,
          decide(p, "tcp [2001:db8:a::7]:40000 -> [2001:db8:9::5]:22 in eth0").outcome());
      assertEquals(Outcome.NOT_FORWARDED,
          decide(p, "tcp [2001:db8:a::7]:40000 -> [2001:db8:ff::5]:22 in eth0").outcome());
      assertEquals(Outcome.NOT_FORWARDED,
          decide(p, "tcp 192.0.2.7:40000 -> 10.0.0.5:22 in eth0").outcome());
    }

    @Test
    void aHostModelDecidesTheOutputInterfaceItself() {
      assertThrows(IllegalArgumentException.class,
          () -> decide(ir, "tcp 203.0.113.9:1 -> 10.0.0.5:22 in eth0 out eth1"));
    }
  }

  /**
   * IPv6 sources a global-unicast generator never makes: which the kernel drops before the
   * hooks (ip6_rcv_core), which before FORWARD (ip6_forward), and which go through the rules
   * like any other.
   */
  @Nested
  class UnusualIpv6Sources {
    private final IrPolicy ir = compile("""
        host:
          interfaces:
            eth0: { addresses: ["2001:db8:10::1/64"] }
            eth1: { addresses: ["2001:db8:20::1/64"] }
          routes:
            - { to: default, via: "2001:db8:10::ff", dev: eth0 }
        filter:
          INPUT:
            - { match: { proto: tcp, dport: 80 }, action: { log: "web" } }
            - { match: { src-type: UNICAST }, action: { log: "src-unicast" } }
          FORWARD:
            - { action: { log: "fwd" } }
        """);

    /**
     * The finding of issue 14: "ipv6: weaken the v4mapped source check" (5.12, in 5.4 too)
     * took the v4-mapped source check out of ip6_rcv_core, so ip6tables INPUT sees the packet.
     * Its type is IPV6_ADDR_MAPPED without IPV6_ADDR_UNICAST, so {@code src-type UNICAST}
     * does not hold.
     */
    @Test
    void v4MappedSourceRunsTheRules() {
      Decision d = decide(ir, "tcp [::ffff:192.0.2.1]:40007 -> [2001:db8:10::1]:80 in eth0");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals(List.of("web"), d.logs());
      assertEquals(Outcome.FORWARDED,
          decide(ir, "udp [::ffff:10.0.0.1]:1 -> [2001:db8:20::5]:53 in eth0").outcome());
    }

    @Test
    void loopbackAndMulticastSourcesAreDroppedBeforeTheHooks() {
      for (String src : List.of("::1", "ff02::1", "ff0e::1234")) {
        Decision d = decide(ir, "udp [" + src + "]:1 -> [2001:db8:10::1]:53 in eth0");
        assertEquals(Outcome.MARTIAN, d.outcome(), src);
        assertEquals(List.of(), d.path(), src);
      }
    }

    /** ip6_rcv_core drops multicast destinations of scope 0 and 1 arriving off lo. */
    @Test
    void interfaceLocalMulticastDestinationIsDroppedBeforeTheHooks() {
      assertEquals(List.of(), decide(ir, "udp [2001:db8:10::9]:1 -> [ff01::1]:53 in eth0").path());
      assertEquals(List.of(), decide(ir, "udp [2001:db8:10::9]:1 -> [ff00::1]:53 in eth0").path());
    }

    /**
     * ip6_forward: after the hop-limit check, an unspecified or link-local source is dropped
     * before FORWARD, unless the packet goes back out of the interface it came in on (the
     * redirect branch skips the check). Delivered locally, it is an ordinary packet.
     */
    @Test
    void unspecifiedAndLinkLocalSourcesAreNotForwardedToAnotherInterface() {
      for (String src : List.of("::", "fe80::1")) {
        Decision d = decide(ir, "udp [" + src + "]:1 -> [2001:db8:20::5]:53 in eth0");
        assertEquals(Outcome.MARTIAN, d.outcome(), src);
        assertEquals(List.of(), d.path(), src);
        assertEquals(Outcome.TTL_EXCEEDED,
            decide(ir, "udp [" + src + "]:1 -> [2001:db8:20::5]:53 in eth0 ttl 1").outcome());
        Decision back = decide(ir, "udp [" + src + "]:1 -> [2001:db8:10::5]:53 in eth0");
        assertEquals(Outcome.FORWARDED, back.outcome(), src);
        assertEquals(List.of("fwd"), back.logs(), src);
        assertEquals(Outcome.DELIVERED,
            decide(ir, "udp [" + src + "]:1 -> [2001:db8:10::1]:53 in eth0").outcome());
      }
      assertEquals(List.of(),
          decide(ir, "udp [::]:1 -> [2001:db8:10::1]:53 in eth0").logs(), "no UNICAST bit");
      assertEquals(List.of("src-unicast"),
          decide(ir, "udp [fe80::1]:1 -> [2001:db8:10::1]:53 in eth0").logs());
    }

    /** 6to4, Teredo, site-local and unique-local sources are global unicast to the kernel. */
    @Test
    void tunnelAndPrivateSourcesAreOrdinary() {
      for (String src : List.of("2002:c000:201::1", "2001:0:4136:e378::1", "fec0::1", "fd00::1")) {
        Decision d = decide(ir, "udp [" + src + "]:1 -> [2001:db8:10::1]:53 in eth0");
        assertEquals(Outcome.DELIVERED, d.outcome(), src);
        assertEquals(List.of("src-unicast"), d.logs(), src);
        assertEquals(Outcome.FORWARDED,
            decide(ir, "udp [" + src + "]:1 -> [2001:db8:20::5]:53 in eth0").outcome(), src);
      }
    }
  }

  @Nested
  class RoutingWithoutHostModel {
    private final IrPolicy ir = compile("""
        filter:
          INPUT: { policy: ACCEPT }
        """);

    @Test
    void aPacketWithoutOutIsDelivered() {
      Decision d = decide(ir, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals(List.of("INPUT filter/INPUT policy ACCEPT"), path(d));
    }

    @Test
    void aPacketWithOutIsForwarded() {
      Decision d = decide(ir, "tcp 203.0.113.9:1 -> 10.0.0.5:22 in eth0 out eth1");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals("eth1", d.outIface());
      assertEquals(List.of("FORWARD filter/FORWARD policy ACCEPT"), path(d));
      assertEquals(63, d.after().ttl());
    }

    @Test
    void aLocallySentPacketLeavesByItsOut() {
      Decision d = decide(ir, "tcp 192.0.2.10:40000 -> 198.51.100.7:443 out eth0");
      assertEquals(Outcome.SENT, d.outcome());
      assertEquals("eth0", d.outIface());
      assertEquals(List.of("OUTPUT filter/OUTPUT policy ACCEPT"), path(d));
    }

    @Test
    void aLocallySentPacketOutLoIsDeliveredBackThroughInput() {
      Decision d = decide(ir, "tcp 127.0.0.1:40000 -> 127.0.0.1:8080 out lo");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals("lo", d.outIface());
      assertEquals(
          List.of("OUTPUT filter/OUTPUT policy ACCEPT", "INPUT filter/INPUT policy ACCEPT"),
          path(d));
    }

    @Test
    void aLocallySentPacketNeedsOut() {
      assertThrows(IllegalArgumentException.class,
          () -> decide(ir, "tcp 192.0.2.10:40000 -> 198.51.100.7:443"));
    }
  }

  // ------------------------------------------------------------------ NAT

  /**
   * nf_nat_inet_fn and nf_nat_ipv4_fn (net/netfilter/nf_nat_core.c, nf_nat_proto.c): no conntrack
   * entry (INVALID, UNTRACKED) means no NAT; the chains run only while the connection has no
   * binding (NEW, or the first packet of a RELATED connection); ICMP errors (RELATED ICMP) are
   * translated from the master's binding without the chains.
   */
  @Nested
  class NatOnlyForTheFirstPacket {
    private final IrPolicy ir = compile(ROUTER, """
        nat:
          PREROUTING:
            - { match: { proto: tcp, dport: "8080" }, action: { dnat: "10.0.0.5:80" } }
            - { match: { proto: icmp }, action: { dnat: 10.0.0.6 } }
          INPUT:
            - { action: { log: "nat-input" } }
        """);

    @Test
    void aNewPacketIsTranslated() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 192.0.2.10:8080 in eth0 state new");
      assertEquals(new Nat(Nat.Kind.DNAT, ip("10.0.0.5"), PortRange.of(80)), d.dnat());
      assertEquals(ip("10.0.0.5"), d.after().dst());
      assertEquals(80, d.after().dport());
      assertEquals(Outcome.FORWARDED, d.outcome());
    }

    @Test
    void anEstablishedPacketSkipsTheNatTable() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 192.0.2.10:8080 in eth0 state established");
      assertNull(d.dnat());
      assertEquals(ip("192.0.2.10"), d.after().dst());
      assertEquals(8080, d.after().dport());
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertTrue(path(d).stream().noneMatch(s -> s.contains(" nat/")), path(d)::toString);
      assertEquals(List.of(), d.logs(), "nat INPUT is skipped too");
    }

    @Test
    void anInvalidPacketSkipsTheNatTable() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 192.0.2.10:8080 in eth0 state invalid");
      assertNull(d.dnat());
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertTrue(path(d).stream().noneMatch(s -> s.contains(" nat/")), path(d)::toString);
    }

    @Test
    void aRelatedNonIcmpPacketIsTranslatedLikeANewOne() {
      Decision d = decide(ir, "tcp 203.0.113.9:51515 -> 192.0.2.10:8080 in eth0 state related");
      assertEquals(new Nat(Nat.Kind.DNAT, ip("10.0.0.5"), PortRange.of(80)), d.dnat());
    }

    @Test
    void aNewIcmpPacketIsTranslated() {
      Decision d = decide(ir, "icmp 203.0.113.9 -> 192.0.2.10 in eth0 state new");
      assertEquals(new Nat(Nat.Kind.DNAT, ip("10.0.0.6"), null), d.dnat());
      assertEquals(ip("10.0.0.6"), d.after().dst());
    }

    @Test
    void aRelatedIcmpErrorSkipsTheNatChains() {
      Decision d = decide(ir, "icmp 203.0.113.9 -> 192.0.2.10 in eth0 state related type 3/3");
      assertNull(d.dnat());
      assertTrue(path(d).stream().noneMatch(s -> s.contains(" nat/")), path(d)::toString);
    }

    @Test
    void aNewPacketDeliveredLocallyRunsNatInput() {
      Decision d = decide(ir, "udp 203.0.113.9:5000 -> 192.0.2.10:53 in eth0 state new");
      assertEquals(List.of("nat-input"), d.logs());
    }
  }

  @Nested
  class DestinationNat {
    private final IrPolicy ir = compile(GATEWAY, """
        nat:
          PREROUTING:
            - { match: { in: wan0, proto: tcp, dport: "8080" }, action: { dnat: "10.0.0.5:80" } }
            - { match: { in: wan0, proto: tcp, dport: "2222" }, action: { dnat: "10.0.0.1:22" } }
        filter:
          FORWARD:
            policy: DROP
            rules:
              - match: { in: wan0, out: lan0, dst: 10.0.0.5, proto: tcp, dport: "80" }
                action: accept
        """);

    /**
     * DNAT runs in PREROUTING before the routing decision, so routing and FORWARD see the new
     * address.
     */
    @Test
    void dnatThenRoutingThenForwardWithTheRewrittenDestination() {
      Decision d = decide(ir, "tcp 198.51.100.7:40000 -> 203.0.113.2:8080 in wan0 state new");
      assertEquals(List.of(
          "PREROUTING nat/PREROUTING #1 DNAT 10.0.0.5:80",
          "FORWARD filter/FORWARD #1 ACCEPT",
          "POSTROUTING nat/POSTROUTING policy ACCEPT"), path(d));
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals("lan0", d.outIface());
      assertEquals(ip("10.0.0.5"), d.after().dst());
      assertEquals(80, d.after().dport());
      assertEquals(ip("198.51.100.7"), d.after().src());
      assertEquals(new Nat(Nat.Kind.DNAT, ip("10.0.0.5"), PortRange.of(80)), d.dnat());
      assertNull(d.snat());
    }

    @Test
    void dnatToALocalAddressIsDeliveredThroughInput() {
      Decision d = decide(ir, "tcp 198.51.100.7:40000 -> 203.0.113.2:2222 in wan0 state new");
      assertEquals(List.of(
          "PREROUTING nat/PREROUTING #2 DNAT 10.0.0.1:22",
          "INPUT filter/INPUT policy ACCEPT",
          "INPUT nat/INPUT policy ACCEPT"), path(d));
      assertEquals(Outcome.DELIVERED, d.outcome());
    }

    @Test
    void withoutDnatTheSamePacketIsForTheHost() {
      Decision d =
          decide(ir, "tcp 198.51.100.7:40000 -> 203.0.113.2:8080 in wan0 state established");
      assertEquals(Outcome.DELIVERED, d.outcome());
    }
  }

  /**
   * nf_nat_ipv4_local_fn (net/netfilter/nf_nat_proto.c): when nat OUTPUT changed the destination,
   * ip_route_me_harder routes the packet again; POSTROUTING runs on the new route.
   */
  @Nested
  class DnatInOutput {
    private final IrPolicy ir = compile(ROUTER, """
        nat:
          OUTPUT:
            - match: { dst: 198.51.100.7, proto: tcp, dport: "443" }
              action: { dnat: "10.0.0.5:8443" }
            - match: { dst: 198.51.100.8, proto: tcp, dport: "80" }
              action: { dnat: "10.0.0.1:8080" }
        mangle:
          POSTROUTING:
            - { match: { out: eth0 }, action: { log: "post-eth0" } }
            - { match: { out: eth1 }, action: { log: "post-eth1" } }
            - { match: { out: lo }, action: { log: "post-lo" } }
        """);

    @Test
    void dnatInOutputReroutesThePacket() {
      Decision d = decide(ir, "tcp 192.0.2.10:40000 -> 198.51.100.7:443");
      assertEquals(Outcome.SENT, d.outcome());
      assertEquals("eth1", d.outIface());
      assertEquals(ip("10.0.0.5"), d.after().dst());
      assertEquals(8443, d.after().dport());
      assertEquals(List.of("post-eth1"), d.logs());
    }

    @Test
    void dnatInOutputToALocalAddressLoopsBack() {
      Decision d = decide(ir, "tcp 192.0.2.10:40000 -> 198.51.100.8:80");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals("lo", d.outIface());
      assertEquals(List.of("post-lo"), d.logs());
    }

    @Test
    void withoutDnatThePacketKeepsItsRoute() {
      Decision d = decide(ir, "tcp 192.0.2.10:40000 -> 198.51.100.9:443");
      assertEquals("eth0", d.outIface());
      assertEquals(List.of("post-eth0"), d.logs());
    }

    /**
     * The hook state (state->out) is built once by NF_HOOK for the whole LOCAL_OUT hook and
     * nf_hook_slow passes the same state to every table; ipt_do_table matches {@code -o}
     * against state->out (net/ipv4/netfilter/ip_tables.c). So filter OUTPUT, which runs after
     * the reroute, still sees the interface of the first route; POSTROUTING (a new NF_HOOK in
     * ip_output with skb_dst(skb)->dev) sees the new one. Checked on a 6.18 kernel (nf_tables
     * backend): after a DNAT in nat OUTPUT, {@code -o} of the old device counted the packet in
     * filter OUTPUT, {@code -o} of the new one in mangle POSTROUTING.
     */
    @Test
    void filterOutputStillSeesTheFirstRoutesInterfaceAfterTheReroute() {
      IrPolicy p = compile(ROUTER, """
          nat:
            OUTPUT:
              - { match: { dst: 198.51.100.7 }, action: { dnat: 10.0.0.5 } }
          filter:
            OUTPUT:
              - { match: { out: eth0 }, action: { log: "filter-eth0" } }
              - { match: { out: eth1 }, action: { log: "filter-eth1" } }
          mangle:
            POSTROUTING:
              - { match: { out: eth0 }, action: { log: "post-eth0" } }
              - { match: { out: eth1 }, action: { log: "post-eth1" } }
          """);
      Decision d = decide(p, "udp 192.0.2.10:5000 -> 198.51.100.7:53");
      assertEquals(List.of("filter-eth0", "post-eth1"), d.logs());
      assertEquals("eth1", d.outIface());
    }
  }

  @Nested
  class SourceNat {
    @Test
    void snatRewritesTheSourceInPostrouting() {
      IrPolicy p = compile(GATEWAY, """
          nat:
            POSTROUTING:
              - { match: { out: wan0, src: 10.0.0.0/24 }, action: { snat: 203.0.113.2 } }
          """);
      Decision d = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:443 in lan0 state new");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals("wan0", d.outIface());
      assertTrue(path(d).contains("POSTROUTING nat/POSTROUTING #1 SNAT 203.0.113.2"),
          path(d)::toString);
      assertEquals(new Nat(Nat.Kind.SNAT, ip("203.0.113.2"), PortRange.of(40000)), d.snat());
      assertEquals(ip("203.0.113.2"), d.after().src());
      assertEquals(40000, d.after().sport());

      Decision est = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:443 in lan0 state established");
      assertNull(est.snat());
      assertEquals(ip("10.0.0.5"), est.after().src());
    }

    /** The nat INPUT chain does source NAT for packets delivered locally. */
    @Test
    void snatInNatInputForLocalDelivery() {
      IrPolicy p = compile(GATEWAY, """
          nat:
            INPUT:
              - { match: { in: wan0, proto: tcp }, action: { snat: 10.0.0.1 } }
          """);
      Decision d = decide(p, "tcp 198.51.100.7:40000 -> 203.0.113.2:22 in wan0 state new");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals(new Nat(Nat.Kind.SNAT, ip("10.0.0.1"), PortRange.of(40000)), d.snat());
      assertEquals(ip("10.0.0.1"), d.after().src());
    }

    /**
     * masquerade_tg / nf_nat_masquerade_ipv4: the source is inet_select_addr(out, nexthop), the
     * first primary address of the output interface whose subnet holds the next hop.
     */
    @Test
    void masqueradeTakesTheAddressOfTheOutputInterfaceFacingTheNextHop() {
      IrPolicy p = compile("""
          host:
            interfaces:
              wan0: { addresses: [198.18.0.1/24, 203.0.113.2/24] }
              lan0: { addresses: [10.0.0.1/24] }
            routes:
              - { to: default, via: 203.0.113.1, dev: wan0 }
          nat:
            POSTROUTING:
              - { match: { out: wan0 }, action: masquerade }
          """);
      Decision d = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:443 in lan0 state new");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals(new Nat(Nat.Kind.MASQUERADE, ip("203.0.113.2"), PortRange.of(40000)), d.snat());
      assertEquals(ip("203.0.113.2"), d.after().src());
    }

    /**
     * inet_select_addr: an interface without an IPv4 address borrows the first primary address
     * of another device; only a host without any drops the packet ("ate my IP address").
     */
    @Test
    void masqueradeBorrowsAnotherInterfacesAddressAndDropsOnlyWhenTheHostHasNone() {
      IrPolicy p = compile("""
          host:
            interfaces:
              wan0: { addresses: ["2001:db8::2/64"] }
              lan0: { addresses: [10.0.0.1/24] }
            routes:
              - { to: default, dev: wan0 }
          nat:
            POSTROUTING:
              - { match: { out: wan0 }, action: masquerade }
          """);
      Decision d = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:443 in lan0 state new");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals(ip("10.0.0.1"), d.after().src());
      IrPolicy none = compile("""
          host:
            interfaces:
              wan0: { addresses: ["2001:db8::2/64"] }
              lan0: { addresses: ["2001:db8:1::1/64"] }
            routes:
              - { to: default, dev: wan0 }
          nat:
            POSTROUTING:
              - { match: { out: wan0 }, action: masquerade }
          """);
      Decision dropped = decide(none, "tcp 10.0.0.5:40000 -> 198.51.100.7:443 in lan0 state new");
      assertEquals(Outcome.DROPPED, dropped.outcome());
      assertEquals(List.of(
          "PREROUTING nat/PREROUTING policy ACCEPT",
          "POSTROUTING nat/POSTROUTING #1 MASQUERADE"), path(dropped));
    }

    /**
     * ipv6_dev_get_saddr: the output interface's address sharing the longest prefix with the
     * destination; to loopback, the destination itself.
     */
    @Test
    void ipv6MasqueradeFollowsSourceAddressSelection() {
      IrPolicy p = compile("""
          host:
            interfaces:
              wan0: { addresses: ["2001:db8:a::2/64", "2001:db8:b::2/64"] }
              lan0: { addresses: ["2001:db8:1::1/64"] }
            routes:
              - { to: default, via: "2001:db8:a::1", dev: wan0 }
          nat:
            OUTPUT:
              - { match: { proto: udp, dport: "53" }, action: redirect }
            POSTROUTING:
              - action: masquerade
          """);
      Decision d = decide(p, "tcp [2001:db8:1::5]:40000 -> [2001:db8:b:1::7]:443 in lan0 state new");
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals(ip("2001:db8:b::2"), d.after().src(), "longest prefix, not the gateway's");
      Decision local = decide(p, "udp [2001:db8:77::1]:40000 -> [2001:db8:9::9]:53 state new");
      assertEquals(Outcome.DELIVERED, local.outcome());
      assertEquals(ip("::1"), local.after().src());
    }

    @Test
    void masqueradeWithoutHostModelKeepsTheAddressUnknown() {
      IrPolicy p = compile("""
          nat:
            POSTROUTING:
              - { match: { out: eth0 }, action: masquerade }
          """);
      Decision d = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:443 in eth1 out eth0 state new");
      assertEquals(new Nat(Nat.Kind.MASQUERADE, null, PortRange.of(40000)), d.snat());
      assertEquals(Outcome.FORWARDED, d.outcome());
    }
  }

  /**
   * nf_nat_redirect_ipv4: in OUTPUT the new destination is 127.0.0.1; elsewhere the first
   * address of the input device.
   */
  @Nested
  class Redirect {
    @Test
    void redirectInPreroutingGoesToTheInputInterfacesAddress() {
      IrPolicy p = compile(ROUTER, """
          nat:
            PREROUTING:
              - { match: { in: eth1, proto: tcp, dport: "80" }, action: { redirect: "3128" } }
          """);
      Decision d = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:80 in eth1 state new");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals(new Nat(Nat.Kind.REDIRECT, ip("10.0.0.1"), PortRange.of(3128)), d.dnat());
      assertEquals(ip("10.0.0.1"), d.after().dst());
      assertEquals(3128, d.after().dport());
      assertTrue(path(d).contains("PREROUTING nat/PREROUTING #1 REDIRECT 3128"), path(d)::toString);
    }

    /**
     * nf_nat_redirect_ipv6 takes the input interface's address of the destination's scope, the
     * newest first; a site-local destination with no site-local address there is dropped.
     */
    @Test
    void ipv6RedirectTakesAnAddressOfTheDestinationsScope() {
      IrPolicy p = compile("""
          host:
            interfaces:
              eth0: { addresses: ["2001:db8:1::1/64", "fe80::1/64", "2001:db8:2::1/64"] }
          nat:
            PREROUTING:
              - { action: redirect }
          """);
      Decision global = decide(p, "udp [2001:db8:9::5]:1000 -> [2001:db8:7::7]:53 in eth0");
      assertEquals(Outcome.DELIVERED, global.outcome());
      assertEquals(ip("2001:db8:2::1"), global.after().dst());
      Decision link = decide(p, "udp [2001:db8:9::5]:1000 -> [fe80::9]:53 in eth0");
      assertEquals(ip("fe80::1"), link.after().dst());
      Decision site = decide(p, "udp [2001:db8:9::5]:1000 -> [fec0::1]:53 in eth0");
      assertEquals(Outcome.DROPPED, site.outcome());
    }

    @Test
    void redirectInOutputGoesToLoopback() {
      IrPolicy p = compile(ROUTER, """
          nat:
            OUTPUT:
              - { match: { proto: tcp, dport: "80" }, action: { redirect: "3128" } }
          """);
      Decision d = decide(p, "tcp 192.0.2.10:40000 -> 198.51.100.7:80");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals("lo", d.outIface());
      assertEquals(ip("127.0.0.1"), d.after().dst());
      assertEquals(3128, d.after().dport());
    }

    /** Without a host model the new destination 127.0.0.1 is still local: the reroute finds lo. */
    @Test
    void redirectInOutputWithoutHostModelIsDeliveredLocally() {
      IrPolicy p = compile("""
          nat:
            OUTPUT:
              - { match: { proto: tcp, dport: "80" }, action: { redirect: "3128" } }
          """);
      Decision d = decide(p, "tcp 192.0.2.10:40000 -> 198.51.100.7:80 out eth0");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals("lo", d.outIface());
      assertEquals(ip("127.0.0.1"), d.after().dst());
    }

    @Test
    void redirectWithoutHostModelIsDeliveredLocally() {
      IrPolicy p = compile("""
          nat:
            PREROUTING:
              - { match: { proto: tcp, dport: "80" }, action: { redirect: "3128" } }
          """);
      Decision d = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:80 in eth1 out eth0");
      assertEquals(Outcome.DELIVERED, d.outcome());
      assertEquals(new Nat(Nat.Kind.REDIRECT, null, PortRange.of(3128)), d.dnat());
    }

    /** nf_nat_redirect_ipv4: {@code if (!newdst.ip) return NF_DROP;} */
    @Test
    void redirectDropsWhenTheInputInterfaceHasNoAddressOfTheFamily() {
      IrPolicy p = compile("""
          host:
            interfaces:
              eth0: { addresses: [192.0.2.10/24] }
              eth1: { addresses: ["2001:db8::1/64"] }
          nat:
            PREROUTING:
              - { match: { in: eth1, proto: tcp }, action: { redirect: } }
          """);
      Decision d = decide(p, "tcp 10.0.0.5:40000 -> 198.51.100.7:80 in eth1 state new");
      assertEquals(Outcome.DROPPED, d.outcome());
    }
  }

  /**
   * get_unique_tuple (nf_nat_core.c): a port already inside the range is kept; otherwise
   * nf_nat_l4proto_unique_tuple starts a destination mapping at the range's start (offset 0)
   * and a source mapping at a random offset.
   */
  @Nested
  class NatPorts {
    private final IrPolicy ir = compile(GATEWAY, """
        nat:
          PREROUTING:
            - match: { in: wan0, proto: tcp, dport: "7000:9000" }
              action: { dnat: "10.0.0.5:8000-8010" }
          POSTROUTING:
            - { match: { out: wan0, proto: tcp }, action: { snat: "203.0.113.2:1024-2048" } }
            - { match: { out: wan0, proto: udp }, action: { masquerade: "1024-2048" } }
        """);

    @Test
    void aDestinationPortInsideTheRangeIsKept() {
      Decision d = decide(ir, "tcp 198.51.100.7:40000 -> 203.0.113.2:8005 in wan0");
      assertEquals(new Nat(Nat.Kind.DNAT, ip("10.0.0.5"), PortRange.of(8005)), d.dnat());
      assertEquals(8005, d.after().dport());
    }

    @Test
    void aDestinationPortOutsideTheRangeMapsToItsStart() {
      Decision d = decide(ir, "tcp 198.51.100.7:40000 -> 203.0.113.2:7000 in wan0");
      assertEquals(new Nat(Nat.Kind.DNAT, ip("10.0.0.5"), PortRange.of(8000)), d.dnat());
      assertEquals(8000, d.after().dport());
    }

    @Test
    void aSourcePortInsideTheRangeIsKept() {
      Decision d = decide(ir, "tcp 10.0.0.5:1500 -> 198.51.100.7:443 in lan0");
      assertEquals(new Nat(Nat.Kind.SNAT, ip("203.0.113.2"), PortRange.of(1500)), d.snat());
      assertEquals(1500, d.after().sport());
    }

    @Test
    void aSourcePortOutsideTheRangeBecomesSomePortOfTheRange() {
      Decision d = decide(ir, "tcp 10.0.0.5:40000 -> 198.51.100.7:443 in lan0");
      assertEquals(new Nat(Nat.Kind.SNAT, ip("203.0.113.2"), new PortRange(1024, 2048)), d.snat());
    }

    @Test
    void masqueradeKeepsASourcePortInsideItsRange() {
      Decision d = decide(ir, "udp 10.0.0.5:2000 -> 198.51.100.7:53 in lan0");
      assertEquals(new Nat(Nat.Kind.MASQUERADE, ip("203.0.113.2"), PortRange.of(2000)), d.snat());
      Decision out = decide(ir, "udp 10.0.0.5:5353 -> 198.51.100.7:53 in lan0");
      assertEquals(new Nat(Nat.Kind.MASQUERADE, ip("203.0.113.2"), new PortRange(1024, 2048)),
          out.snat());
    }
  }

  // ------------------------------------------------------------------ verdicts

  @Nested
  class Verdicts {
    /** ACCEPT is NF_ACCEPT from one table's ipt_do_table; the next table of the hook still runs. */
    @Test
    void acceptEndsOnlyTheCurrentTable() {
      IrPolicy p = compile("""
          mangle:
            PREROUTING:
              - { action: accept }
              - { action: { log: "never" } }
          filter:
            INPUT: { policy: DROP }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of(
          "PREROUTING mangle/PREROUTING #1 ACCEPT",
          "INPUT mangle/INPUT policy ACCEPT",
          "INPUT filter/INPUT policy DROP"), path(d));
      assertEquals(Outcome.DROPPED, d.outcome());
      assertEquals(List.of(), d.logs());
    }

    @Test
    void acceptInAUserChainEndsTheWholeTable() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              policy: DROP
              rules:
                - { action: { jump: allow } }
                - { action: drop }
            allow:
              - { action: accept }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of("INPUT filter/INPUT #1 jump allow", "INPUT filter/allow #1 ACCEPT"),
          path(d));
      assertEquals(Outcome.DELIVERED, d.outcome());
    }

    @Test
    void dropEndsThePacket() {
      IrPolicy p = compile("""
          mangle:
            PREROUTING:
              - { action: drop }
          nat:
            PREROUTING:
              - { action: { log: "nat" } }
          filter:
            INPUT:
              - { action: { log: "filter" } }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of("PREROUTING mangle/PREROUTING #1 DROP"), path(d));
      assertEquals(Outcome.DROPPED, d.outcome());
      assertNull(d.rejectWith());
    }

    @Test
    void rejectEndsThePacketAndReportsTheAnswer() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { match: { proto: tcp, dport: "23" }, action: { reject: tcp-reset } }
              - { match: { proto: udp }, action: reject }
              - { action: { log: "after" } }
          nat:
            INPUT:
              - { action: { log: "nat-input" } }
          """);
      Decision tcp = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:23 in eth0");
      assertEquals(Outcome.REJECTED, tcp.outcome());
      assertEquals("tcp-reset", tcp.rejectWith());
      assertEquals(List.of(
          "INPUT filter/INPUT #1 REJECT tcp-reset"), path(tcp));
      assertEquals(List.of(), tcp.logs());

      Decision udp = decide(p, "udp 203.0.113.9:1 -> 192.0.2.10:69 in eth0");
      assertEquals("icmp-port-unreachable", udp.rejectWith());

      Decision v6 = decide(p, "udp [2001:db8::9]:1 -> [2001:db8::10]:69 in eth0");
      assertEquals(Outcome.REJECTED, v6.outcome());
      assertEquals("icmp6-port-unreachable", v6.rejectWith());
    }

    @Test
    void returnFromAUserChainResumesTheCaller() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              policy: DROP
              rules:
                - { action: { jump: check } }
                - { action: { log: "back" } }
                - { action: accept }
            check:
              - { match: { proto: tcp }, action: return }
              - { action: drop }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of(
          "INPUT filter/INPUT #1 jump check",
          "INPUT filter/check #1 RETURN",
          "INPUT filter/INPUT #2 LOG \"back\"",
          "INPUT filter/INPUT #3 ACCEPT"), path(d));
      assertEquals(Outcome.DELIVERED, d.outcome());
    }

    @Test
    void theEndOfAUserChainResumesTheCaller() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { action: { jump: count } }
              - { action: { log: "back" } }
            count:
              - { action: { log: "counted" } }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of("counted", "back"), d.logs());
    }

    /** ipt_do_table: RETURN with an empty jump stack goes to the underflow entry, the policy. */
    @Test
    void returnFromABuiltInChainAppliesItsPolicy() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              policy: DROP
              rules:
                - { match: { proto: tcp }, action: return }
                - { action: accept }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of("INPUT filter/INPUT #1 RETURN", "INPUT filter/INPUT policy DROP"),
          path(d));
      assertEquals(Outcome.DROPPED, d.outcome());
      assertEquals(Outcome.DELIVERED,
          decide(p, "udp 203.0.113.9:1 -> 192.0.2.10:53 in eth0").outcome());
    }

    /**
     * {@code -g} pushes no return address (ipt_do_table, XT_GOTO): the end of the goto's chain
     * returns to the caller's caller.
     */
    @Test
    void gotoReturnsToTheCallersCaller() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { action: { jump: first } }
              - { action: { log: "input" } }
            first:
              - { action: { goto: second } }
              - { action: { log: "never" } }
            second:
              - { action: { log: "second" } }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of(
          "INPUT filter/INPUT #1 jump first",
          "INPUT filter/first #1 goto second",
          "INPUT filter/second #1 LOG \"second\"",
          "INPUT filter/INPUT #2 LOG \"input\"",
          "INPUT filter/INPUT policy ACCEPT"), path(d));
    }

    @Test
    void jumpReturnsToTheRuleAfterTheJump() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { action: { jump: first } }
              - { action: { log: "input" } }
            first:
              - { action: { jump: second } }
              - { action: { log: "first" } }
            second:
              - { action: { log: "second" } }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of("second", "first", "input"), d.logs());
    }

    @Test
    void gotoFromABuiltInChainThenReturnAppliesThePolicy() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              policy: DROP
              rules:
                - { action: { goto: check } }
                - { action: accept }
            check:
              - { match: { proto: tcp }, action: return }
          """);
      Decision tcp = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of(
          "INPUT filter/INPUT #1 goto check",
          "INPUT filter/check #1 RETURN",
          "INPUT filter/INPUT policy DROP"), path(tcp));
      assertEquals(Outcome.DROPPED, tcp.outcome());

      // Running off the end of the goto's chain does the same.
      Decision udp = decide(p, "udp 203.0.113.9:1 -> 192.0.2.10:53 in eth0");
      assertEquals(List.of("INPUT filter/INPUT #1 goto check", "INPUT filter/INPUT policy DROP"),
          path(udp));
      assertEquals(Outcome.DROPPED, udp.outcome());
    }

    @Test
    void chainPoliciesDecideWhenNoRuleDoes() {
      IrPolicy p = compile("""
          filter:
            INPUT: { policy: DROP }
            OUTPUT: { policy: ACCEPT }
            FORWARD:
              policy: DROP
              rules:
                - { match: { proto: udp }, action: accept }
          """);
      Decision in = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0");
      assertEquals(List.of("INPUT filter/INPUT policy DROP"), path(in));
      assertEquals(Outcome.DROPPED, in.outcome());
      Decision out = decide(p, "tcp 192.0.2.10:1 -> 203.0.113.9:22 out eth0");
      assertEquals(List.of("OUTPUT filter/OUTPUT policy ACCEPT"), path(out));
      assertEquals(Outcome.SENT, out.outcome());
      assertEquals(Outcome.DROPPED,
          decide(p, "tcp 203.0.113.9:1 -> 10.0.0.5:22 in eth0 out eth1").outcome());
      assertEquals(Outcome.FORWARDED,
          decide(p, "udp 203.0.113.9:1 -> 10.0.0.5:53 in eth0 out eth1").outcome());
    }
  }

  // ------------------------------------------------------------------ packet rewrites

  /**
   * xt_mark.c mark_tg: {@code mark = (mark & ~mask) ^ value}; mark_mt: {@code (mark & mask) ==
   * value}.
   */
  @Test
  void markSetXmarkArithmeticIsSeenByLaterMarkMatches() {
    IrPolicy p = compile("""
        mangle:
          PREROUTING:
            - { action: { mark: { set: "0x1/0xff" } } }
            - { action: { mark: { or: "0x10000" } } }
            - { action: { mark: { xor: "0x3" } } }
            - { action: { mark: { and: "0xffff00ff" } } }
        filter:
          INPUT:
            - { match: { mark: "0x2/0xff" }, action: { log: "low-byte-2" } }
            - { match: { mark: "0x10000/0x10000" }, action: { log: "bit-16" } }
            - { match: { mark: "0x10002" }, action: { log: "exact" } }
            - { match: { mark: { not: "0x10002" } }, action: { log: "not-exact" } }
            - { match: { mark: "0x1201/0xffff" }, action: { log: "stale" } }
        """);
    Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 mark 0x1234");
    // 0x1234 → (0x1234 & ~0xff) ^ 0x1 = 0x1201 → | 0x10000 = 0x11201 → ^ 0x3 = 0x11202
    // → & 0xffff00ff = 0x10002
    assertEquals(List.of(
        "PREROUTING mangle/PREROUTING #1 MARK 0x1/0xff",
        "PREROUTING mangle/PREROUTING #2 MARK 0x10000/0x10000",
        "PREROUTING mangle/PREROUTING #3 MARK 0x3/0x0",
        "PREROUTING mangle/PREROUTING #4 MARK 0x0/0xff00",
        "PREROUTING mangle/PREROUTING policy ACCEPT",
        "INPUT mangle/INPUT policy ACCEPT",
        "INPUT filter/INPUT #1 LOG \"low-byte-2\"",
        "INPUT filter/INPUT #2 LOG \"bit-16\"",
        "INPUT filter/INPUT #3 LOG \"exact\"",
        "INPUT filter/INPUT policy ACCEPT"), path(d));
    assertEquals(0x10002L, d.after().mark());
  }

  @Test
  void setMarkWithoutMaskReplacesTheWholeMark() {
    IrPolicy p = compile("""
        mangle:
          PREROUTING:
            - { action: { mark: { set: "0x7" } } }
        """);
    assertEquals(0x7L,
        decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 mark 0xffff0000").after().mark());
  }

  /** xt_connmark.c connmark_tg_shift and connmark_mt; both do nothing without a conntrack entry. */
  @Nested
  class Connmark {
    private final IrPolicy ir = compile("""
        mangle:
          PREROUTING:
            - { action: { connmark: { set: "0x5/0xf" } } }
            - { action: { connmark: { save: { nfmask: "0xff00", ctmask: "0xff00" } } } }
            - { action: { connmark: { restore: { nfmask: "0xff", ctmask: "0xff" } } } }
        filter:
          INPUT:
            - { match: { connmark: "0x1235" }, action: { log: "ct-1235" } }
            - { match: { connmark: { not: "0x1235" } }, action: { log: "ct-not-1235" } }
        """);

    @Test
    void setSaveAndRestoreMoveMarksBetweenPacketAndConnection() {
      Decision d = decide(ir,
          "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 state established mark 0x1234 ctmark 0x30");
      // set: ct = (0x30 & ~0xf) ^ 0x5 = 0x35
      // save: ct = (0x35 & ~0xff00) ^ (0x1234 & 0xff00) = 0x35 ^ 0x1200 = 0x1235
      // restore: mark = (0x1234 & ~0xff) ^ (0x1235 & 0xff) = 0x1200 ^ 0x35 = 0x1235
      assertEquals(0x1235L, d.after().ctmark());
      assertEquals(0x1235L, d.after().mark());
      assertEquals(List.of("ct-1235"), d.logs());
    }

    @Test
    void withoutAConnectionNeitherTargetNorMatchDoesAnything() {
      Decision d = decide(ir,
          "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 state invalid mark 0x1234 ctmark 0x30");
      assertEquals(0x30L, d.after().ctmark());
      assertEquals(0x1234L, d.after().mark());
      assertEquals(List.of(), d.logs(), "connmark_mt is false without a connection, even negated");
    }

    @Test
    void saveAndRestoreWithDefaultMasksCopyTheWholeMark() {
      IrPolicy p = compile("""
          mangle:
            PREROUTING:
              - { action: { connmark: save } }
            INPUT:
              - { action: { mark: { set: "0x0" } } }
              - { action: { connmark: restore } }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 state new mark 0xabc");
      assertEquals(0xabcL, d.after().ctmark());
      assertEquals(0xabcL, d.after().mark());
    }
  }

  /**
   * xt_DSCP.c dscp_tg: {@code tos = (tos & 0x03) | dscp << 2} (ECN kept); tos_tg: {@code tos =
   * (tos & ~mask) ^ value}; ipt_TTL.c: set, or add/subtract clamped to 0–255.
   */
  @Test
  void dscpTosAndTtlTargetsRewriteThePacket() {
    IrPolicy p = compile("""
        mangle:
          PREROUTING:
            - { action: { dscp: EF } }
            - { match: { dscp: EF }, action: { log: "ef" } }
            - { action: { tos: "0x10/0x3f" } }
            - { action: { ttl: { set: 100 } } }
            - { action: { ttl: { inc: 200 } } }
            - { action: { ttl: { dec: 5 } } }
        filter:
          INPUT:
            - { match: { dscp: 36 }, action: { log: "dscp-36" } }
            - { match: { tos: "0x90" }, action: { log: "tos-90" } }
            - { match: { ttl: { eq: 250 } }, action: { log: "ttl-250" } }
        """);
    Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 tos 0x03");
    // dscp EF (46): (0x03 & 0x03) | 0xb8 = 0xbb; tos: (0xbb & 0xc0) ^ 0x10 = 0x90 (dscp 36)
    // ttl: 100, then 100 + 200 clamped to 255, then 250
    assertEquals(0x90, d.after().tos());
    assertEquals(250, d.after().ttl());
    assertEquals(List.of("ef", "dscp-36", "tos-90", "ttl-250"), d.logs());
    assertTrue(path(d).contains("PREROUTING mangle/PREROUTING #1 DSCP 0x2e"), path(d)::toString);
  }

  @Test
  void ttlDecrementStopsAtZero() {
    IrPolicy p = compile("""
        mangle:
          PREROUTING:
            - { action: { ttl: { dec: 5 } } }
        """);
    assertEquals(0, decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 ttl 3").after().ttl());
  }

  // ------------------------------------------------------------------ conntrack and raw

  @Nested
  class ConntrackAndRaw {
    /**
     * raw runs at −300, before conntrack (−200): the conntrack match finds no entry and says
     * INVALID.
     */
    @Test
    void rawSeesEveryPacketAsInvalid() {
      IrPolicy p = compile("""
          raw:
            PREROUTING:
              - { match: { state: invalid }, action: { log: "raw-invalid" } }
              - { match: { state: new }, action: { log: "raw-new" } }
            OUTPUT:
              - { match: { state: invalid }, action: { log: "raw-out-invalid" } }
              - { match: { state: new }, action: { log: "raw-out-new" } }
          mangle:
            PREROUTING:
              - { match: { state: invalid }, action: { log: "mangle-invalid" } }
              - { match: { state: new }, action: { log: "mangle-new" } }
            OUTPUT:
              - { match: { state: new }, action: { log: "mangle-out-new" } }
          """);
      assertEquals(List.of("raw-invalid", "mangle-new"),
          decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 state new").logs());
      assertEquals(List.of("raw-out-invalid", "mangle-out-new"),
          decide(p, "tcp 192.0.2.10:1 -> 203.0.113.9:22 out eth0 state new").logs());
    }

    /** notrack_tg sets IP_CT_UNTRACKED: later tables see UNTRACKED and nf_nat_inet_fn skips NAT. */
    @Test
    void notrackMakesThePacketUntrackedAndSkipsNat() {
      IrPolicy p = compile("""
          raw:
            PREROUTING:
              - { match: { proto: udp, dport: "53" }, action: notrack }
          nat:
            PREROUTING:
              - { match: { proto: udp, dport: "53" }, action: { dnat: 10.0.0.53 } }
          filter:
            INPUT:
              policy: DROP
              rules:
                - { match: { state: untracked }, action: accept }
          """);
      Decision d = decide(p, "udp 203.0.113.9:5353 -> 192.0.2.10:53 in eth0 state new");
      assertEquals(List.of(
          "PREROUTING raw/PREROUTING #1 NOTRACK",
          "PREROUTING raw/PREROUTING policy ACCEPT",
          "INPUT filter/INPUT #1 ACCEPT"), path(d));
      assertEquals(ConnState.UNTRACKED, d.state());
      assertNull(d.dnat());
      assertEquals(Outcome.DELIVERED, d.outcome());

      Decision tracked = decide(p, "udp 203.0.113.9:5353 -> 192.0.2.10:54 in eth0 state new");
      assertEquals(Outcome.DROPPED, tracked.outcome());
      assertEquals(ConnState.NEW, tracked.state());
    }

    @Test
    void notrackInRawOutputSkipsNatOutput() {
      IrPolicy p = compile("""
          raw:
            OUTPUT:
              - { match: { proto: udp, sport: "53" }, action: notrack }
          nat:
            OUTPUT:
              - { action: { log: "nat-output" } }
            POSTROUTING:
              - { action: { log: "nat-postrouting" } }
          filter:
            OUTPUT:
              - { match: { state: untracked }, action: { log: "untracked" } }
          """);
      Decision d = decide(p, "udp 192.0.2.10:53 -> 203.0.113.9:5353 out eth0 state new");
      assertEquals(List.of("untracked"), d.logs());
      assertEquals(ConnState.UNTRACKED, d.state());
      Decision other = decide(p, "udp 192.0.2.10:54 -> 203.0.113.9:5353 out eth0 state new");
      assertEquals(List.of("nat-output", "nat-postrouting"), other.logs());
    }

    @Test
    void aPacketCannotArriveUntracked() {
      assertThrows(IllegalArgumentException.class,
          () -> Packet.parse("udp 203.0.113.9:5353 -> 192.0.2.10:53 in eth0 state untracked"));
    }
  }

  // ------------------------------------------------------------------ matches

  /**
   * ip_packet_match: {@code -f} is true for a non-zero fragment offset; tcp_mt, udp_mt,
   * multiport_mt and icmp_match return false when {@code par->fragoff != 0}, before looking at
   * the inversion flag (netfilter.md §11).
   */
  @Nested
  class Fragments {
    // FORWARD, not INPUT: a fragment for the host itself is reassembled before INPUT runs.
    // No conntrack-using rule, so no defragmentation before the rules either.
    private final IrPolicy ir = compile("""
        filter:
          FORWARD:
            - { match: { fragment: true }, action: { log: "frag" } }
            - { match: { fragment: false }, action: { log: "not-frag" } }
            - { match: { proto: tcp, dport: "22" }, action: { log: "22" } }
            - { match: { proto: tcp, dport: { not: "22" } }, action: { log: "not-22" } }
            - { match: { proto: tcp, dport: { not: ["80", "443"] } }, action: { log: "not-web" } }
            - { match: { proto: tcp, syn: false }, action: { log: "not-syn" } }
            - match: { proto: icmp, icmp-type: { not: echo-request } }
              action: { log: "not-echo" }
            - { match: { proto: tcp }, action: { log: "tcp" } }
        """);

    @Test
    void aWholePacketMatchesNotFragmentAndItsPorts() {
      assertEquals(List.of("not-frag", "22", "not-web", "tcp"),
          decide(ir, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 out eth1").logs());
    }

    @Test
    void aNonFirstFragmentMatchesFragmentButNoPortFlagOrIcmpMatchEvenNegated() {
      assertEquals(List.of("frag", "tcp"),
          decide(ir, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 out eth1 frag").logs());
      assertEquals(List.of("frag", "tcp"),
          decide(ir, "tcp 203.0.113.9:1 -> 192.0.2.10:8080 in eth0 out eth1 state established"
              + " frag").logs());
      assertEquals(List.of("frag"),
          decide(ir, "icmp 203.0.113.9 -> 192.0.2.10 in eth0 out eth1 type echo-reply frag")
              .logs());
      assertEquals(List.of("not-frag", "not-echo"),
          decide(ir, "icmp 203.0.113.9 -> 192.0.2.10 in eth0 out eth1 type echo-reply").logs());
    }

    /**
     * An IPv6 non-first fragment: ip6t_do_table finds its protocol behind the fragment header
     * (ipv6_find_hdr), so {@code -p tcp} matches and port matches do not. Without conntrack it
     * is forwarded as it is; for the host, ip6_input runs the INPUT hook first and only then
     * the fragment header's handler (ipv6_frag_rcv), which holds it.
     */
    @Test
    void anIpv6FragmentRunsInputBeforeReassemblyHoldsIt() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { match: { proto: tcp, dport: "22" }, action: { log: "in-22" } }
              - { match: { proto: tcp }, action: { log: "in-tcp" } }
            FORWARD:
              - { match: { proto: tcp, dport: { not: "22" } }, action: { log: "not-22" } }
              - { match: { proto: tcp }, action: { log: "fwd-tcp" } }
          """);
      Decision local = decide(p, "tcp [2001:db8::9]:1 -> [2001:db8::10]:22 in eth0 frag");
      assertEquals(Outcome.HELD, local.outcome());
      assertEquals(List.of("in-tcp"), local.logs());
      Decision fwd = decide(p, "tcp [2001:db8::9]:1 -> [2001:db8:1::5]:22 in eth0 out eth1 frag");
      assertEquals(Outcome.FORWARDED, fwd.outcome());
      assertEquals(List.of("fwd-tcp"), fwd.logs());
      assertEquals(List.of("in-22", "in-tcp"),
          decide(p, "tcp [2001:db8::9]:1 -> [2001:db8::10]:22 in eth0").logs());
    }

    /** nf_defrag_ipv6 (priority -400) holds an IPv6 fragment before raw, as IPv4's does. */
    @Test
    void withConntrackAnIpv6FragmentIsHeldBeforeTheRules() {
      IrPolicy p = compile("""
          raw:
            PREROUTING:
              - { action: { log: "raw" } }
          filter:
            INPUT:
              - { match: { state: new }, action: accept }
          """);
      Decision d = decide(p, "udp [2001:db8::9]:1 -> [2001:db8::10]:53 in eth0 frag");
      assertEquals(Outcome.HELD, d.outcome());
      assertEquals(List.of(), path(d));
    }

    /** ip_local_deliver reassembles before NF_INET_LOCAL_IN: a lone fragment never gets there. */
    @Test
    void aFragmentForTheHostIsHeldForReassemblyBeforeInput() {
      Decision d = decide(ir, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 frag");
      assertEquals(Outcome.HELD, d.outcome());
      assertEquals(List.of(), d.logs());
    }

    /** With conntrack on, defragmentation (priority -400) holds it before any table. */
    @Test
    void withConntrackAFragmentIsHeldBeforeTheRules() {
      IrPolicy p = compile("""
          raw:
            PREROUTING:
              - { action: { log: "raw" } }
          filter:
            FORWARD:
              - { match: { state: new }, action: accept }
          """);
      Decision d = decide(p, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 out eth1 frag");
      assertEquals(Outcome.HELD, d.outcome());
      assertEquals(List.of(), path(d));
    }

    /** CT --notrack alone does not switch conntrack on, so nothing holds the fragment. */
    @Test
    void notrackAloneLeavesFragmentsToTheRules() {
      IrPolicy p = compile("""
          raw:
            OUTPUT:
              - action: notrack
          """);
      Decision d = decide(p, "tcp 10.77.0.1:1 -> 10.30.178.231:443 out eth1 frag");
      assertEquals(Outcome.SENT, d.outcome());
      assertEquals(List.of("OUTPUT raw/OUTPUT #1 NOTRACK", "OUTPUT raw/OUTPUT policy ACCEPT"),
          path(d));
    }
  }

  /**
   * xt_TCPMSS: a segment without payload and without an MSS option gets one, 4 bytes longer; one
   * with payload is left as it is.
   */
  @Nested
  class TcpMss {
    private final IrPolicy ir = compile("""
        mangle:
          FORWARD:
            - { match: { proto: tcp, syn: true }, action: { tcpmss: 1400 } }
            - { match: { length: "44" }, action: { log: "44" } }
            - { match: { proto: tcp, syn: true }, action: { tcpmss: 1300 } }
            - { match: { length: "44" }, action: { log: "still 44" } }
        """);

    @Test
    void aSegmentWithoutPayloadGrowsByTheOption() {
      Decision d = decide(ir, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 out eth1 flags SYN");
      assertEquals(List.of("44", "still 44"), d.logs());
      assertEquals(44, d.after().length());
      assertEquals(1300, d.mss());
    }

    @Test
    void aSegmentWithPayloadIsLeftAlone() {
      Decision d = decide(ir, "tcp 203.0.113.9:1 -> 192.0.2.10:22 in eth0 out eth1 flags SYN"
          + " len 41");
      assertEquals(List.of(), d.logs());
      assertEquals(41, d.after().length());
      assertNull(d.mss());
    }
  }

  @Test
  void interfaceWildcardsMatchByPrefix() {
    IrPolicy p = compile("""
        filter:
          INPUT:
            - { match: { in: "eth+" }, action: { log: "eth" } }
            - { match: { in: { not: "eth+" } }, action: { log: "not-eth" } }
            - { match: { in: eth1 }, action: { log: "eth1" } }
        """);
    assertEquals(List.of("eth"), decide(p, "udp 192.0.2.9:1 -> 192.0.2.10:53 in eth0").logs());
    assertEquals(List.of("eth"), decide(p, "udp 192.0.2.9:1 -> 192.0.2.10:53 in eth12").logs());
    assertEquals(List.of("eth", "eth1"),
        decide(p, "udp 192.0.2.9:1 -> 192.0.2.10:53 in eth1").logs());
    assertEquals(List.of("not-eth"), decide(p, "udp 192.0.2.9:1 -> 192.0.2.10:53 in wlan0").logs());
    assertEquals(List.of("not-eth"), decide(p, "udp 192.0.2.9:1 -> 192.0.2.10:53 in veth0").logs());
  }

  /**
   * xt_addrtype.c: IPv4 types come from inet_dev_addr_type, which gives one type per address
   * (zeronet and 255.255.255.255 BROADCAST, 224/4 MULTICAST, the local table's LOCAL and
   * BROADCAST entries, else UNICAST), and a rule matches when any listed type is it. IPv6
   * (match_type6) tests each listed type in turn: every one must hold.
   */
  @Nested
  class AddressTypes {
    private final IrPolicy ir = compile("""
        host:
          interfaces:
            eth0: { addresses: [192.0.2.10/24, "2001:db8:1::10/64"] }
            eth1: { addresses: [10.0.0.1/24, "2001:db8:2::1/64"] }
          routes:
            - { to: default, via: 192.0.2.1, dev: eth0 }
        filter:
          INPUT:
            - { match: { dst-type: LOCAL }, action: { log: "local" } }
            - { match: { dst-type: BROADCAST }, action: { log: "broadcast" } }
            - { match: { dst-type: MULTICAST }, action: { log: "multicast" } }
            - { match: { dst-type: UNICAST }, action: { log: "unicast" } }
            - { match: { dst-type: [LOCAL, MULTICAST] }, action: { log: "local+multicast" } }
            - { match: { dst-type: [UNICAST, LOCAL] }, action: { log: "unicast+local" } }
            - { match: { src-type: { not: UNICAST } }, action: { log: "src-not-unicast" } }
          FORWARD:
            - { match: { dst-type: UNICAST }, action: { log: "fwd-unicast" } }
            - { match: { dst-type: LOCAL }, action: { log: "fwd-local" } }
          OUTPUT:
            - { match: { src-type: LOCAL }, action: { log: "out-src-local" } }
        """);

    @Test
    void ipv4LocalAddressIsLocalOnly() {
      assertEquals(List.of("local", "local+multicast", "unicast+local"),
          decide(ir, "udp 203.0.113.9:1 -> 10.0.0.1:53 in eth0").logs());
    }

    @Test
    void ipv4BroadcastAddresses() {
      assertEquals(List.of("broadcast"),
          decide(ir, "udp 192.0.2.7:68 -> 192.0.2.255:67 in eth0").logs());
      assertEquals(List.of("broadcast", "src-not-unicast"),
          decide(ir, "udp 0.0.0.0:68 -> 255.255.255.255:67 in eth0").logs());
    }

    @Test
    void ipv4MulticastMatchesAnyOfTheListedTypes() {
      assertEquals(List.of("multicast", "local+multicast"),
          decide(ir, "udp 192.0.2.7:5353 -> 224.0.0.1:5353 in eth0").logs());
    }

    @Test
    void ipv4ForwardedAddressIsUnicast() {
      assertEquals(List.of("fwd-unicast"),
          decide(ir, "udp 192.0.2.7:5353 -> 198.51.100.7:53 in eth1").logs());
    }

    @Test
    void theSourceOfALocallySentPacketIsLocal() {
      assertEquals(List.of("out-src-local"),
          decide(ir, "udp 192.0.2.10:5353 -> 198.51.100.7:53").logs());
    }

    /**
     * In IPv6 a local address is also UNICAST (ipv6_addr_type sets IPV6_ADDR_UNICAST for every
     * address that is neither multicast nor ::), and LOCAL is a route lookup on top.
     */
    @Test
    void ipv6EveryListedTypeMustHold() {
      assertEquals(List.of("local", "unicast", "unicast+local"),
          decide(ir, "udp [2001:db8:9::1]:1 -> [2001:db8:1::10]:53 in eth0").logs());
      assertEquals(List.of("multicast"),
          decide(ir, "udp [2001:db8:1::9]:1 -> [ff02::1]:53 in eth0").logs());
    }

    @Test
    void withoutHostModelThePacketSaysWhatIsLocal() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { match: { dst-type: LOCAL }, action: { log: "local" } }
              - { match: { dst-type: BROADCAST }, action: { log: "broadcast" } }
              - { match: { dst-type: MULTICAST }, action: { log: "multicast" } }
            FORWARD:
              - { match: { dst-type: LOCAL }, action: { log: "fwd-local" } }
              - { match: { dst-type: UNICAST }, action: { log: "fwd-unicast" } }
            OUTPUT:
              - { match: { src-type: LOCAL }, action: { log: "out-src-local" } }
              - { match: { dst-type: LOCAL }, action: { log: "out-dst-local" } }
          """);
      assertEquals(List.of("local"),
          decide(p, "udp 203.0.113.9:1 -> 192.0.2.10:53 in eth0").logs());
      assertEquals(List.of("local"),
          decide(p, "udp [2001:db8::9]:1 -> [2001:db8::10]:53 in eth0").logs());
      assertEquals(List.of("fwd-unicast"),
          decide(p, "udp 203.0.113.9:1 -> 10.0.0.5:53 in eth0 out eth1").logs());
      assertEquals(List.of("broadcast"),
          decide(p, "udp 0.0.0.0:68 -> 255.255.255.255:67 in eth0").logs());
      assertEquals(List.of("multicast"),
          decide(p, "udp 192.0.2.7:5353 -> 224.0.0.251:5353 in eth0").logs());
      assertEquals(List.of("out-src-local"),
          decide(p, "udp 192.0.2.10:1 -> 198.51.100.7:53 out eth0").logs());
      assertEquals(List.of("out-src-local", "out-dst-local", "local"),
          decide(p, "udp 127.0.0.1:1 -> 127.0.0.1:53 out lo").logs());
    }
  }

  /**
   * ip_set_test and the kadt functions: hash:ip,port takes the address from the first direction
   * and the port from the second (ip_set_get_ip4_port with IPSET_DIM_TWO_SRC) and compares the
   * protocol; bitmap:port uses ip_set_get_ip_port, which only accepts TCP and UDP packets
   * (net/netfilter/ipset/ip_set_bitmap_port.c).
   */
  @Nested
  class IpSets {
    private final IrPolicy ir = compile("""
        objects:
          sets:
            blocked:
              type: hash:net
              entries: [198.51.100.0/24]
            published:
              type: "hash:ip,port"
              entries: ["192.0.2.80,tcp:443", "192.0.2.53,udp:53"]
            flows:
              type: "hash:ip,port"
              entries: ["203.0.113.9,tcp:22"]
            admin-ports:
              type: bitmap:port
              range: "1-1024"
              entries: ["22", "771"]
        filter:
          FORWARD:
            - { match: { set: { name: blocked, dir: src } }, action: { log: "blocked" } }
            - match: { set: { not: { name: blocked, dir: src } } }
              action: { log: "not-blocked" }
            - { match: { set: { name: published, dir: [dst, dst] } }, action: { log: "published" } }
            - match: { set: { name: published, dir: [dst, src] } }
              action: { log: "dst-ip-src-port" }
            - { match: { set: { name: admin-ports, dir: dst } }, action: { log: "admin-port" } }
            - { match: { set: { name: flows, dir: [src, dst] } }, action: { log: "flow" } }
        """);

    private List<String> logs(String packet) {
      return decide(ir, packet + " in eth0 out eth1").logs();
    }

    @Test
    void hashNetMatchesTheSourcePrefixAndItsNegation() {
      assertEquals(List.of("blocked", "published"),
          logs("tcp 198.51.100.7:40000 -> 192.0.2.80:443"));
      assertEquals(List.of("not-blocked"), logs("tcp 203.0.113.9:40000 -> 192.0.2.9:443"));
    }

    @Test
    void hashIpPortTakesTheAddressFromTheFirstDirectionAndThePortFromTheSecond() {
      assertEquals(List.of("not-blocked", "published"),
          logs("udp 203.0.113.9:5353 -> 192.0.2.53:53"));
      assertEquals(List.of("not-blocked", "dst-ip-src-port"),
          logs("tcp 203.0.113.9:443 -> 192.0.2.80:8080"));
    }

    @Test
    void hashIpPortWithSrcDstTakesTheSourceAddressAndTheDestinationPort() {
      assertEquals(List.of("not-blocked", "admin-port", "flow"),
          logs("tcp 203.0.113.9:40000 -> 192.0.2.9:22"));
      assertEquals(List.of("not-blocked"), logs("tcp 203.0.113.9:22 -> 192.0.2.9:80"));
      assertEquals(List.of("not-blocked"), logs("tcp 203.0.113.10:40000 -> 192.0.2.9:2222"));
    }

    @Test
    void hashIpPortComparesTheProtocol() {
      assertEquals(List.of("not-blocked"), logs("udp 203.0.113.9:40000 -> 192.0.2.80:443"));
    }

    @Test
    void bitmapPortMatchesTcpAndUdpPorts() {
      assertEquals(List.of("not-blocked", "admin-port"),
          logs("tcp 198.18.0.9:40000 -> 192.0.2.9:22"));
      assertEquals(List.of("not-blocked", "admin-port"),
          logs("udp 198.18.0.9:40000 -> 192.0.2.9:22"));
      assertEquals(List.of("not-blocked"), logs("tcp 198.18.0.9:40000 -> 192.0.2.9:23"));
    }

    /**
     * ip_set_get_ip_port returns false for every protocol but IPPROTO_TCP and IPPROTO_UDP, so
     * the set test fails (checked on a 6.18 kernel with SCTP and ICMP 3/3 packets).
     */
    @Test
    void bitmapPortNeverMatchesOtherProtocols() {
      assertEquals(List.of("not-blocked"), logs("sctp 198.18.0.9:40000 -> 192.0.2.9:22"));
      // ICMP port-unreachable reads as "port" 3 << 8 | 3 = 771 in the hash types; not here.
      assertEquals(List.of("not-blocked"), logs("icmp 203.0.113.9 -> 192.0.2.9 type 3/3"));
    }
  }

  /**
   * The documented model of stateful matches (Interpreter's class comment): a packet's {@code
   * seq} is the number of identical packets sent back to back before it.
   */
  @Nested
  class StatefulMatches {
    /**
     * xt_limit.c: the bucket starts full (credit_cap = user2credits(avg * burst)) and each packet
     * costs user2credits(avg), so {@code burst} packets back to back pass and the next does not.
     * With HZ·CREDITS_PER_JIFFY = 32000 (HZ 250 or 1000) both rates below divide exactly. Other
     * rates need not: 3/second with burst 100 let 99 packets through on iptables-legacy and 100
     * on iptables-nft (6.18 kernel), and the model says 100.
     */
    @Test
    void limitLetsTheBurstThroughThenStops() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { match: { limit: { rate: 1/second, burst: 3 } }, action: { log: "burst-3" } }
              - { match: { limit: 10/minute }, action: { log: "burst-5" } }
          """);
      String pkt = "udp 203.0.113.9:1 -> 192.0.2.10:53 in eth0 seq ";
      assertEquals(List.of("burst-3", "burst-5"), decide(p, pkt + 0).logs());
      assertEquals(List.of("burst-3", "burst-5"), decide(p, pkt + 2).logs());
      assertEquals(List.of("burst-5"), decide(p, pkt + 3).logs());
      assertEquals(List.of("burst-5"), decide(p, pkt + 4).logs());
      assertEquals(List.of(), decide(p, pkt + 5).logs());
    }

    /**
     * libxt_statistic stores every = n − 1 and the initial count n − 1 − p; statistic_mt
     * (xt_statistic.c) advances the counter, wrapping from every to 0, and matches on 0. So the
     * packets numbered p, p + n, p + 2n… (from 0) match: with {@code --every 3 --packet 0} the
     * first packet does. Checked on a 6.18 kernel: of five packets, {@code --packet 0} and
     * {@code --packet 1} counted two each, and the first packet alone hit {@code --packet 0}.
     */
    @Test
    void statisticNthMatchesPacketsNumberedPacketModuloEvery() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { match: { statistic: { every: 3 } }, action: { log: "p0" } }
              - { match: { statistic: { every: 3, packet: 1 } }, action: { log: "p1" } }
              - { match: { statistic: { every: 1 } }, action: { log: "all" } }
          """);
      String pkt = "udp 203.0.113.9:1 -> 192.0.2.10:53 in eth0 seq ";
      assertEquals(List.of("p0", "all"), decide(p, pkt + 0).logs());
      assertEquals(List.of("p1", "all"), decide(p, pkt + 1).logs());
      assertEquals(List.of("all"), decide(p, pkt + 2).logs());
      assertEquals(List.of("p0", "all"), decide(p, pkt + 3).logs());
      assertEquals(List.of("p1", "all"), decide(p, pkt + 4).logs());
    }

    /**
     * statistic_mt: {@code (get_random_u32() & 0x7FFFFFFF) < probability}, the probability
     * stored as round(p·2^31).
     */
    @Test
    void statisticRandomComparesTheDrawWithTheStoredProbability() {
      IrPolicy p = compile("""
          filter:
            INPUT:
              - { match: { statistic: { probability: 0.5 } }, action: { log: "half" } }
          """);
      String pkt = "udp 203.0.113.9:1 -> 192.0.2.10:53 in eth0 random ";
      assertEquals(List.of("half"), decide(p, pkt + 0).logs());
      assertEquals(List.of("half"), decide(p, pkt + 1073741823).logs());
      assertEquals(List.of(), decide(p, pkt + 1073741824).logs());
    }
  }
}
