package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ipvs.IpvsConfig;
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
import org.junit.jupiter.api.Test;

/**
 * The output of {@code policyc kube --mode ipvs} (the golden cases) explained as the node runs
 * it: the fixed iptables rules with kube-proxy's IPVS-mode jumps, its ipsets (with the
 * three-dimensional KUBE-LOOP-BACK and KUBE-LOAD-BALANCER-SOURCE-*), and the virtual servers of
 * ipvs.rules, whose addresses are bound on kube-ipvs0, on the node of {@code node-host.yaml}.
 * The decisions are the ones kube-proxy's design means (docs/kube.md, the IPVS reference §5.4):
 * service traffic passes nat KUBE-SERVICES and filter KUBE-IPVS-FILTER, is scheduled by IPVS
 * after filter INPUT, and is masqueraded in POSTROUTING when KUBE-MARK-MASQ marked it (sources
 * outside the cluster CIDR, NodePorts, LoadBalancer IPs) or when a pod reaches itself
 * (KUBE-LOOP-BACK); LoadBalancer traffic from outside the source ranges is dropped in filter
 * INPUT; other ports of a bound VIP are rejected (KUBE-IPVS-FILTER, kubernetes#72236).
 */
class KubeIpvsExplainTest {
  private static final String OUTSIDE = "tcp 203.0.113.9:40000 -> ";
  /** The node's address on the pod side (eth1), which MASQUERADE takes. */
  private static final String NODE_POD_SIDE = "10.180.255.254";

  /** An interpreter of the golden case's IPVS-mode output, as explain --ipvs builds it. */
  static Interpreter node(String golden) throws ParseException {
    Path dir = KubeFiles.DIR.resolve("golden").resolve(golden).resolve("ipvs");
    Path rules = dir.resolve("iptables.rules");
    Ruleset rs = KubeProxyJumps.add(IptablesSaveReader.read(rules.toString(),
        KubeFiles.text(rules), Family.IPV4));
    IrPolicy p = new IrPolicy("kube", KubeExplainTest.host(),
        IpsetReader.read("ipset.rules", KubeFiles.text(dir.resolve("ipset.rules"))), rs,
        new Ruleset(Family.IPV6, List.of()));
    IpvsConfig ipvs = IpvsadmReader.read("ipvs.rules", KubeFiles.text(dir.resolve("ipvs.rules")));
    return new Interpreter(p, ipvs, "kube-ipvs0");
  }

  private static String chains(Decision d) {
    return d.path().stream().filter(s -> !s.isPolicy()).map(s -> s.chain() + "#" + s.rule())
        .collect(Collectors.joining(" "));
  }

  /** Scheduled by IPVS to {@code real} and forwarded to the pods, masqueraded or not. */
  private static void assertScheduled(Decision d, String real, boolean masqueraded) {
    assertEquals(Outcome.FORWARDED, d.outcome(), chains(d));
    assertNotNull(d.ipvs(), chains(d));
    assertEquals(real, d.ipvs().real().endpoint());
    assertEquals(real, d.after().dst() + ":" + d.after().dport());
    assertEquals("eth1", d.outIface());
    assertNull(d.dnat(), "IPVS rewrites the destination, not a DNAT rule");
    if (masqueraded) {
      assertNotNull(d.snat(), chains(d));
      assertEquals(NODE_POD_SIDE, d.snat().addr().toString());
      assertTrue(chains(d).contains("KUBE-POSTROUTING#"), chains(d));
    } else {
      assertNull(d.snat(), chains(d));
    }
  }

  @Test
  void aClusterIpPacketIsScheduledAndMasqueradedWhenItComesFromOutsideTheCluster()
      throws ParseException {
    Interpreter node = node("loadbalancer-source-ranges");
    Decision d = node.decide(Packet.parse(OUTSIDE + "10.96.1.20:443 in eth0"));
    assertScheduled(d, "10.180.4.1:8443", true);
    // KUBE-CLUSTER-IP dst,dst ! -s 10.0.0.0/8 marks it; KUBE-IPVS-FILTER lets it in
    assertTrue(chains(d).startsWith("PREROUTING#1 KUBE-SERVICES#3 KUBE-MARK-MASQ#1"), chains(d));
    assertTrue(chains(d).contains("KUBE-IPVS-FILTER#2"), chains(d));
    // from a pod (inside the cluster CIDR): not marked, the source stays
    assertScheduled(node.decide(Packet.parse("tcp 10.180.9.9:40000 -> 10.96.1.20:443 in eth1")),
        "10.180.4.1:8443", false);
  }

  @Test
  void anotherPortOfABoundVipIsRejectedByTheIpvsFilter() throws ParseException {
    Decision d = node("loadbalancer-source-ranges")
        .decide(Packet.parse(OUTSIDE + "10.96.1.20:80 in eth0"));
    assertEquals(Outcome.REJECTED, d.outcome(), chains(d));
    assertTrue(chains(d).endsWith("KUBE-IPVS-FILTER#6"), chains(d));
    assertNull(d.ipvs());
  }

  @Test
  void aNodePortPacketIsScheduledOnEachNodeAddressAndMasqueraded() throws ParseException {
    Interpreter node = node("loadbalancer-source-ranges");
    for (String nodeIp : List.of("192.168.0.2", "192.168.1.2", "192.168.99.11")) {
      Decision d = node.decide(Packet.parse(OUTSIDE + nodeIp + ":31443 in eth0"));
      assertScheduled(d, "10.180.4.1:8443", true);
      assertEquals(nodeIp + ":31443", d.ipvs().service().ipvsadmName().split(" ")[1]);
      assertTrue(chains(d).contains("KUBE-NODE-PORT#1 KUBE-MARK-MASQ#1"), chains(d));
    }
    // a port that is no NodePort: no virtual server, delivered to the node itself
    Decision none = node.decide(Packet.parse(OUTSIDE + "192.168.0.2:31444 in eth0"));
    assertEquals(Outcome.DELIVERED, none.outcome(), chains(none));
    assertNull(none.ipvs());
  }

  @Test
  void aLoadBalancerPacketPassesOnlyFromInsideTheSourceRanges() throws ParseException {
    Interpreter node = node("loadbalancer-source-ranges");
    // inside 203.0.113.0/24 (KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src): scheduled, masqueraded
    // by KUBE-LOAD-BALANCER's KUBE-MARK-MASQ
    Decision in = node.decide(Packet.parse("tcp 203.0.113.7:40000 -> 198.51.100.20:443 in eth0"));
    assertScheduled(in, "10.180.4.1:8443", true);
    assertTrue(chains(in).contains("KUBE-SOURCE-RANGES-FIREWALL#1"), chains(in));
    Decision in16 = node.decide(Packet.parse("tcp 192.168.7.7:40000 -> 198.51.100.20:443 in eth0"));
    assertScheduled(in16, "10.180.4.1:8443", true);
    // outside both ranges: KUBE-PROXY-FIREWALL -> KUBE-SOURCE-RANGES-FIREWALL's DROP, before IPVS
    Decision out = node.decide(Packet.parse("tcp 198.18.0.1:40000 -> 198.51.100.20:443 in eth0"));
    assertEquals(Outcome.DROPPED, out.outcome(), chains(out));
    assertTrue(chains(out).endsWith("KUBE-PROXY-FIREWALL#1 KUBE-SOURCE-RANGES-FIREWALL#3"),
        chains(out));
    assertNull(out.ipvs());
  }

  @Test
  void roundRobinReachesEveryEndpointAndAPodThatReachesItselfIsMasqueraded()
      throws ParseException {
    Interpreter node = node("clusterip");
    Set<String> reached = new TreeSet<>();
    for (int i = 0; i < 3; i++) {
      // the local endpoint 10.180.0.7 calls its own service
      Decision d = node.decide(Packet.parse("tcp 10.180.0.7:" + (40000 + i)
          + " -> 10.96.0.10:80 in eth1"));
      String real = d.ipvs().real().endpoint();
      reached.add(real);
      // KUBE-LOOP-BACK (hash:ip,port,ip, dst,dst,src) holds 10.180.0.7,tcp:8080,10.180.0.7:
      // the hairpin connection is masqueraded, so the reply comes back through the node
      boolean hairpin = real.equals("10.180.0.7:8080");
      assertScheduled(d, real, hairpin);
      assertEquals(hairpin, chains(d).contains("KUBE-POSTROUTING#1"), chains(d));
    }
    assertEquals(Set.of("10.180.0.7:8080", "10.180.1.5:8080", "10.180.2.9:8080"), reached);
  }

  /**
   * IPVS mode's jumps (iptablesJumpChain of pkg/proxy/ipvs/proxier.go, each prepended), the
   * same in the text and in the rules read back.
   */
  @Test
  void anIpvsModePayloadGetsIpvsModesJumps() throws ParseException {
    String payload = KubeFiles.text(KubeFiles.DIR.resolve(
        "golden/loadbalancer-source-ranges/ipvs/iptables.rules"));
    String text = KubeProxyJumps.add(payload);
    assertEquals(IptablesSaveReader.read("t", text, Family.IPV4),
        KubeProxyJumps.add(IptablesSaveReader.read("t", payload, Family.IPV4)));
    assertTrue(text.contains(
        "-A FORWARD -m comment --comment \"kube-proxy firewall rules\" -j KUBE-PROXY-FIREWALL\n"
        + "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n"
        + "-A INPUT -m comment --comment \"kubernetes ipvs access filter\""
        + " -j KUBE-IPVS-FILTER\n"
        + "-A INPUT -m comment --comment \"kube-proxy firewall rules\" -j KUBE-PROXY-FIREWALL\n"
        + "-A INPUT -m comment --comment \"kubernetes health check rules\" -j KUBE-NODE-PORT\n"
        + "-A OUTPUT -m comment --comment \"kubernetes ipvs access filter\""
        + " -j KUBE-IPVS-OUT-FILTER\nCOMMIT\n"), text);
    // none of iptables mode's NEW-only jumps
    assertTrue(!text.contains("--ctstate NEW -m comment"), text);
  }

  @Test
  void aUdpNodePortIsScheduledToOneOfItsEndpoints() throws ParseException {
    Decision d = node("nodeport").decide(Packet.parse("udp 203.0.113.9:40000 -> 192.168.0.2:30053"
        + " in eth0"));
    assertEquals(Outcome.FORWARDED, d.outcome(), chains(d));
    assertTrue(Set.of("10.180.3.2:5353", "10.180.3.3:5353")
        .contains(d.ipvs().real().endpoint()), d.ipvs().real().endpoint());
    assertTrue(chains(d).contains("KUBE-MARK-MASQ#1"), chains(d));
    assertNotNull(d.snat());
  }
}
