package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policyc explain RULES --ipvs FILE --flow FLOW} on {@code policyc kube --mode ipvs}
 * output: a flow's connections are scheduled once on their first packet, later packets follow
 * the connection entry, answers get the virtual service back, ClientIP affinity (persistence)
 * keeps a client on one endpoint across connections, the node's own requests are scheduled at
 * LOCAL_OUT, and KUBE-IPVS-OUT-FILTER drops the node's packets to a load balancer it may not
 * reach.
 */
class ExplainIpvsFlowTest {
  private static final String KUBE = "src/test/resources/kube/";
  private static final String HOST = KUBE + "node-host.yaml";

  @TempDir
  Path tmp;

  private Cli.Captured explain(String golden, String flow, String... more) throws IOException {
    String dir = KUBE + "golden/" + golden + "/ipvs/";
    Path f = CliFixtures.write(tmp, "flow.txt", flow);
    List<String> args = new ArrayList<>(List.of("explain", dir + "iptables.rules", "--ipsets",
        dir + "ipset.rules", "--ipvs", dir + "ipvs.rules", "--host", HOST, "--kube-proxy-jumps",
        "--flow", f.toString()));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  /** Each JSON line's value of {@code key} (a string), or "-" where it has none. */
  private static List<String> values(Cli.Captured c, String key) {
    Pattern p = Pattern.compile("\"" + key + "\":\"([^\"]*)\"");
    List<String> out = new ArrayList<>();
    for (String line : c.out().lines().toList()) {
      Matcher m = p.matcher(line);
      out.add(m.find() ? m.group(1) : "-");
    }
    return out;
  }

  @Test
  void aNodeProcessCurlingAClusterIpFollowsOneConnectionAndRoundRobinMovesOn()
      throws IOException {
    Cli.Captured c = explain("clusterip", """
        tcp 192.168.0.2:40000 -> 10.96.0.10:80 flags SYN
        reply
        tcp 192.168.0.2:40000 -> 10.96.0.10:80 flags ACK
        at 1s tcp 192.168.0.2:40001 -> 10.96.0.10:80 flags SYN
        reply
        at 2s tcp 192.168.0.2:40002 -> 10.96.0.10:80 flags SYN
        """, "--format", "json");
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(List.of("sent", "delivered", "sent", "sent", "delivered", "sent"),
        values(c, "outcome"));
    assertEquals(List.of("10.180.2.9:8080", "10.180.2.9:8080", "10.180.2.9:8080",
        "10.180.1.5:8080", "10.180.1.5:8080", "10.180.0.7:8080"), values(c, "realServer"));
    assertEquals(List.of("scheduled", "reply", "connection", "scheduled", "reply", "scheduled"),
        values(c, "via"));
    // the answers reach the process from the ClusterIP (IPVS at LOCAL_IN put the source back)
    List<String> src = values(c, "src");
    assertEquals("10.96.0.10", src.get(1));
    assertEquals("10.96.0.10", src.get(4));
    // the requests leave masqueraded (KUBE-MARK-MASQ in nat OUTPUT, KUBE-POSTROUTING)
    assertEquals("10.180.255.254", src.get(0));
    assertEquals("10.180.255.254", src.get(3));
  }

  @Test
  void clientIpAffinityKeepsAClientOnItsEndpointAcrossConnections() throws IOException {
    Cli.Captured c = explain("session-affinity", """
        tcp 203.0.113.9:40000 -> 10.96.3.3:80 in eth0
        at 5s tcp 203.0.113.9:40001 -> 10.96.3.3:80 in eth0
        at 6s tcp 203.0.113.77:40002 -> 10.96.3.3:80 in eth0
        at 7s tcp 203.0.113.9:40003 -> 10.96.3.3:80 in eth0
        """, "--format", "json");
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(List.of("10.180.6.2:8080", "10.180.6.2:8080", "10.180.6.1:8080",
        "10.180.6.2:8080"), values(c, "realServer"));
    assertTrue(c.out().lines().skip(1).findFirst().orElse("").contains("\"persistent\":true"),
        c.out());
  }

  @Test
  void theOutFilterDropsTheNodesOwnPacketsToALoadBalancerItMayNotReach() throws IOException {
    Cli.Captured c = explain("loadbalancer-no-node-access", """
        tcp 198.51.100.30:40000 -> 198.51.100.30:443 flags SYN
        tcp 192.168.0.2:40001 -> 198.51.100.30:443 flags SYN
        tcp 203.0.113.9:40002 -> 198.51.100.30:443 in eth0 flags SYN
        """);
    assertEquals(Cli.OK, c.code(), c.err());
    String[] packets = c.out().split("\n\n");
    assertEquals(3, packets.length, c.out());
    assertTrue(packets[0].contains("filter/KUBE-IPVS-OUT-FILTER #1 DROP"), packets[0]);
    assertTrue(packets[0].contains("verdict: DROP"), packets[0]);
    assertTrue(packets[0].contains("ipvs: -t 198.51.100.30:443 (rr) -> 10.180.5.1:8443 masq"),
        packets[0]);
    assertTrue(packets[1].contains("verdict: ACCEPT: sent out eth1"), packets[1]);
    assertTrue(packets[2].contains("verdict: ACCEPT: forwarded out eth1"), packets[2]);
  }
}
