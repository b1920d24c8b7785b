package dev.policyc.compiler.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.kube.KubeCompiler;
import dev.policyc.compiler.kube.KubeProxyJumps;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.Netns;
import dev.policyc.dsl.Family;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * policyc kube's iptables text under the kernel oracle: the output for kube-proxy's
 * TestOverallIPTablesRules manifests (equal to kube-proxy's own text) and two golden cases,
 * with kube-proxy's jumps from the built-in chains and its nfacct objects, loaded into the
 * firewall namespace of the node's host model ({@code kube/node-host.yaml}); named packets go
 * through it one by one, and the kernel's path (every rule counter that moved), its DNAT
 * destination, masquerade source, drop, reject or local delivery must equal the interpreter's
 * decision on the same text read back. The packets of one payload are decided by one
 * interpreter session and the kernel keeps its recent lists too (conntrack is flushed before
 * each packet, the lists are not), so ClientIP affinity is compared across connections. A
 * service with several endpoints is compared against each: the kernel must take the path of one
 * of the interpreter's decisions for the first, a middle and the last draw of the random
 * statistic.
 * The IPv6 proxier's ip6tables text goes the same way (ip6tables-restore, IPv6 packets).
 * Figures go to {@code target/oracle-kube.txt}.
 */
@ResourceLock("netns")
class KernelOracleKubeTest {
  private static final Path KUBE = Path.of("src/test/resources/kube");
  /**
   * Draws of the random statistic that take the first and the last endpoint's rule, and (0.4
   * of the range) the middle one of three.
   */
  private static final List<Long> DRAWS = List.of(0L, 0x33333333L, 0x7fffffffL);
  /** Destinations of services with several endpoints: compared against both draws. */
  private static final List<String> SEVERAL = List.of("172.30.0.44", "192.168.99.33",
      "[fd00:96::10]:80", "[2001:db8::1]:30053", "[2001:db8:1::2]:30443",
      "[2001:db8:200::40]:80");

  private static String unavailable;
  private static final Map<String, Integer> FIGURES = new TreeMap<>();

  @BeforeAll
  static void setUp() {
    unavailable = OracleEnvironment.unavailableReason();
  }

  @AfterAll
  static void figures() throws IOException {
    if (FIGURES.isEmpty()) {
      return;
    }
    StringBuilder sb = new StringBuilder("kube kernel oracle: ");
    FIGURES.forEach((k, v) -> sb.append(k).append(' ').append(v).append(", "));
    sb.append(OracleEnvironment.kernel()).append(", ").append(OracleEnvironment.iptables());
    System.out.println(sb);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/oracle-kube.txt"), sb + "\n");
  }

  @Test
  void kubeProxysOverallCase() throws Exception {
    String out = "203.0.113.9:40000 -> ";
    run("overall/manifests.yaml", List.of(
        "tcp " + out + "172.30.0.41:80 in eth0", // ClusterIP, masqueraded
        "tcp 10.1.2.3:40000 -> 172.30.0.41:80 in eth0", // from the cluster CIDR: no masquerade
        "tcp " + out + "172.30.0.46:80 in eth0", // no endpoints: REJECT
        "tcp " + out + "5.6.7.8:80 in eth0", // LB IP, source in range, affinity set
        "tcp 203.0.113.9:40001 -> 5.6.7.8:80 in eth0", // the recent list sends it on
        "tcp 203.0.113.9:40002 -> 172.30.0.45:80 in eth0", // same service, its cluster IP
        "tcp 203.0.113.200:40000 -> 5.6.7.8:80 in eth0", // outside the source ranges: DROP
        "tcp 203.0.113.200:40000 -> 172.30.0.45:80 in eth0", // a new client of svc5
        "tcp " + out + "192.168.99.22:80 in eth0", // external IP, Local, none local: DROP
        "tcp " + out + "1.2.3.4:80 in eth0", // LB IP of the same
        "tcp " + out + "192.168.0.2:3001 in eth0", // its NodePort: DROP in filter INPUT
        "tcp " + out + "192.168.0.2:30000 in eth0", // health check node port: delivered
        "tcp " + out + "192.168.0.2:3003 in eth0", // NodePort
        "tcp " + out + "192.168.1.2:3002 in eth0", // NodePort of the affinity service
        "tcp " + out + "127.0.0.1:3003 in eth0", // localhost NodePort from outside (nfacct)
        "tcp 192.168.0.2:40000 -> 127.0.0.1:3003", // the node itself, to a localhost NodePort
        "tcp 192.168.0.2:40000 -> 127.0.0.1:9999", // KUBE-FIREWALL: not RELATED/ESTABLISHED/DNAT
        "tcp 192.168.0.2:40000 -> 172.30.0.41:80", // the node to a ClusterIP
        "tcp " + out + "172.30.0.44:80 in eth0", // two endpoints
        "tcp " + out + "192.168.99.33:80 in eth0", // their external IP
        "tcp " + out + "172.30.0.99:80 in eth0", // no service: forwarded as it is
        "udp " + out + "172.30.0.41:80 in eth0"), // another protocol: no service
        true);
  }

  @Test
  void loadBalancerSourceRanges() throws Exception {
    run("golden/loadbalancer-source-ranges/manifests.yaml", List.of(
        "tcp 203.0.113.9:40000 -> 198.51.100.20:443 in eth0",
        "tcp 192.168.5.5:40000 -> 198.51.100.20:443 in eth0",
        "tcp 198.18.0.1:40000 -> 198.51.100.20:443 in eth0",
        "tcp 198.18.0.1:40000 -> 192.168.0.2:31443 in eth0",
        "tcp 10.180.4.1:40000 -> 10.96.1.20:443 in eth1"), // hairpin: the endpoint itself
        false);
  }

  @Test
  void servingTerminatingEndpoints() throws Exception {
    run("golden/terminating-not-ready/manifests.yaml", List.of(
        "tcp 203.0.113.9:40000 -> 10.96.6.6:80 in eth0",
        "tcp 203.0.113.9:40000 -> 10.96.6.7:80 in eth0"), false);
  }

  /**
   * Each match and target kube-proxy's text brought, on its own, in the standard topology:
   * {@code --ctstate DNAT} with {@code -m nfacct}, a recent list's {@code --set}, negated
   * {@code --update} with {@code --hitcount} (which records a time stamp when the negated
   * match holds, as {@code recent_mt} does), {@code --remove} and {@code --rdest}, all with a
   * {@code --mask}, and {@code MASQUERADE --random-fully} (the kernel's port must lie in the
   * interpreter's range).
   */
  @Test
  void kubeProxysMatchesOneByOne() throws Exception {
    String rules = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        -A PREROUTING -d 192.0.2.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.51.100.2:80
        -A POSTROUTING -p tcp -m tcp --dport 9000 -j MASQUERADE --random-fully
        COMMIT
        *filter
        :FORWARD DROP [0:0]
        -A FORWARD -m conntrack --ctstate SNAT,DNAT -m nfacct --nfacct-name  kube_oracle -j ACCEPT
        -A FORWARD -p tcp -m tcp --dport 9000 -j ACCEPT
        -A FORWARD -p udp -m udp --dport 53 -m recent --set --name R --mask 255.255.255.0 --rsource
        -A FORWARD -p udp -m udp --dport 54 -m recent ! --update --seconds 60 --hitcount 2 --name R --mask 255.255.255.0 --rsource -j DROP
        -A FORWARD -p udp -m udp --dport 55 -m recent --remove --name R --mask 255.255.255.0 --rsource -j ACCEPT
        -A FORWARD -p udp -m recent --rcheck --name R --mask 255.255.255.0 --rdest -j ACCEPT
        COMMIT
        """;
    runText(rules, Topology.standardHost(), List.of(
        "udp 203.0.113.5:5000 -> 198.51.100.2:54 in eth0", // empty list: ! --update holds
        "udp 203.0.113.5:5000 -> 198.51.100.2:53 in eth0", // --set, then the policy
        "udp 198.51.100.2:5000 -> 203.0.113.77:56 in eth1", // --rdest: 203.0.113.0 is listed
        "udp 203.0.113.6:5000 -> 198.51.100.2:54 in eth0", // one stamp < 2: holds, and updates
        "udp 203.0.113.5:5001 -> 198.51.100.2:54 in eth0", // two stamps: fails, no update
        "udp 203.0.113.6:5001 -> 198.51.100.2:55 in eth0", // --remove
        "udp 198.51.100.2:5000 -> 203.0.113.77:56 in eth1", // gone
        "udp 203.0.113.5:5002 -> 198.51.100.2:54 in eth0", // gone: ! --update holds again
        "tcp 192.0.2.2:40000 -> 192.0.2.1:8080 in eth0", // DNATed: ctstate DNAT
        "tcp 192.0.2.2:40000 -> 198.51.100.2:80 in eth0", // not: the policy drops it
        "tcp 192.0.2.2:40000 -> 198.51.100.2:9000 in eth0")); // masqueraded, port at random
  }

  /**
   * The IPv6 proxier's ip6tables text (the goldens under kube/golden-ipv6, compiled with
   * kube/ipv6/node.yaml) loaded with ip6tables-restore into the topology of
   * kube/ipv6/node-host.yaml: ClusterIP with two endpoints, a REJECT (icmp6 port unreachable),
   * a pod source (no masquerade), a UDP NodePort, LoadBalancer source ranges, an external IP
   * that is bound and one that is the node's, externalTrafficPolicy Local and its health check.
   */
  @Test
  void ipv6Proxier() throws Exception {
    String out = "[2001:db8:ff::9]:40000 -> ";
    run6("golden-ipv6/clusterip/manifests.yaml", List.of(
        "tcp " + out + "[fd00:96::10]:80 in eth0",
        "tcp [fd00:10:0:3::9]:40000 -> [fd00:96::10]:80 in eth1",
        "udp " + out + "[fd00:96::11]:53 in eth0"));
    run6("golden-ipv6/nodeport/manifests.yaml", List.of(
        "udp " + out + "[2001:db8::1]:30053 in eth0",
        "tcp " + out + "[2001:db8:1::2]:30443 in eth0"));
    run6("golden-ipv6/loadbalancer-source-ranges/manifests.yaml", List.of(
        "tcp " + out + "[2001:db8:100::30]:443 in eth0",
        "tcp [2001:db8:9::1]:40000 -> [2001:db8:100::30]:443 in eth0"));
    run6("golden-ipv6/external-ips/manifests.yaml", List.of(
        "tcp " + out + "[2001:db8:200::40]:80 in eth0"));
    run6("golden-ipv6/external-traffic-policy-local/manifests.yaml", List.of(
        "tcp " + out + "[2001:db8:100::60]:80 in eth0",
        "tcp " + out + "[2001:db8:100::61]:80 in eth0",
        "tcp " + out + "[2001:db8::1]:32100 in eth0"));
  }

  private static void run(String manifests, List<String> packets, boolean isOverall)
      throws Exception {
    KernelTests.assume(unavailable);
    KubeCompiler.Result r = KubeCompiler.compile(
        List.of(input(KUBE.resolve(manifests))), input(KUBE.resolve("node.yaml")),
        KubeCompiler.Mode.IPTABLES);
    assertTrue(r.ok(), r.diagnostics().toString());
    String payload = r.files().get("iptables.rules");
    if (isOverall) {
      assertEquals(Files.readString(KUBE.resolve("overall/kube-proxy-expected.rules")), payload);
    }
    runText(KubeProxyJumps.add(payload), host("node-host.yaml"), packets, Family.IPV4);
  }

  private static void run6(String manifests, List<String> packets) throws Exception {
    KernelTests.assume(unavailable);
    KubeCompiler.Result r = KubeCompiler.compile(
        List.of(input(KUBE.resolve(manifests))), input(KUBE.resolve("ipv6/node.yaml")),
        KubeCompiler.Mode.IPTABLES);
    assertTrue(r.ok(), r.diagnostics().toString());
    runText(KubeProxyJumps.add(r.files().get("ip6tables.rules")), host("ipv6/node-host.yaml"),
        packets, Family.IPV6);
  }

  /**
   * Loads {@code loaded} (iptables-restore text) into the topology of {@code host}, with the
   * nfacct objects it names, and compares each packet's kernel observation with the decision.
   */
  private static void runText(String loaded, HostModel host, List<String> packets)
      throws Exception {
    runText(loaded, host, packets, Family.IPV4);
  }

  private static void runText(String loaded, HostModel host, List<String> packets,
      Family family) throws Exception {
    KernelTests.assume(unavailable);
    Ruleset rs = IptablesSaveReader.read("rules", loaded, family);
    Ruleset none = new Ruleset(family == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
    IrPolicy policy = family == Family.IPV4 ? new IrPolicy("kube", host, List.of(), rs, none)
        : new IrPolicy("kube", host, List.of(), none, rs);
    Interpreter session = Interpreter.session(policy);
    List<String> mismatches = new ArrayList<>();
    try (Topology topo = Topology.create(policy.host())) {
      nfacct(topo.fw, loaded);
      KernelProbe probe = new KernelProbe(topo);
      probe.load(family == Family.IPV4 ? Map.of(PolicyCompiler.IPTABLES, loaded)
          : Map.of(PolicyCompiler.IPTABLES, "", PolicyCompiler.IP6TABLES, loaded));
      for (String text : packets) {
        Packet p = Packet.parse(text);
        List<Decision> allowed = new ArrayList<>();
        if (SEVERAL.stream().anyMatch(text::contains)) {
          for (long draw : DRAWS) {
            allowed.add(Interpreter.decide(policy, Packet.parse(text + " random " + draw)));
          }
        } else {
          allowed.add(session.decide(p));
        }
        for (Decision d : allowed) {
          topo.neighbourFor(d);
        }
        KernelProbe.Observation o = probe.probe(p);
        String diff = null;
        for (Decision d : allowed) {
          diff = Compare.check(policy.host(), p, d, o, null);
          if (diff != null && d.outcome().passes() && o.noFrames()) {
            diff = Compare.check(policy.host(), p, d, o, probe.lateFrames());
          }
          if (diff == null) {
            FIGURES.merge(d.outcome().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
            break;
          }
        }
        FIGURES.merge("packets", 1, Integer::sum);
        if (diff != null) {
          FIGURES.merge("mismatches", 1, Integer::sum);
          mismatches.add(text + "\n    " + diff + "\n    interpreter: "
              + allowed.get(0).outcome());
        }
      }
    }
    if (!mismatches.isEmpty()) {
      fail("kernel and interpreter differ for\n  "
          + String.join("\n  ", mismatches));
    }
  }

  private static KubeCompiler.Input input(Path p) throws IOException {
    return new KubeCompiler.Input(p.toString(), Files.readString(p, StandardCharsets.UTF_8));
  }

  private static HostModel host(String file) {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(KUBE.resolve(file));
    Compilation c = PolicyCompiler.compile(read.policy());
    assertTrue(c.ok(), c.diagnostics().toString());
    return c.ir().host();
  }

  /** Creates the nfacct objects the payload names, as kube-proxy does before loading it. */
  private static void nfacct(Netns fw, String payload) throws IOException {
    Matcher m = Pattern.compile("--nfacct-name\\s+(\\S+)").matcher(payload);
    List<String> names = new ArrayList<>();
    while (m.find()) {
      if (!names.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    if (names.isEmpty()) {
      return;
    }
    Path script = Files.createTempFile("policyc-nfacct", ".py");
    try (InputStream in = KernelOracleKubeTest.class.getResourceAsStream("/oracle/nfacct.py")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
      List<String> run = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
      run.addAll(names);
      fw.run(run.toArray(String[]::new));
    } finally {
      Files.delete(script);
    }
  }
}
