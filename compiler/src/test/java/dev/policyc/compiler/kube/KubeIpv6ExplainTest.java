package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.IpvsadmReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The IPv6 proxier's output (the goldens under {@code kube/golden-ipv6}) read back as IPv6
 * rules, with kube-proxy's jumps, and explained on the node of {@code ipv6/node-host.yaml}, as
 * {@code policyc explain RULES --kube-proxy-jumps} does: iptables mode, every random draw of a
 * service landing on one of its endpoints; IPVS mode, the fixed rules, the KUBE-6- sets and the
 * virtual servers of ipvs.rules bound on kube-ipvs0.
 */
class KubeIpv6ExplainTest {
  private static final Path GOLDEN = KubeFiles.DIR.resolve("golden-ipv6");
  private static final String OUT = "[2001:db8:ff::9]:40000 -> ";
  private static final List<String> DRAWS = List.of("0", "805306368", "1610612736",
      "2147483647");
  /** The node's address on the pod side (eth1), which MASQUERADE takes. */
  private static final String NODE_POD_SIDE = "fd00:10::fffe";

  static HostModel host() {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(
        KubeFiles.DIR.resolve("ipv6/node-host.yaml"));
    Compilation c = PolicyCompiler.compile(read.policy());
    assertTrue(c.ok(), c.diagnostics().toString());
    return c.ir().host();
  }

  private static Ruleset rules(Path file) throws ParseException {
    return KubeProxyJumps.add(IptablesSaveReader.read(file.toString(), KubeFiles.text(file),
        Family.IPV6));
  }

  static IrPolicy iptablesMode(String golden) throws ParseException {
    return new IrPolicy("kube", host(), List.of(), new Ruleset(Family.IPV4, List.of()),
        rules(GOLDEN.resolve(golden).resolve("iptables/ip6tables.rules")));
  }

  static Interpreter ipvsMode(String golden) throws ParseException {
    Path dir = GOLDEN.resolve(golden).resolve("ipvs");
    IrPolicy p = new IrPolicy("kube", host(),
        IpsetReader.read("ipset.rules", KubeFiles.text(dir.resolve("ipset.rules"))),
        new Ruleset(Family.IPV4, List.of()), rules(dir.resolve("ip6tables.rules")));
    IpvsConfig ipvs = IpvsadmReader.read("ipvs.rules", KubeFiles.text(dir.resolve("ipvs.rules")));
    return new Interpreter(p, ipvs, "kube-ipvs0");
  }

  static Stream<Arguments> iptablesPackets() {
    return Stream.of(
        Arguments.of("clusterip", "ClusterIP", "tcp " + OUT + "[fd00:96::10]:80 in eth0",
            Outcome.FORWARDED, "[fd00:10:0:1::5]:8080 [fd00:10:0:2::6]:8080"),
        Arguments.of("clusterip", "no endpoints", "udp " + OUT + "[fd00:96::11]:53 in eth0",
            Outcome.REJECTED, null),
        Arguments.of("nodeport", "UDP NodePort", "udp " + OUT + "[2001:db8::1]:30053 in eth0",
            Outcome.FORWARDED, "[fd00:10::21]:5353 [fd00:10::22]:5353 [fd00:10::23]:5353"),
        Arguments.of("nodeport", "TCP NodePort on the second address",
            "tcp " + OUT + "[2001:db8:1::2]:30443 in eth0", Outcome.FORWARDED,
            "[fd00:10::21]:8443 [fd00:10::22]:8443 [fd00:10::23]:8443"),
        Arguments.of("loadbalancer-source-ranges", "LB IP inside the source ranges",
            "tcp " + OUT + "[2001:db8:100::30]:443 in eth0", Outcome.FORWARDED,
            "[fd00:10::31]:8443"),
        Arguments.of("loadbalancer-source-ranges", "LB IP outside the source ranges",
            "tcp [2001:db8:9::1]:40000 -> [2001:db8:100::30]:443 in eth0", Outcome.DROPPED,
            null),
        Arguments.of("external-ips", "external IP", "tcp " + OUT + "[2001:db8:200::40]:80 in eth0",
            Outcome.FORWARDED, "[fd00:10::41]:8080 [fd00:10::42]:8080"),
        Arguments.of("external-ips", "external IP that is the node's",
            "tcp " + OUT + "[2001:db8:1::2]:80 in eth0", Outcome.FORWARDED,
            "[fd00:10::41]:8080 [fd00:10::42]:8080"),
        Arguments.of("external-traffic-policy-local", "LB IP, the local endpoint only",
            "tcp " + OUT + "[2001:db8:100::60]:80 in eth0", Outcome.FORWARDED,
            "[fd00:10::61]:8080"),
        Arguments.of("external-traffic-policy-local", "LB IP, no local endpoint",
            "tcp " + OUT + "[2001:db8:100::61]:80 in eth0", Outcome.DROPPED, null),
        Arguments.of("external-traffic-policy-local", "health check node port",
            "tcp " + OUT + "[2001:db8::1]:32100 in eth0", Outcome.DELIVERED, null),
        Arguments.of("session-affinity", "ClientIP affinity, one decision",
            "tcp " + OUT + "[fd00:96::50]:80 in eth0", Outcome.FORWARDED,
            "[fd00:10::51]:8080 [fd00:10::52]:8080"),
        Arguments.of("dual-stack", "the IPv6 cluster IP of a dual-stack Service",
            "tcp " + OUT + "[fd00:96::77]:80 in eth0", Outcome.FORWARDED,
            "[fd00:10::71]:8080 [fd00:10::72]:8080"));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource
  void iptablesPackets(String golden, String what, String packet, Outcome outcome,
      String endpoints) throws ParseException {
    IrPolicy p = iptablesMode(golden);
    Set<String> allowed = endpoints == null ? Set.of() : Set.of(endpoints.split(" "));
    Set<String> reached = new TreeSet<>();
    for (String draw : DRAWS) {
      Decision d = Interpreter.decide(p, Packet.parse(packet + " random " + draw));
      assertEquals(outcome, d.outcome(), what + " random " + draw + ": " + d.path());
      if (endpoints == null) {
        assertNull(d.dnat(), what + ": " + d.dnat());
        continue;
      }
      String to = "[" + d.dnat().addr() + "]:" + d.dnat().ports().lo();
      assertTrue(allowed.contains(to), what + ": DNAT to " + to + ", not one of " + allowed);
      assertEquals(to, "[" + d.after().dst() + "]:" + d.after().dport());
      assertEquals("eth1", d.outIface());
      reached.add(to);
    }
    assertEquals(allowed, reached, what + ": endpoints reached by the draws " + DRAWS);
  }

  @Test
  void aClusterIpPacketFromOutsideTheClusterIsMasqueradedNotOneFromAPod()
      throws ParseException {
    IrPolicy p = iptablesMode("clusterip");
    Decision out = Interpreter.decide(p, Packet.parse("tcp " + OUT
        + "[fd00:96::10]:80 in eth0 random 0"));
    assertNotNull(out.snat(), chains(out));
    assertEquals(NODE_POD_SIDE, out.snat().addr().toString());
    Decision pod = Interpreter.decide(p, Packet.parse("tcp [fd00:10:0:3::9]:40000 ->"
        + " [fd00:96::10]:80 in eth1 random 0"));
    assertEquals(Outcome.FORWARDED, pod.outcome(), chains(pod));
    assertNull(pod.snat(), chains(pod));
  }

  @Test
  void ipvsModeSchedulesAClusterIpAndMasqueradesItFromOutside() throws ParseException {
    Decision d = ipvsMode("clusterip").decide(Packet.parse("tcp " + OUT
        + "[fd00:96::10]:80 in eth0"));
    assertScheduled(d, Set.of("[fd00:10:0:1::5]:8080", "[fd00:10:0:2::6]:8080"), true);
    assertTrue(chains(d).contains("KUBE-MARK-MASQ#"), chains(d));
  }

  @Test
  void ipvsModeSchedulesANodePortOnEachNodeAddress() throws ParseException {
    Interpreter node = ipvsMode("nodeport");
    for (String addr : List.of("2001:db8::1", "2001:db8:1::2")) {
      Decision d = node.decide(Packet.parse("udp " + OUT + "[" + addr + "]:30053 in eth0"));
      assertScheduled(d, Set.of("[fd00:10::21]:5353", "[fd00:10::22]:5353",
          "[fd00:10::23]:5353"), true);
    }
  }

  @Test
  void ipvsModeLoadBalancerSourceRanges() throws ParseException {
    Interpreter node = ipvsMode("loadbalancer-source-ranges");
    Decision in = node.decide(Packet.parse("tcp " + OUT + "[2001:db8:100::30]:443 in eth0"));
    assertScheduled(in, Set.of("[fd00:10::31]:8443"), true);
    Decision out = node.decide(Packet.parse("tcp [2001:db8:9::1]:40000 ->"
        + " [2001:db8:100::30]:443 in eth0"));
    assertEquals(Outcome.DROPPED, out.outcome(), chains(out));
    assertTrue(chains(out).endsWith("KUBE-SOURCE-RANGES-FIREWALL#3"), chains(out));
    assertNull(out.ipvs());
  }

  @Test
  void ipvsModeRejectsAnotherPortOfABoundClusterIp() throws ParseException {
    Decision d = ipvsMode("clusterip").decide(Packet.parse("tcp " + OUT
        + "[fd00:96::10]:22 in eth0"));
    assertEquals(Outcome.REJECTED, d.outcome(), chains(d));
    assertTrue(chains(d).contains("KUBE-IPVS-FILTER#"), chains(d));
  }

  // External IPs in IPVS mode (the external-ips and dual-stack cases) are not explained here:
  // their KUBE-SERVICES rules match -m physdev, which the iptables reader does not read.

  @Test
  void theExplainCommandReadsTheIpv6OutputOfBothModes() {
    Path v6 = KubeFiles.DIR.resolve("ipv6");
    Path ipt = GOLDEN.resolve("clusterip/iptables/ip6tables.rules");
    dev.policyc.compiler.cli.Cli.Captured c = dev.policyc.compiler.cli.Cli.capture("explain",
        ipt.toString(), "--kube-proxy-jumps", "--host", v6.resolve("node-host.yaml").toString(),
        "--packet", "tcp " + OUT + "[fd00:96::10]:80 in eth0 random 0");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("verdict: ACCEPT: forwarded out eth1"), c.out());
    assertTrue(c.out().contains("DNAT to fd00:10:0:1::5"), c.out());
    Path ipvs = GOLDEN.resolve("clusterip/ipvs");
    c = dev.policyc.compiler.cli.Cli.capture("explain", ipvs.resolve("ip6tables.rules")
        .toString(), "--kube-proxy-jumps", "--host", v6.resolve("node-host.yaml").toString(),
        "--ipsets", ipvs.resolve("ipset.rules").toString(), "--ipvs",
        ipvs.resolve("ipvs.rules").toString(), "--packet", "tcp " + OUT
            + "[fd00:96::10]:80 in eth0");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("ipvs: -t [fd00:96::10]:80 (rr) -> [fd00:10:0:"), c.out());
    assertTrue(c.out().contains("MASQUERADE to fd00:10::fffe"), c.out());
  }

  private static void assertScheduled(Decision d, Set<String> reals, boolean masqueraded) {
    assertEquals(Outcome.FORWARDED, d.outcome(), chains(d));
    assertNotNull(d.ipvs(), chains(d));
    String to = "[" + d.after().dst() + "]:" + d.after().dport();
    assertTrue(reals.contains(to), to + " not one of " + reals);
    assertEquals("eth1", d.outIface());
    assertNull(d.dnat(), "IPVS rewrites the destination, not a DNAT rule");
    if (masqueraded) {
      assertNotNull(d.snat(), chains(d));
      assertEquals(NODE_POD_SIDE, d.snat().addr().toString());
    } else {
      assertNull(d.snat(), chains(d));
    }
  }

  private static String chains(Decision d) {
    return d.path().stream().filter(s -> !s.isPolicy()).map(s -> s.chain() + "#" + s.rule())
        .collect(Collectors.joining(" "));
  }
}
