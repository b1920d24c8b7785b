package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.FlowLine;
import dev.policyc.compiler.interp.FlowSession;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The iptables text of {@code policyc kube --mode iptables} (the golden cases) and kube-proxy's
 * own (TestOverallIPTablesRules' expected text) read back and explained, with kube-proxy's
 * jumps from the built-in chains, on the node of {@code node-host.yaml}: named packets get the
 * decisions kube-proxy means. Where a service has several endpoints, every draw of the random
 * statistic must DNAT to one of them, and the first and last draws to the first and last.
 */
class KubeExplainTest {
  static HostModel host() {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(KubeFiles.DIR.resolve("node-host.yaml"));
    Compilation c = PolicyCompiler.compile(read.policy());
    assertTrue(c.ok(), c.diagnostics().toString());
    return c.ir().host();
  }

  /** The rules of an iptables payload, with kube-proxy's jumps, on the node. */
  static IrPolicy policy(Path payload) throws ParseException {
    Ruleset rs = IptablesSaveReader.read(payload.toString(), KubeFiles.text(payload),
        Family.IPV4);
    return new IrPolicy("kube", host(), List.of(), KubeProxyJumps.add(rs),
        new Ruleset(Family.IPV6, List.of()));
  }

  private static Path golden(String name) {
    return KubeFiles.DIR.resolve("golden").resolve(name).resolve("iptables/iptables.rules");
  }

  private static final Path OVERALL = KubeFiles.DIR.resolve("overall/kube-proxy-expected.rules");

  /** Draws of the random statistic: the first matches every probability, the last none. */
  private static final List<String> DRAWS = List.of("0", "805306368", "1610612736",
      "2147483647");

  static Stream<Arguments> packets() {
    String out = "203.0.113.9:40000 -> ";
    return Stream.of(
        // kube-proxy's own text
        Arguments.of(OVERALL, "ClusterIP", "tcp " + out + "172.30.0.41:80 in eth0",
            Outcome.FORWARDED, "10.180.0.1:80"),
        Arguments.of(OVERALL, "no endpoints", "tcp " + out + "172.30.0.46:80 in eth0",
            Outcome.REJECTED, null),
        Arguments.of(OVERALL, "LB IP inside the source ranges", "tcp " + out + "5.6.7.8:80 in eth0",
            Outcome.FORWARDED, "10.180.0.3:80"),
        Arguments.of(OVERALL, "LB IP outside the source ranges",
            "tcp 203.0.113.200:40000 -> 5.6.7.8:80 in eth0", Outcome.DROPPED, null),
        Arguments.of(OVERALL, "external IP, Local policy, no local endpoint",
            "tcp " + out + "192.168.99.22:80 in eth0", Outcome.DROPPED, null),
        Arguments.of(OVERALL, "NodePort, Local policy, no local endpoint",
            "tcp " + out + "192.168.0.2:3001 in eth0", Outcome.DROPPED, null),
        Arguments.of(OVERALL, "health check node port",
            "tcp " + out + "192.168.0.2:30000 in eth0", Outcome.DELIVERED, null),
        Arguments.of(OVERALL, "NodePort", "tcp " + out + "192.168.1.2:3003 in eth0",
            Outcome.FORWARDED, "10.180.0.3:80"),
        Arguments.of(OVERALL, "two endpoints", "tcp " + out + "172.30.0.44:80 in eth0",
            Outcome.FORWARDED, "10.180.0.4:80 10.180.0.5:80"),
        Arguments.of(OVERALL, "external IP", "tcp " + out + "192.168.99.33:80 in eth0",
            Outcome.FORWARDED, "10.180.0.4:80 10.180.0.5:80"),
        Arguments.of(OVERALL, "no service", "tcp " + out + "172.30.0.99:80 in eth0",
            Outcome.FORWARDED, null),
        // policyc kube's goldens
        Arguments.of(golden("clusterip"), "ClusterIP", "tcp " + out + "10.96.0.10:80 in eth0",
            Outcome.FORWARDED, "10.180.0.7:8080 10.180.1.5:8080 10.180.2.9:8080"),
        Arguments.of(golden("nodeport"), "UDP NodePort", "udp " + out + "192.168.0.2:30053 in eth0",
            Outcome.FORWARDED, "10.180.3.2:5353 10.180.3.3:5353"),
        Arguments.of(golden("loadbalancer-source-ranges"), "LB IP inside the source ranges",
            "tcp " + out + "198.51.100.20:443 in eth0", Outcome.FORWARDED, "10.180.4.1:8443"),
        Arguments.of(golden("loadbalancer-source-ranges"), "LB IP outside the source ranges",
            "tcp 198.18.0.1:40000 -> 198.51.100.20:443 in eth0", Outcome.DROPPED, null),
        Arguments.of(golden("external-ips"), "external IP",
            "tcp " + out + "203.0.113.80:8080 in eth0", Outcome.FORWARDED,
            "10.180.5.1:8080 10.180.5.2:8080"),
        Arguments.of(golden("external-ips"), "external IP that is the node's",
            "tcp " + out + "192.168.1.2:8080 in eth0", Outcome.FORWARDED,
            "10.180.5.1:8080 10.180.5.2:8080"),
        Arguments.of(golden("external-traffic-policy-local"), "LB IP, the local endpoint only",
            "tcp " + out + "198.51.100.44:80 in eth0", Outcome.FORWARDED, "10.180.7.1:8080"),
        Arguments.of(golden("external-traffic-policy-local"), "health check node port",
            "tcp " + out + "192.168.0.2:32000 in eth0", Outcome.DELIVERED, null),
        Arguments.of(golden("terminating-not-ready"), "serving terminating endpoint",
            "tcp " + out + "10.96.6.7:80 in eth0", Outcome.FORWARDED, "10.180.11.2:8080"),
        Arguments.of(golden("multi-port"), "second port",
            "tcp " + out + "10.96.5.5:9187 in eth0", Outcome.FORWARDED,
            "10.180.8.1:9187 10.180.8.2:9187"));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource
  void packets(Path rules, String what, String packet, Outcome outcome, String endpoints)
      throws ParseException {
    IrPolicy p = policy(rules);
    Set<String> allowed = endpoints == null ? Set.of() : Set.of(endpoints.split(" "));
    Set<String> reached = new java.util.TreeSet<>();
    for (String draw : DRAWS) {
      Decision d = Interpreter.decide(p, Packet.parse(packet + " random " + draw));
      assertEquals(outcome, d.outcome(), what + " random " + draw + ": " + d.path());
      if (endpoints == null) {
        assertNull(d.dnat(), what + ": " + d.dnat());
        continue;
      }
      String to = d.dnat().addr() + ":" + d.dnat().ports().lo();
      assertTrue(allowed.contains(to), what + ": DNAT to " + to + ", not one of " + allowed);
      assertEquals(to, d.after().dst() + ":" + d.after().dport());
      assertEquals("eth1", d.outIface());
      reached.add(to);
    }
    // the first draw takes the first endpoint's rule, the last draw the last endpoint's
    assertEquals(allowed, reached, what + ": endpoints reached by the draws " + DRAWS);
  }

  @Test
  void clientIpAffinityKeepsAClientOnItsEndpointAcrossConnections() throws ParseException {
    FlowSession s = new FlowSession(policy(golden("session-affinity")));
    String to = " -> 10.96.3.3:80 in eth0 random ";
    FlowSession.Result first = s.decide(FlowLine.parse("tcp 203.0.113.9:40000" + to
        + "2147483647"));
    assertEquals("10.180.6.2", first.decision().dnat().addr().toString());
    // later, a new connection whose draw would pick the first endpoint: the recent list wins
    FlowSession.Result second = s.decide(FlowLine.parse("at 3000s tcp 203.0.113.9:40001" + to
        + "0"));
    assertEquals("10.180.6.2", second.decision().dnat().addr().toString());
    assertTrue(chains(second.decision()).contains("KUBE-SVC-IDGONRSR6DZLCEB7#3"),
        chains(second.decision()));
    // after the timeout (3600 s) the draw decides again
    FlowSession.Result late = s.decide(FlowLine.parse("at 6601s tcp 203.0.113.9:40002" + to
        + "0"));
    assertEquals("10.180.6.1", late.decision().dnat().addr().toString());
    // a single decision starts from empty lists: the draw decides
    Decision one = Interpreter.decide(policy(golden("session-affinity")),
        Packet.parse("tcp 203.0.113.9:40001" + to + "0"));
    assertEquals("10.180.6.1", one.dnat().addr().toString());
  }

  @Test
  void theLocalhostNodePortCountsInItsNfacctObjectAndTheFirewallSeesTheDnat()
      throws ParseException {
    IrPolicy p = policy(OVERALL);
    // sent by the node to 127.0.0.1: the rule with -m nfacct DNATs it to the endpoint
    Decision d = Interpreter.decide(p,
        Packet.parse("tcp 192.168.0.2:40000 -> 127.0.0.1:3003"));
    assertEquals("10.180.0.3", d.dnat().addr().toString());
    assertTrue(chains(d).contains("KUBE-NODEPORTS#3"), chains(d));
    // to a localhost port without a NodePort: KUBE-FIREWALL drops it (not RELATED,
    // ESTABLISHED or DNAT)
    Decision blocked = Interpreter.decide(p,
        Packet.parse("tcp 192.168.0.2:40000 -> 127.0.0.1:9999"));
    assertEquals(Outcome.DROPPED, blocked.outcome());
    assertTrue(chains(blocked).endsWith("KUBE-FIREWALL#1"), chains(blocked));
  }

  /**
   * The jumps written into the text (what the kernel test loads) and added to the rules read
   * back (what explain decides on) are the same rules, in kube-proxy's order: each prepended.
   */
  @Test
  void theJumpsAreTheSameInTheTextAndInTheRules() throws ParseException {
    String payload = KubeFiles.text(OVERALL);
    Ruleset fromText = IptablesSaveReader.read("t", KubeProxyJumps.add(payload), Family.IPV4);
    Ruleset fromRules = KubeProxyJumps.add(IptablesSaveReader.read("t", payload, Family.IPV4));
    assertEquals(fromText, fromRules);
    String text = KubeProxyJumps.add(payload);
    assertTrue(text.contains("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
        + ":OUTPUT ACCEPT [0:0]\n"), text);
    assertTrue(text.contains("-A INPUT -j KUBE-FIREWALL\n"
        + "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer"
        + " firewall\" -j KUBE-PROXY-FIREWALL\n"
        + "-A INPUT -m comment --comment \"kubernetes health check service ports\""
        + " -j KUBE-NODEPORTS\n"
        + "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes"
        + " externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n"), text);
    assertTrue(text.contains("-A PREROUTING -m comment --comment \"kubernetes service portals\""
        + " -j KUBE-SERVICES\n-A POSTROUTING -m comment --comment \"kubernetes postrouting"
        + " rules\" -j KUBE-POSTROUTING\nCOMMIT\n"), text);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> KubeProxyJumps.add(text));
    assertTrue(e.getMessage().contains("declares INPUT already"), e.getMessage());
  }

  private static String chains(Decision d) {
    return d.path().stream().filter(s -> !s.isPolicy()).map(s -> s.chain() + "#" + s.rule())
        .collect(Collectors.joining(" "));
  }
}
