package dev.policyc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build-tool facade the Maven plugin's goals call: check, compile (incremental), verify. */
class PolicyBuildTest {
  private static final String WEB = """
      policy: web
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { state: [established, related] }, action: accept }
            - { match: { proto: tcp, dport: "22", state: new }, action: accept }
            - { match: { proto: tcp, dport: "443" }, action: accept }
      """;
  /** Line 9 is shadowed by line 8: PC7002, a warning of {@code check}. */
  private static final String SHADOWED = WEB
      + "      - { match: { proto: tcp, dport: \"443\" }, action: drop }\n";
  private static final String BAD = """
      policy: bad
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { src: admins }, action: accept }
      """;

  @TempDir Path dir;

  private PolicyBuild.Request request(List<String> skip, boolean failOnWarning) {
    return new PolicyBuild.Request(dir.resolve("policies"), List.of(), List.of("shared/**"),
        dir.resolve("out/policyc"), dir.resolve("out/gen"), dir.resolve("out/res"), "com.acme.fw",
        2, List.of(), skip, failOnWarning, "1.0");
  }

  private PolicyBuild.Request request() {
    return request(List.of(), false);
  }

  private Path policy(String name, String text) throws IOException {
    Path f = dir.resolve("policies").resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f;
  }

  private static String text(PolicyBuild.Outcome o) {
    return o.messages().stream().map(m -> m.level() + " " + m.text())
        .collect(Collectors.joining("\n"));
  }

  private List<String> tree(String sub) throws IOException {
    Path root = dir.resolve(sub);
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted()
          .toList();
    }
  }

  @Test
  void compileWritesScriptsPerPolicyAndOneClassifierPackage() throws IOException {
    policy("web.yaml", WEB);
    policy("roles/edge.yaml", WEB.replace("policy: web", "policy: edge"));
    PolicyBuild.Outcome o = PolicyBuild.compile(request());
    assertFalse(o.failed(), text(o));
    assertEquals(2, o.policies());
    assertEquals(List.of(PolicyBuild.STAMP, "edge/apply.sh", "edge/ip6tables.rules",
        "edge/iptables.rules", "edge/report.json", "web/apply.sh", "web/ip6tables.rules",
        "web/iptables.rules", "web/report.json"), tree("out/policyc"));
    assertEquals(List.of("com/acme/fw/Decision.java", "com/acme/fw/EdgeClassifier.java",
        "com/acme/fw/Engine.java", "com/acme/fw/Host.java", "com/acme/fw/Ipvs.java",
        "com/acme/fw/IpvsService.java", "com/acme/fw/Packet.java", "com/acme/fw/Vocabulary.java",
        "com/acme/fw/WebClassifier.java"), tree("out/gen"));
    assertEquals(List.of("com/acme/fw/EdgeClassifier.tables", "com/acme/fw/WebClassifier.tables"),
        tree("out/res"));
    assertTrue(text(o).endsWith("INFO policyc: compiled 2 policies, 2 classifiers in package"
        + " com.acme.fw"), text(o));
  }

  @Test
  void aSecondCompileOfTheSameInputsDoesNothing() throws IOException {
    Path web = policy("web.yaml", WEB);
    assertFalse(PolicyBuild.compile(request()).failed());
    Path rules = dir.resolve("out/policyc/web/iptables.rules");
    Files.writeString(rules, "touched"); // a compile would write it again

    PolicyBuild.Outcome again = PolicyBuild.compile(request());
    assertEquals("INFO policyc: nothing to compile (1 policy up to date)", text(again));
    assertEquals("touched", Files.readString(rules));

    // another configuration, a changed policy, a changed file it may include: compiled again
    assertTrue(text(PolicyBuild.compile(request(List.of("web"), false))).contains("compiled web"));
    Files.writeString(web, WEB.replace("443", "8443"));
    assertTrue(text(PolicyBuild.compile(request(List.of("web"), false))).contains("compiled web"));
    assertTrue(text(PolicyBuild.compile(request(List.of("web"), false))).contains("nothing"));
    policy("shared/networks.yaml", "networks: {}\n");
    assertTrue(text(PolicyBuild.compile(request(List.of("web"), false))).contains("compiled web"));
    // outputs removed (mvn clean of the sources only): compiled again
    Files.writeString(rules, "touched");
    PolicyBuild.compile(request());
    deleteTree(dir.resolve("out/gen"));
    assertTrue(text(PolicyBuild.compile(request())).contains("compiled web"));
    assertFalse(Files.readString(rules).equals("touched"));
  }

  @Test
  void policyErrorsFailWithTheirPositionAndWriteNothing() throws IOException {
    policy("web.yaml", WEB);
    Path bad = policy("bad.yaml", BAD);
    PolicyBuild.Outcome o = PolicyBuild.compile(request());
    assertTrue(o.failed());
    assertEquals("ERROR " + bad + ":6:25: PC1001 unknown network group 'admins'", text(o));
    assertEquals("policyc compile: 1 error, 0 warnings", o.summary());
    assertEquals(List.of(), tree("out"));
  }

  @Test
  void checkReportsWarningsAndFailOnWarningMakesThemFail() throws IOException {
    Path f = policy("web.yaml", SHADOWED);
    PolicyBuild.Outcome o = PolicyBuild.check(request());
    assertFalse(o.failed(), text(o));
    assertTrue(text(o).startsWith("WARNING " + f + ":9:9: PC7002 this rule is shadowed"), text(o));
    // the position again, for an IDE's marker on the line
    PolicyBuild.Message w = o.messages().get(0);
    assertEquals(List.of(f.toString(), 9, 9), List.of(w.file(), w.line(), w.column()));
    assertTrue(text(o).endsWith("INFO policyc: 1 policy OK, 0 errors, 1 warning"), text(o));

    PolicyBuild.Outcome strict = PolicyBuild.check(request(List.of(), true));
    assertTrue(strict.failed());
    assertEquals("policyc check: 0 errors, 1 warning, which failOnWarning makes errors",
        strict.summary());
    assertEquals(List.of(), tree("out"));

    policy("bad.yaml", BAD);
    assertEquals("policyc check: 1 error, 1 warning", PolicyBuild.check(request()).summary());
  }

  /**
   * A policy with IPVS services gets its classifier too, the services in a resource beside its
   * tables (and the runtime's IPVS classes in the package); listed in {@code skipClassifierFor},
   * only its scripts are compiled.
   */
  @Test
  void anIpvsPolicyGetsItsClassifierUnlessSkipClassifierForListsIt() throws IOException {
    policy("director.yaml", WEB.replace("policy: web", "policy: director")
        + "ipvs:\n  services:\n    - { protocol: tcp, address: 192.0.2.80, port: 80,"
        + " scheduler: rr, real-servers: [{ address: 10.1.0.1, port: 8080, method: masq }] }\n");
    PolicyBuild.Outcome o = PolicyBuild.compile(request());
    assertFalse(o.failed(), text(o));
    assertTrue(tree("out/policyc").contains("director/ipvs.rules"), tree("out").toString());
    assertTrue(tree("out/gen").containsAll(List.of("com/acme/fw/DirectorClassifier.java",
        "com/acme/fw/Ipvs.java", "com/acme/fw/IpvsService.java")), tree("out").toString());
    assertEquals(List.of("com/acme/fw/DirectorClassifier.ipvs",
        "com/acme/fw/DirectorClassifier.tables"), tree("out/res"));

    PolicyBuild.Outcome skipped = PolicyBuild.compile(request(List.of("director"), false));
    assertFalse(skipped.failed(), text(skipped));
    assertTrue(tree("out/policyc").contains("director/ipvs.rules"));
    assertEquals(List.of(), tree("out/gen"));
    assertEquals(List.of(), tree("out/res"));
  }

  @Test
  void aRemovedPolicyLeavesNoOutputsBehind() throws IOException {
    policy("web.yaml", WEB);
    Path edge = policy("edge.yaml", WEB.replace("policy: web", "policy: edge"));
    PolicyBuild.compile(request());
    Files.delete(edge);
    assertFalse(PolicyBuild.compile(request()).failed());
    assertFalse(tree("out/policyc").stream().anyMatch(p -> p.startsWith("edge/")));
    assertFalse(tree("out/gen").contains("com/acme/fw/EdgeClassifier.java"));
  }

  @Test
  void targetsChooseTheOutputs() throws IOException {
    policy("web.yaml", WEB);
    PolicyBuild.Request javaOnly = new PolicyBuild.Request(dir.resolve("policies"), List.of(),
        List.of(), dir.resolve("out/policyc"), dir.resolve("out/gen"), dir.resolve("out/res"),
        "fw", 0, List.of("java"), List.of(), false, "1.0");
    assertFalse(PolicyBuild.compile(javaOnly).failed());
    assertEquals(List.of(PolicyBuild.STAMP), tree("out/policyc"));
    assertTrue(tree("out/gen").contains("fw/WebClassifier.java"));

    PolicyBuild.Request scripts = new PolicyBuild.Request(dir.resolve("policies"),
        List.of("*.yaml"), List.of(), dir.resolve("out/policyc"), dir.resolve("out/gen"),
        dir.resolve("out/res"), "fw", 1, List.of("iptables"), List.of(), false, "1.0");
    assertFalse(PolicyBuild.compile(scripts).failed());
    assertEquals(List.of(PolicyBuild.STAMP, "web/apply.sh", "web/ip6tables.rules",
        "web/iptables.rules"), tree("out/policyc"));
    assertEquals(List.of(), tree("out/gen"));

    PolicyBuild.Request wrong = new PolicyBuild.Request(dir.resolve("policies"), List.of(),
        List.of(), dir.resolve("out/policyc"), dir.resolve("out/gen"), dir.resolve("out/res"),
        "fw", 1, List.of("nftables"), List.of(), false, "1.0");
    assertThrows(IllegalArgumentException.class, () -> PolicyBuild.compile(wrong));
  }

  @Test
  void verifyProvesEveryOutput() throws IOException {
    Path f = policy("web.yaml", WEB);
    PolicyBuild.Outcome o = PolicyBuild.verify(request());
    assertFalse(o.failed(), text(o));
    assertTrue(text(o).contains("INFO " + f + ": the emitted files mean the IR: proved ("),
        text(o));
    assertTrue(text(o).endsWith("INFO policyc: every output of 1 policy proved"), text(o));
    policy("bad.yaml", BAD);
    assertTrue(PolicyBuild.verify(request()).failed());
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
