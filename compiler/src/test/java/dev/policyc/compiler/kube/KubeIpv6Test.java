package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.cli.Cli;
import dev.policyc.dsl.Family;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * kube-proxy's IPv6 proxier: its own expected text, addresses as Go prints them, the sets'
 * IPv6 names, dual-stack Services, and node facts or manifests of the wrong family.
 */
class KubeIpv6Test {
  private static final Path V6 = KubeFiles.DIR.resolve("ipv6");

  @TempDir
  Path tmp;

  @Test
  void ipv6NodePortEqualsKubeProxysExpectedText() {
    // TestEnableLocalhostNodePortsIPv6 (pkg/proxy/iptables/proxier_test.go): localhost
    // NodePorts asked for, but an IPv6 proxier has none (no KUBE-FIREWALL, "! -d ::1/128").
    KubeCompiler.Result r = KubeCompiler.compile(
        List.of(KubeFiles.input(V6.resolve("kube-proxy-manifests.yaml"))),
        KubeFiles.input(V6.resolve("kube-proxy-node.yaml")), KubeCompiler.Mode.IPTABLES);
    assertTrue(r.ok(), r.diagnostics().toString());
    assertEquals(List.of("ip6tables.rules"), List.copyOf(r.files().keySet()));
    assertEquals(KubeFiles.text(V6.resolve("kube-proxy-expected.rules")),
        r.files().get("ip6tables.rules"));
  }

  @Test
  void endpointChainsHashTheBracketedEndpoint() {
    // net.JoinHostPort: the KUBE-SEP names of kube-proxy's IPv6 test.
    assertEquals("KUBE-SEP-LIGRYQQLSZN4UWQ5",
        ChainNames.sep("ns1/svc1:p80", "tcp", Addrs.hostPort("ff06::c1", 80)));
    assertEquals("KUBE-SEP-XJJ5QXWGJG344QDZ",
        ChainNames.sep("ns1/svc1:p80", "tcp", Addrs.hostPort("ff06::c2", 80)));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "fd00:10:0:1:0:0:0:5, fd00:10:0:1::5",
      "FD00:0010::0006, fd00:10::6",
      "1:0:0:1:0:0:0:1, 1:0:0:1::1",
      // equal runs: Go compresses the first
      "1:0:0:2:0:0:3:4, 1::2:0:0:3:4",
      // one zero group is never compressed
      "1:0:2:3:4:5:6:7, 1:0:2:3:4:5:6:7",
      "0:0:0:0:0:0:0:1, ::1",
      "::, ::",
      "2001:db8:0:0:0:0:0:0, 2001:db8::",
      // ::a.b.c.d is IPv6 (Go prints it in hex); ::ffff:a.b.c.d is an IPv4 address
      "::1.2.3.4, ::102:304",
      "::ffff:1.2.3.4, 1.2.3.4",
  })
  void addressesArePrintedAsGoPrintsThem(String text, String go) {
    assertEquals(go, Addrs.format(Addrs.parse(text)));
  }

  @Test
  void familiesOfAddresses() {
    assertEquals(Family.IPV4, Addrs.family("10.0.0.1"));
    assertEquals(Family.IPV6, Addrs.family("fd00::1"));
    assertEquals(Family.IPV4, Addrs.family("::ffff:10.0.0.1"));
    assertNull(Addrs.family("10.0.0.256"));
    assertNull(Addrs.family("fd00::1::2"));
    assertNull(Addrs.family("010.0.0.1"));
    assertEquals("2001:db8::/32", Addrs.net("2001:db8:ff::7/32", false).network());
    assertTrue(Addrs.net("2001:db8::/64", false).contains(Addrs.parse("2001:db8::1")));
    assertFalse(Addrs.net("2001:db8::/64", false).contains(Addrs.parse("2001:db8:1::1")));
    assertFalse(Addrs.net("::/0", false).contains(Addrs.parse("10.0.0.1")));
    assertNull(Addrs.net("fd00::/129", false));
    assertNull(Addrs.net("fd00::", false));
  }

  @Test
  void ipv6SetNamesAreKubeProxys() {
    // "KUBE-" becomes "KUBE-6-", cut to ipset's 31 characters.
    assertEquals("KUBE-6-CLUSTER-IP",
        IpvsProxier.setName(IpvsProxier.Set.CLUSTER_IP, Family.IPV6));
    assertEquals("KUBE-6-LOAD-BALANCER-SOURCE-CID",
        IpvsProxier.setName(IpvsProxier.Set.LOAD_BALANCER_SOURCE_CIDR, Family.IPV6));
    assertEquals("KUBE-6-NODE-PORT-LOCAL-SCTP-HAS",
        IpvsProxier.setName(IpvsProxier.Set.NODE_PORT_LOCAL_SCTP, Family.IPV6));
    assertEquals("KUBE-LOAD-BALANCER-SOURCE-CIDR",
        IpvsProxier.setName(IpvsProxier.Set.LOAD_BALANCER_SOURCE_CIDR, Family.IPV4));
    for (IpvsProxier.Set s : IpvsProxier.Set.values()) {
      assertTrue(IpvsProxier.setName(s, Family.IPV6).length() <= 31, s.toString());
    }
  }

  @Test
  void eachProxierTakesItsFamilyOfADualStackService() {
    Path m = KubeFiles.DIR.resolve("golden-ipv6/dual-stack/manifests.yaml");
    for (KubeCompiler.Mode mode : KubeCompiler.Mode.values()) {
      KubeCompiler.Result four = KubeFiles.compile(m, mode);
      KubeCompiler.Result six = KubeFiles.compile(m, KubeFiles.node6(), mode);
      assertTrue(four.ok() && six.ok(), four.diagnostics() + " " + six.diagnostics());
      String v4 = String.join("", four.files().values());
      String v6 = String.join("", six.files().values());
      // ds/both in each, ds/four only in IPv4's, ds/six only in IPv6's
      assertTrue(v4.contains("10.96.7.7") && v4.contains("10.96.7.8"), v4);
      assertFalse(v4.contains("fd00:") || v4.contains("2001:db8:200::77"), v4);
      assertTrue(v6.contains("fd00:96::77") && v6.contains("fd00:96::78"), v6);
      assertFalse(v6.contains("10.96.7.") || v6.contains("10.180.") || v6.contains("203.0.113"),
          v6);
      // the IPv4-only Service's NodePort is not the IPv6 proxier's
      assertFalse(v6.contains("30078"), v6);
      assertEquals(mode == KubeCompiler.Mode.IPVS ? 4 : 1, six.files().size());
      assertTrue(six.files().containsKey("ip6tables.rules"));
      assertFalse(six.files().containsKey("iptables.rules"));
    }
  }

  @Test
  void theCliWritesIp6tablesRulesAndRemovesTheOtherFamilysFile() throws IOException {
    Path out = tmp.resolve("out");
    String m = KubeFiles.DIR.resolve("golden-ipv6/dual-stack/manifests.yaml").toString();
    Cli.Captured c = Cli.capture("kube", m, "--node", KubeFiles.DIR.resolve("node.yaml")
        .toString(), "-o", out.toString(), "--mode", "iptables");
    assertEquals(Cli.OK, c.code(), c.err());
    assertTrue(Files.exists(out.resolve("iptables.rules")));
    c = Cli.capture("kube", m, "--node", V6.resolve("node.yaml").toString(), "-o",
        out.toString(), "--mode", "iptables");
    assertEquals(Cli.OK, c.code(), c.err());
    assertFalse(Files.exists(out.resolve("iptables.rules")));
    assertEquals(KubeFiles.text(KubeFiles.DIR.resolve(
        "golden-ipv6/dual-stack/iptables/ip6tables.rules")),
        Files.readString(out.resolve("ip6tables.rules")));
  }

  /** Node facts of the wrong family: PC8109 where written, exit 1, nothing written. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "nodeIP: 192.168.0.2|3:9: error PC8109: nodeIP '192.168.0.2' is not an IPv6 address",
      "nodeIPs: [2001:db8::1/64, 192.168.0.2/24]|3:27: error PC8109: '192.168.0.2/24' in"
          + " nodeIPs is not an IPv6 address",
      "localDetector: {mode: ClusterCIDR, clusterCIDR: 10.0.0.0/8}|3:49: error PC8109:"
          + " localDetector.clusterCIDR '10.0.0.0/8' is not an IPv6 address",
      "ipFamily: IPv7|2:11: error PC8109: ipFamily must be IPv4 or IPv6, not 'IPv7'",
  })
  void nodeFactsOfTheWrongFamily(String line, String expected) throws IOException {
    String facts = line.startsWith("ipFamily") ? "nodeName: n\n" + line + "\nnodeIP: ::1\n"
        : "nodeName: n\nipFamily: IPv6\n" + line + "\n"
            + (line.startsWith("nodeIP:") ? "" : "nodeIP: 2001:db8::1\n");
    Path node = Files.writeString(tmp.resolve("node.yaml"), facts);
    Path out = tmp.resolve("o");
    Cli.Captured c = Cli.capture("kube", KubeFiles.DIR.resolve("golden-ipv6/clusterip/"
        + "manifests.yaml").toString(), "--node", node.toString(), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().contains(node + ":" + expected), c.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void nodePortAddressesOfTheOtherFamilyAreLeftOutAsKubeProxyDoes() throws IOException {
    // --nodeport-addresses is shared by both proxiers; each keeps its own family's prefixes.
    String facts = KubeFiles.text(V6.resolve("node.yaml")).replace("nodePortAddresses: []",
        "nodePortAddresses: [192.168.0.0/16, \"2001:db8:1::/64\"]");
    KubeCompiler.Result r = KubeCompiler.compile(List.of(KubeFiles.input(
        KubeFiles.DIR.resolve("golden-ipv6/nodeport/manifests.yaml"))),
        new KubeCompiler.Input("n.yaml", facts), KubeCompiler.Mode.IPTABLES);
    assertTrue(r.ok(), r.diagnostics().toString());
    String rules = r.files().get("ip6tables.rules");
    assertTrue(rules.contains("NOTE: this must be the last rule in this chain\" -d 2001:db8:1::2"
        + " -j KUBE-NODEPORTS"), rules);
    assertFalse(rules.contains("-d 2001:db8::1 -j KUBE-NODEPORTS"), rules);
    // ::1 in the prefixes: never a NodePort address on IPv6
    facts = facts.replace("\"2001:db8:1::/64\"", "\"::1/128\"");
    r = KubeCompiler.compile(List.of(KubeFiles.input(
        KubeFiles.DIR.resolve("golden-ipv6/nodeport/manifests.yaml"))),
        new KubeCompiler.Input("n.yaml", facts), KubeCompiler.Mode.IPTABLES);
    assertFalse(r.files().get("ip6tables.rules").contains("KUBE-NODEPORTS\n-A KUBE-SERVICES"
        + " -m comment --comment \"kubernetes service nodeports"), r.files().toString());
    assertFalse(r.files().get("ip6tables.rules").contains("-d ::1 -j KUBE-NODEPORTS"));
  }

  @Test
  void aZeroSourceRangeAllowsAnyAsNoRangesDo() throws IOException {
    // newBaseServiceInfo: a zero-masked CIDR of the family means "allow any".
    String m = KubeFiles.text(KubeFiles.DIR.resolve(
        "golden-ipv6/loadbalancer-source-ranges/manifests.yaml"));
    Path zero = Files.writeString(tmp.resolve("zero.yaml"),
        m.replace("2001:db8::/64, 192.168.0.0/16]", "\"::/0\"]"));
    KubeCompiler.Result r = KubeFiles.compile(zero, KubeFiles.node6(),
        KubeCompiler.Mode.IPTABLES);
    assertTrue(r.ok(), r.diagnostics().toString());
    assertFalse(r.files().get("ip6tables.rules").contains("KUBE-FW-"), r.files().toString());
    // the IPv4 proxier has no ranges of its family here, and no IPv4 ingress IP either way
    assertTrue(KubeFiles.compile(zero, KubeCompiler.Mode.IPTABLES).ok());
  }

  /** Manifests an API server would refuse: where written, with the stable code. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "ipFamilies: [IPv6], clusterIPs: [10.96.0.1]|3:41: error PC8104: spec.clusterIPs[0]"
          + " '10.96.0.1' is not of the family spec.ipFamilies[0] (IPv6)",
      "clusterIPs: [10.96.0.1, 10.96.0.2]|3:32: error PC8104: spec.clusterIPs[1] '10.96.0.2':"
          + " a Service has at most one cluster IP of each family",
      "clusterIP: 10.96.0.1, clusterIPs: [10.96.0.2]|3:43: error PC8104: spec.clusterIPs[0]"
          + " '10.96.0.2' must be spec.clusterIP '10.96.0.1'",
      "ipFamilies: [IPv6, IPv6], clusterIP: 'fd00::1'|3:27: error PC8104: spec.ipFamilies"
          + " names IPv6 twice",
      "clusterIP: 'fd00::1::2'|3:19: error PC8105: spec.clusterIP 'fd00::1::2' is not an IPv4"
          + " or IPv6 address",
  })
  void badDualStackServices(String spec, String expected) throws IOException {
    Path m = Files.writeString(tmp.resolve("m.yaml"), "kind: Service\nmetadata: {name: a}\n"
        + "spec: {" + spec + ", ports: [{port: 80}]}\n");
    Cli.Captured c = Cli.capture("kube", m.toString(), "--node", V6.resolve("node.yaml")
        .toString(), "-o", tmp.resolve("o").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().contains(m + ":" + expected), c.err());
    assertFalse(Files.exists(tmp.resolve("o")));
  }

  @Test
  void anEndpointOfTheOtherFamilyInASliceIsReported() throws IOException {
    Path m = Files.writeString(tmp.resolve("m.yaml"), "kind: Service\nmetadata: {name: a}\n"
        + "spec: {clusterIP: 'fd00::1', ports: [{port: 80}]}\n---\nkind: EndpointSlice\n"
        + "metadata: {name: a-1, labels: {kubernetes.io/service-name: a}}\naddressType: IPv6\n"
        + "endpoints:\n  - addresses: [10.0.0.1]\nports: [{port: 80}]\n");
    Cli.Captured c = Cli.capture("kube", m.toString(), "--node", V6.resolve("node.yaml")
        .toString(), "-o", tmp.resolve("o").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().contains(m + ":9:17: error PC8105: an endpoint address '10.0.0.1' is not"
        + " an IPv6 address"), c.err());
  }
}
