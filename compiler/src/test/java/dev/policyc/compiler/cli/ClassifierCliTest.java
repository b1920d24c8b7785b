package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policyc compile --target} and {@code policyc explain --engine classifier}: the targets
 * chosen are the files written, and the generated classifier, compiled in process, decides
 * packets and ClassBench traces as the other engines do.
 */
class ClassifierCliTest {
  private static final String SMALL = """
      policy: small
      filter:
        INPUT:
          policy: DROP
          rules:
            - match: { proto: tcp, dport: "22", src: 198.51.100.0/24 }
              action: accept
              comment: SSH from the office
      """;

  @TempDir
  Path tmp;

  @Test
  void targetJavaWritesTheClassifierAndNothingElse() throws IOException {
    Path policy = CliFixtures.write(tmp, "small.yaml", SMALL);
    Path out = tmp.resolve("out");
    Cli.Captured r = run("compile", policy.toString(), "-o", out.toString(), "--target", "java",
        "--package", "com.example.fw");
    assertEquals(Cli.OK, r.code(), r.err());
    assertEquals(List.of("Decision.java", "Engine.java", "Host.java", "Packet.java",
        "SmallClassifier.java", "SmallClassifier.tables", "Vocabulary.java"),
        CliFixtures.listing(out));
    assertTrue(Files.readString(out.resolve("SmallClassifier.java"))
        .contains("package com.example.fw;"));
    Path both = tmp.resolve("both");
    r = run("compile", policy.toString(), "-o", both.toString(), "--target", "iptables,java",
        "--package", "com.example.fw");
    assertEquals(Cli.OK, r.code(), r.err());
    assertTrue(CliFixtures.listing(both).containsAll(List.of("iptables.rules", "ip6tables.rules",
        "SmallClassifier.java")), CliFixtures.listing(both).toString());
    assertTrue(!CliFixtures.listing(both).contains("report.json"));
  }

  @Test
  void targetMistakesAreUsageErrors() throws IOException {
    Path policy = CliFixtures.write(tmp, "small.yaml", SMALL);
    String out = tmp.resolve("out").toString();
    assertEquals(Cli.USAGE, run("compile", policy.toString(), "-o", out, "--target", "java")
        .code());
    assertEquals(Cli.USAGE, run("compile", policy.toString(), "-o", out, "--package", "a.b")
        .code());
    assertEquals(Cli.USAGE, run("compile", policy.toString(), "-o", out, "--target", "jar")
        .code());
    assertEquals(Cli.USAGE, run("compile", policy.toString(), "-o", out, "--target", "java",
        "--package", "com.Example").code());
  }

  @Test
  void explainWithTheClassifierShowsThePortForwardOfAHostModel() {
    Cli.Captured r = run("explain", CliFixtures.policy("nat-gateway"), "--engine", "classifier",
        "--packet", "tcp 198.51.100.7:40000 -> 203.0.113.2:2222 in wan0");
    assertEquals(Cli.OK, r.code(), r.err());
    assertTrue(r.out().contains("FORWARDED out lan0\n"), r.out());
    assertTrue(r.out().contains("  dnat DNAT to 10.10.0.5:22\n"), r.out());
    assertTrue(r.out().contains("  after 198.51.100.7:40000 -> 10.10.0.5:22\n"), r.out());
  }

  @Test
  void explainWithTheClassifierNamesTheRuleAndItsOrigin() throws IOException {
    Path policy = CliFixtures.write(tmp, "small.yaml", SMALL);
    Cli.Captured r = run("explain", policy.toString(), "--engine", "classifier", "--packet",
        "tcp 198.51.100.7:40000 -> 192.0.2.10:22 in eth0");
    assertEquals(Cli.OK, r.code(), r.err());
    assertEquals("""
        packet: tcp 198.51.100.7:40000 -> 192.0.2.10:22 in eth0
        DELIVERED
          state new mark 0x0 ctmark 0x0 tos 0x0 ttl 64 len 40
          INPUT filter/INPUT #1 (%s:6:9) "SSH from the office"
        """.formatted(policy), r.out());
    Cli.Captured bad = run("explain", policy.toString(), "--engine", "classifier", "--packet",
        "tcp 198.51.100.7:40000 -> 192.0.2.10");
    assertEquals(Cli.USAGE, bad.code());
    assertTrue(bad.err().contains("--packet: "), bad.err());
  }

  /**
   * With {@code --packets} the classifier prints the interpreter's lines, so the engines compare
   * as text: on every example policy (the classifier decides the rules as lowered, {@code -O0}),
   * packets delivered, forwarded with NAT, dropped by routing, of both families, and a bad line
   * reported where it is while the others are still decided.
   */
  @Test
  void withPacketsTheClassifierPrintsTheInterpretersLines() throws IOException {
    Path packets = CliFixtures.write(tmp, "packets.txt", """
        tcp 203.0.113.5:40000 -> 192.0.2.10:22 in eth0
        tcp 198.51.100.7:40000 -> 203.0.113.2:2222 in wan0
        udp 10.10.0.5:5353 -> 8.8.8.8:53 in lan0
        not a packet
        icmp 10.10.0.9 -> 1.1.1.1 in lan0
        tcp [2001:db8::5]:40000 -> [2001:db8:1::10]:443 in wan0
        udp 172.17.0.2:40000 -> 198.51.100.9:53 in docker0
        """);
    for (String example : List.of("blocklist-sets", "container-host", "dns-notrack",
        "host-firewall", "ipv6-host", "nat-gateway", "qos-marking")) {
      Cli.Captured interpreter = run("explain", CliFixtures.policy(example), "-O0", "--packets",
          packets.toString());
      Cli.Captured classifier = run("explain", CliFixtures.policy(example), "--engine",
          "classifier", "--packets", packets.toString());
      assertEquals(Cli.POLICY_ERRORS, classifier.code(), example);
      assertEquals(interpreter.out(), classifier.out(), example);
      assertEquals(6, classifier.out().lines().count(), example);
      assertEquals(interpreter.err(), classifier.err(), example);
      assertTrue(classifier.err().contains("packets.txt:4:7: error PC8007: bad packet"), classifier.err());
    }
    Cli.Captured forward = run("explain", CliFixtures.policy("nat-gateway"), "--engine",
        "classifier", "--packets", packets.toString());
    assertTrue(forward.out().contains(" => ACCEPT: forwarded out lan0; DNAT to 10.10.0.5:22 ["),
        forward.out());
  }

  /**
   * Every packet of a 100,000-packet trace of a generated 1K set gets the same first match from
   * the classifier, the interpreter and the emitted iptables text read back.
   */
  @Test
  void theThreeEnginesAgreeOnAGeneratedTrace() throws IOException {
    List<ClassBenchFilter> filters = ClassBenchGenerator.generate(1000, 20261206L);
    Path set = Files.writeString(tmp.resolve("gen1k.txt"), filters.stream()
        .map(ClassBenchFilter::text).collect(Collectors.joining("\n", "", "\n")));
    StringBuilder sb = new StringBuilder();
    for (ClassBenchTraceGenerator.Header h : ClassBenchTraceGenerator.generate(filters, 100_000,
        11)) {
      sb.append(h.line()).append('\n');
    }
    Path trace = Files.writeString(tmp.resolve("gen.trace"), sb.toString());
    Path policy = tmp.resolve("imported.yaml");
    Cli.Captured imported = run("import", "--format", "classbench", set.toString(), "-o",
        policy.toString());
    assertEquals(Cli.OK, imported.code(), imported.err());
    String classifier = labels(policy, trace, "classifier");
    assertEquals(labels(policy, trace, "interpreter"), classifier);
    assertEquals(labels(policy, trace, "iptables"), classifier);
    assertTrue(new HashSet<>(classifier.lines().toList()).size() > 300,
        "too few distinct first matches");
  }

  private static String labels(Path policy, Path trace, String engine) {
    Cli.Captured r = run("explain", policy.toString(), "--packets", trace.toString(), "--format",
        "classbench-trace", "--engine", engine);
    assertEquals(Cli.OK, r.code(), r.err());
    assertEquals(100_000, r.out().lines().count());
    return r.out();
  }
}
