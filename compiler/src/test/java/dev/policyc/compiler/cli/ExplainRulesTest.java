package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policyc explain RULES}: an iptables-save or iptables-restore text in place of the
 * policy, here the iptables text of {@code policyc kube --mode iptables}, with kube-proxy's
 * jumps ({@code --kube-proxy-jumps}) and the node's host model ({@code --host}).
 */
class ExplainRulesTest {
  private static final String KUBE = "src/test/resources/kube/";
  private static final String OVERALL = KUBE + "overall/kube-proxy-expected.rules";
  private static final String HOST = KUBE + "node-host.yaml";
  private static final String AFFINITY = KUBE + "golden/session-affinity/iptables/iptables.rules";

  @TempDir
  Path tmp;

  @Test
  void aClusterIpPacketIsDnatedToItsEndpointAndMasqueraded() {
    Cli.Captured c = run("explain", OVERALL, "--kube-proxy-jumps", "--host", HOST, "--packet",
        "tcp 203.0.113.9:40000 -> 172.30.0.41:80 in eth0");
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    assertTrue(lines.contains("verdict: ACCEPT: forwarded out eth1"), c.out());
    assertTrue(lines.contains("  DNAT to 10.180.0.1:80"), c.out());
    assertTrue(lines.contains("  MASQUERADE to 10.180.255.254:40000"), c.out());
    // the rules name their line in the file; kube-proxy's jumps have none
    assertTrue(c.out().contains("nat/KUBE-SEP-SXIVWICOYRO3J4NJ #2 DNAT 10.180.0.1:80   ("
        + OVERALL + ":"), c.out());
    assertTrue(lines.stream().anyMatch(l -> l.strip().equals("PREROUTING   nat/PREROUTING #1"
        + "          jump KUBE-SERVICES")), c.out());
  }

  @Test
  void packetsOfServicesWithoutEndpointsOrOutsideTheSourceRanges() throws IOException {
    Path packets = CliFixtures.write(tmp, "packets.txt",
        "tcp 203.0.113.9:40000 -> 172.30.0.46:80 in eth0\n"
        + "tcp 203.0.113.200:40000 -> 5.6.7.8:80 in eth0\n"
        + "tcp 203.0.113.9:40000 -> 5.6.7.8:80 in eth0\n");
    Cli.Captured c = run("explain", OVERALL, "--kube-proxy-jumps", "--host", HOST,
        "--packets", packets.toString(), "--stats");
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    assertEquals(3, lines.size(), c.out());
    assertTrue(lines.get(0).contains("REJECT"), lines.get(0));
    assertTrue(lines.get(1).contains("DROP"), lines.get(1));
    assertTrue(lines.get(2).contains("10.180.0.3:80"), lines.get(2));
    assertTrue(c.err().startsWith("packets 3, "), c.err());
  }

  @Test
  void aFlowKeepsTheAffinityServicesRecentList() throws IOException {
    Path flow = CliFixtures.write(tmp, "flow.txt",
        "tcp 203.0.113.9:40000 -> 10.96.3.3:80 in eth0 random 2147483647\n"
        + "at 10s tcp 203.0.113.9:40001 -> 10.96.3.3:80 in eth0 random 0\n");
    Cli.Captured c = run("explain", AFFINITY, "--kube-proxy-jumps", "--host", HOST,
        "--flow", flow.toString(), "--format", "json");
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    assertEquals(2, lines.size(), c.out());
    for (String l : lines) {
      assertTrue(l.contains("10.180.6.2"), l);
    }
  }

  @Test
  void withoutKubeProxysJumpsNoBuiltInChainLeadsToItsRules() {
    Cli.Captured c = run("explain", OVERALL, "--host", HOST, "--packet",
        "tcp 203.0.113.9:40000 -> 172.30.0.41:80 in eth0");
    assertEquals(Cli.OK, c.code(), c.err());
    assertTrue(c.out().contains("verdict: ACCEPT: forwarded out eth0"), c.out());
    assertTrue(!c.out().contains("DNAT"), c.out());
  }

  @Test
  void setsComeFromIpsetsAndAMissingOneIsAnError() throws IOException {
    Path rules = CliFixtures.write(tmp, "sets.rules", "*filter\n:INPUT ACCEPT [0:0]\n"
        + "-A INPUT -m set --match-set blocked src -j DROP\nCOMMIT\n");
    Path sets = CliFixtures.write(tmp, "ipset.rules",
        "create blocked hash:net family inet hashsize 1024 maxelem 65536\n"
        + "add blocked 192.0.2.0/24\n");
    Cli.Captured c = run("explain", rules.toString(), "--ipsets", sets.toString(), "--packet",
        "udp 192.0.2.7:5 -> 198.51.100.1:53 in eth0");
    assertEquals(Cli.OK, c.code(), c.err());
    assertTrue(c.out().contains("verdict: DROP"), c.out());
    Cli.Captured missing = run("explain", rules.toString(), "--packet",
        "udp 192.0.2.7:5 -> 198.51.100.1:53 in eth0");
    assertEquals(Cli.POLICY_ERRORS, missing.code());
    assertTrue(missing.err().contains("PC8008") && missing.err().contains("blocked"),
        missing.err());
  }

  private static final String LB_IPVS = KUBE + "golden/loadbalancer-source-ranges/ipvs/";

  @Test
  void ipvsModesOutputIsScheduledToARealServer() throws IOException {
    Cli.Captured c = run("explain", LB_IPVS + "iptables.rules", "--ipsets",
        LB_IPVS + "ipset.rules", "--ipvs", LB_IPVS + "ipvs.rules", "--host", HOST,
        "--kube-proxy-jumps", "--packet", "tcp 203.0.113.9:40000 -> 10.96.1.20:443 in eth0");
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    assertTrue(lines.contains("verdict: ACCEPT: forwarded out eth1"), c.out());
    assertTrue(lines.contains("  ipvs: -t 10.96.1.20:443 (rr) -> 10.180.4.1:8443 masq"), c.out());
    assertTrue(lines.contains("  MASQUERADE to 10.180.255.254:40000"), c.out());
    // IPVS mode's jumps: filter INPUT goes to KUBE-IPVS-FILTER first
    assertTrue(lines.stream().anyMatch(l -> l.strip().equals("INPUT        filter/INPUT #1"
        + "            jump KUBE-IPVS-FILTER")), c.out());
    // the LB IP from outside the source ranges: dropped; from inside: scheduled
    Path packets = CliFixtures.write(tmp, "lb.txt",
        "tcp 198.18.0.1:40000 -> 198.51.100.20:443 in eth0\n"
        + "tcp 203.0.113.7:40000 -> 198.51.100.20:443 in eth0\n");
    Cli.Captured lb = run("explain", LB_IPVS + "iptables.rules", "--ipsets",
        LB_IPVS + "ipset.rules", "--ipvs", LB_IPVS + "ipvs.rules", "--host", HOST,
        "--kube-proxy-jumps", "--packets", packets.toString(), "--format", "json");
    assertEquals(Cli.OK, lb.code(), lb.err());
    String[] decisions = lb.out().split("\"packet\"");
    assertEquals(3, decisions.length, lb.out());
    assertTrue(decisions[1].contains("KUBE-SOURCE-RANGES-FIREWALL") && !decisions[1]
        .contains("realServer"), decisions[1]);
    assertTrue(decisions[2].contains("\"realServer\": \"10.180.4.1:8443\""), decisions[2]);
    // without --ipvs nothing binds the VIP: the packet follows the default route
    Cli.Captured none = run("explain", LB_IPVS + "iptables.rules", "--ipsets",
        LB_IPVS + "ipset.rules", "--host", HOST, "--kube-proxy-jumps", "--packet",
        "tcp 203.0.113.9:40000 -> 10.96.1.20:443 in eth0");
    assertEquals(Cli.OK, none.code(), none.err());
    assertTrue(none.out().contains("verdict: ACCEPT: forwarded out eth0"), none.out());
    assertTrue(!none.out().contains("ipvs:"), none.out());
  }

  @Test
  void anExternalIpIsAcceptedPastPhysdevAndScheduledInBothFamilies() {
    // KUBE-SERVICES #4: -m physdev ! --physdev-is-in (never bridged) -m addrtype ! --src-type
    // LOCAL -j ACCEPT, then IPVS schedules the external IP's service
    String[][] cases = {
        {KUBE + "golden/external-ips/ipvs/", "iptables.rules", HOST,
            "tcp 198.18.0.9:40000 -> 203.0.113.80:8080 in eth0",
            "  ipvs: -t 203.0.113.80:8080 (rr) -> 10.180.5."},
        {KUBE + "golden-ipv6/external-ips/ipvs/", "ip6tables.rules", KUBE + "ipv6/node-host.yaml",
            "tcp [2001:db8:ff::9]:40000 -> [2001:db8:200::40]:80 in eth0",
            "  ipvs: -t [2001:db8:200::40]:80 (rr) -> [fd00:10::4"}};
    for (String[] k : cases) {
      Cli.Captured c = run("explain", k[0] + k[1], "--ipsets", k[0] + "ipset.rules", "--ipvs",
          k[0] + "ipvs.rules", "--host", k[2], "--kube-proxy-jumps", "--packet", k[3]);
      assertEquals(Cli.OK, c.code(), c.err());
      List<String> lines = c.out().lines().toList();
      assertTrue(lines.stream().anyMatch(l -> l.strip().startsWith("nat/KUBE-SERVICES #4")
          && l.contains(" ACCEPT ") && l.contains(k[1] + ":28:1")), c.out());
      assertTrue(lines.contains("verdict: ACCEPT: forwarded out eth1"), c.out());
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(k[4])), c.out());
    }
  }

  @Test
  void aBadIpvsFileIsAnError() throws IOException {
    Path bad = CliFixtures.write(tmp, "ipvs.rules", "-A -t 10.96.1.20:443 -s rr\n-q nonsense\n");
    Cli.Captured c = run("explain", LB_IPVS + "iptables.rules", "--ipsets",
        LB_IPVS + "ipset.rules", "--ipvs", bad.toString(), "--packet",
        "tcp 203.0.113.9:40000 -> 10.96.1.20:443 in eth0");
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.err().startsWith(bad + ":2:"), c.err());
    assertEquals("", c.out());
    Cli.Captured missing = run("explain", LB_IPVS + "iptables.rules", "--ipsets",
        LB_IPVS + "ipset.rules", "--ipvs", tmp.resolve("none").toString(), "--packet",
        "tcp 203.0.113.9:40000 -> 10.96.1.20:443 in eth0");
    assertEquals(Cli.POLICY_ERRORS, missing.code());
    assertTrue(missing.err().contains("error PC0010: cannot read --ipvs: "), missing.err());
  }

  @Test
  void aLineTheReaderRefusesIsAnErrorAtItsPosition() throws IOException {
    Path rules = CliFixtures.write(tmp, "bad.rules", "*nat\n:KUBE-SVC-X - [0:0]\n"
        + "-A KUBE-SVC-X -m recent --name X --rcheck --reap -j ACCEPT\nCOMMIT\n");
    Cli.Captured c = run("explain", rules.toString(), "--packet",
        "tcp 192.0.2.7:5 -> 198.51.100.1:80 in eth0");
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(rules + ":3:18: error PC8008: recent --reap needs --seconds",
        c.err().lines().findFirst().orElse(""));
    assertEquals("", c.out());
  }

  @Test
  void aDumpWithItsOwnJumpsAndAMissingSetFileAreErrors() throws IOException {
    Path dump = CliFixtures.write(tmp, "dump.rules", "*nat\n:PREROUTING ACCEPT [0:0]\n"
        + ":KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n");
    Cli.Captured c = run("explain", dump.toString(), "--kube-proxy-jumps", "--packet",
        "tcp 192.0.2.7:5 -> 198.51.100.1:80 in eth0");
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(dump + ": error PC8008: --kube-proxy-jumps: the nat table declares PREROUTING"
        + " already: its jumps are in it", c.err().strip());
    Cli.Captured sets = run("explain", dump.toString(), "--ipsets", tmp.resolve("none").toString(),
        "--packet", "tcp 192.0.2.7:5 -> 198.51.100.1:80 in eth0");
    assertEquals(Cli.POLICY_ERRORS, sets.code());
    assertTrue(sets.err().contains("error PC0010: cannot read --ipsets: "), sets.err());
  }

  @Test
  void ruleOptionsNeedRulesAndRulesNeedNoClassifier() {
    Cli.Captured c = run("explain", CliFixtures.policy("nat-gateway"), "--host", HOST,
        "--packet", "tcp 192.0.2.7:5 -> 198.51.100.1:80 in eth0");
    assertEquals(Cli.USAGE, c.code());
    assertTrue(c.err().contains("--ipsets, --host, --kube-proxy-jumps and --ipvs go with RULES"),
        c.err());
    Cli.Captured e = run("explain", OVERALL, "--engine", "classifier", "--packet",
        "tcp 192.0.2.7:5 -> 198.51.100.1:80 in eth0");
    assertEquals(Cli.USAGE, e.code());
    assertTrue(e.err().contains("--engine classifier runs a compiled policy"), e.err());
    for (String[] opt : List.of(new String[] {"-O0"}, new String[] {"--engine", "iptables"})) {
      List<String> args = new ArrayList<>(List.of("explain", OVERALL, "--packet",
          "tcp 192.0.2.7:5 -> 198.51.100.1:80 in eth0"));
      args.addAll(List.of(opt));
      Cli.Captured o = run(args.toArray(String[]::new));
      assertEquals(Cli.USAGE, o.code(), String.join(" ", opt));
      assertTrue(o.err().contains("-O and --engine go with a policy, not RULES"), o.err());
    }
  }
}
