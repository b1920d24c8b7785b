package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.JSON;
import static dev.policyc.compiler.cli.CliFixtures.policy;
import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code policyc diff} and {@code policyc verify}, driven in-process. */
class DiffCommandTest {
  @TempDir
  Path tmp;

  private static final String BASE = """
      policy: p
      filter:
        INPUT:
          policy: DROP
          rules:
            - match: { proto: tcp, src: 10.0.0.0/8, dport: 22 }
              action: accept
            - match: { proto: tcp, dport: 80 }
              action: accept
      """;

  private Path write(String name, String text) throws IOException {
    return CliFixtures.write(tmp, name, text);
  }

  @Test
  void aChangedActionIsOneClassWithAWitness() throws IOException {
    Path a = write("a.yaml", BASE);
    Path b = write("b.yaml", BASE.replaceFirst("action: accept", "action: drop"));
    Cli.Captured c = run("diff", a.toString(), b.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.out() + c.err());
    assertTrue(c.out().contains(
        "ipv4 filter INPUT: tcp 10.0.0.0/8 -> *:22 not-fragment: ACCEPT → DROP"), c.out());
    assertTrue(c.out().contains("e.g. tcp 10.0.0.1:40000 -> 203.0.113.1:22"), c.out());
    assertTrue(c.out().strip().endsWith("1 class of packets decided differently"), c.out());
  }

  @Test
  void reorderedDisjointRulesSplitRulesAndShadowedRulesAreNoDifference() throws IOException {
    Path a = write("a.yaml", BASE);
    Path b = write("b.yaml", """
        policy: p
        filter:
          INPUT:
            policy: DROP
            rules:
              - match: { proto: tcp, dport: 80 }
                action: accept
              - match: { proto: tcp, src: 10.0.0.0/9, dport: 22 }
                action: accept
              - match: { proto: tcp, src: 10.128.0.0/9, dport: 22 }
                action: accept
              - match: { proto: tcp, src: 10.1.2.0/24, dport: 22 }
                action: drop
        """);
    Cli.Captured c = run("diff", a.toString(), b.toString());
    assertEquals(Cli.OK, c.code(), c.out() + c.err());
    assertEquals("no packet is decided differently", c.out().strip());
  }

  @Test
  void anIptablesSaveFileIsASide() throws IOException {
    Path a = write("a.yaml", BASE);
    Cli.Captured compiled = run("compile", a.toString(), "-o", tmp.resolve("out").toString());
    assertEquals(Cli.OK, compiled.code(), compiled.err());
    Path rules = tmp.resolve("out/iptables.rules");
    assertEquals(Cli.OK, run("diff", a.toString(), rules.toString()).code());
    String edited = Files.readString(rules, StandardCharsets.UTF_8).replace("--dport 80",
        "--dport 8080");
    Path b = write("edited.rules", edited);
    Cli.Captured c = run("diff", "--format", "json", rules.toString(), b.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.out() + c.err());
    JsonNode root = JSON.readTree(c.out());
    assertEquals("different", root.get("result").asString());
    assertEquals(2, root.get("differences").size(), c.out());
    assertTrue(root.get("differences").get(0).get("example").get("packet").asString()
        .startsWith("tcp "), c.out());
  }

  /**
   * kube-proxy's own text reaches none of its chains without the jumps kube-proxy installs
   * itself: with {@code --kube-proxy-jumps} a changed service port is a difference.
   */
  @Test
  void kubeProxyTextsDifferOnlyWithTheirJumps() throws IOException {
    Path kube = Path.of("src/test/resources/kube/golden/clusterip/iptables/iptables.rules");
    String text = Files.readString(kube, StandardCharsets.UTF_8);
    assertTrue(text.contains("-d 10.96.0.10 --dport 80 "), "the golden changed");
    Path edited = write("edited.rules", text.replace("-d 10.96.0.10 --dport 80 ",
        "-d 10.96.0.10 --dport 81 "));
    assertEquals(Cli.OK, run("diff", kube.toString(), edited.toString()).code());
    Cli.Captured c = run("diff", "--kube-proxy-jumps", "--format", "json", kube.toString(),
        edited.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.out() + c.err());
    JsonNode root = JSON.readTree(c.out());
    assertEquals("different", root.get("result").asString(), c.out());
    assertTrue(c.out().contains("10.96.0.10"), c.out());
    assertEquals(Cli.OK, run("diff", "--kube-proxy-jumps", kube.toString(), kube.toString())
        .code());
  }

  /**
   * A folder that {@code policyc kube} wrote is a side: its rules with its own ipsets (an entry
   * of a three-dimensional set changed is a difference), and its IPVS rules compared line by
   * line in ipvsadm's form.
   */
  @Test
  void kubeIpvsModeFoldersAreSides() throws IOException {
    Path golden = Path.of("src/test/resources/kube/golden");
    Path clusterIp = golden.resolve("clusterip/ipvs");
    Cli.Captured same = run("diff", "--kube-proxy-jumps", clusterIp.toString(),
        clusterIp.toString());
    assertEquals(Cli.OK, same.code(), same.out() + same.err());
    assertTrue(same.out().contains("the IPVS rules are the same"), same.out());

    Cli.Captured other = run("diff", "--kube-proxy-jumps", "--format", "json",
        clusterIp.toString(), golden.resolve("session-affinity/ipvs").toString());
    assertEquals(Cli.POLICY_ERRORS, other.code(), other.out() + other.err());
    JsonNode root = JSON.readTree(other.out());
    assertEquals("different", root.get("result").asString());
    assertTrue(root.get("ipvs").get("removed").toString().contains("-A -t 10.96.0.10:80 -s rr"),
        other.out());
    assertTrue(root.get("ipvs").get("added").toString().contains("-p 3600"), other.out());

    // the same rules and IPVS rules, one KUBE-LOOP-BACK entry's second address changed
    Path edited = tmp.resolve("edited");
    Files.createDirectories(edited);
    for (String f : new String[] {"iptables.rules", "ipvs.rules"}) {
      Files.copy(clusterIp.resolve(f), edited.resolve(f));
    }
    String sets = Files.readString(clusterIp.resolve("ipset.rules"), StandardCharsets.UTF_8);
    String loop = sets.lines().filter(l -> l.startsWith("add KUBE-LOOP-BACK ")).findFirst()
        .orElseThrow();
    String changed = loop.replaceFirst(",(10\\.[0-9.]+)( |$)", ",10.99.99.99$2");
    assertTrue(!changed.equals(loop), loop);
    Files.writeString(edited.resolve("ipset.rules"), sets.replace(loop, changed));
    Cli.Captured set = run("diff", "--kube-proxy-jumps", clusterIp.toString(),
        edited.toString());
    assertEquals(Cli.POLICY_ERRORS, set.code(), set.out() + set.err());
    assertTrue(set.out().contains("the IPVS rules are the same"), set.out());
    assertTrue(set.out().contains("MASQUERADE"), set.out());

    Cli.Captured empty = run("diff", tmp.toString(), clusterIp.toString());
    assertEquals(Cli.POLICY_ERRORS, empty.code());
    assertTrue(empty.err().contains("error PC0010") && empty.err().contains("ip6tables.rules"),
        empty.err());
  }

  /** An IPv6 kube folder (ip6tables.rules alone) is a side, compared in its own family. */
  @Test
  void kubeIpv6FoldersAreSides() throws IOException {
    Path golden = Path.of("src/test/resources/kube/golden-ipv6");
    for (String mode : new String[] {"iptables", "ipvs"}) {
      Path clusterIp = golden.resolve("clusterip/" + mode);
      Cli.Captured same = run("diff", "--kube-proxy-jumps", clusterIp.toString(),
          clusterIp.toString());
      assertEquals(Cli.OK, same.code(), mode + ": " + same.out() + same.err());
      Cli.Captured other = run("diff", "--kube-proxy-jumps", clusterIp.toString(),
          golden.resolve("session-affinity/" + mode).toString());
      assertEquals(Cli.POLICY_ERRORS, other.code(), mode + ": " + other.out() + other.err());
      assertTrue(!other.out().contains("no packet is decided differently")
          || other.out().contains("ipvs"), mode + ": " + other.out());
    }
  }

  @Test
  void markdownIsATableForAPullRequest() throws IOException {
    Path a = write("a.yaml", BASE);
    Path b = write("b.yaml", BASE.replace("dport: 80", "dport: 81"));
    Cli.Captured c = run("diff", "--format", "markdown", a.toString(), b.toString());
    assertTrue(c.out().contains("| where | packets | before | after | example |"), c.out());
    assertTrue(c.out().contains("| ipv4 filter INPUT | `tcp * -> *:80"), c.out());
  }

  @Test
  void verifyProvesEveryExample() {
    for (String name : new String[] {"host-firewall", "nat-gateway", "blocklist-sets",
        "container-host", "dns-notrack", "ipv6-host", "qos-marking"}) {
      Cli.Captured c = run("verify", policy(name));
      assertEquals(Cli.OK, c.code(), c.out() + c.err());
      assertTrue(c.out().contains("the emitted files mean the IR: proved"), c.out());
    }
  }

  @Test
  void aSideWithErrorsFails() throws IOException {
    Path a = write("a.yaml", BASE);
    Path bad = write("bad.yaml", "policy: p\nfilter: { INPUT: { rules: [ { action: nope } ] } }\n");
    Cli.Captured c = run("diff", a.toString(), bad.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.err().contains("PC"), c.err());
    assertEquals(Cli.USAGE, run("diff", a.toString()).code());
  }
}
