package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.testing.Repo;
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
    assertEquals(List.of("Decision.java", "Engine.java", "Host.java", "Ipvs.java",
        "IpvsService.java", "Packet.java", "SmallClassifier.java", "SmallClassifier.tables",
        "Vocabulary.java"),
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
      assertTrue(classifier.err().contains("packets.txt:4:7: error PC8007: bad packet"),
          classifier.err());
    }
    Cli.Captured forward = run("explain", CliFixtures.policy("nat-gateway"), "--engine",
        "classifier", "--packets", packets.toString());
    assertTrue(forward.out().contains(" => ACCEPT: forwarded out lan0; DNAT to 10.10.0.5:22 ["),
        forward.out());
  }

  /** A director with a default route, so that answers from the real servers are forwarded. */
  private static final String DIRECTOR = """
      policy: director
      host:
        interfaces:
          eth0: { addresses: [192.0.2.10/24] }
          eth1: { addresses: [10.1.0.254/24] }
        routes:
          - { to: default, via: 192.0.2.1, dev: eth0 }
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { proto: tcp, dport: ["22", "80", "443"] }, action: accept }
      nat:
        POSTROUTING:
          rules:
            - { match: { out: eth1, dst: 10.1.0.0/24 }, action: masquerade }
      ipvs:
        services:
          - protocol: tcp
            address: 192.0.2.80
            port: 80
            scheduler: wrr
            real-servers:
              - { address: 10.1.0.1, port: 8080, weight: 2, method: masq }
              - { address: 10.1.0.2, port: 8080, weight: 1, method: masq }
          - protocol: tcp
            address: 192.0.2.80
            port: 443
            scheduler: sh
            persistence: { timeout: 600 }
            real-servers:
              - { address: 10.1.0.3, method: gate }
              - { address: 10.1.0.4, method: gate }
          - protocol: tcp
            address: 192.0.2.80
            port: 22
            real-servers:
              - { address: 10.1.0.9, weight: 0, method: masq }
      """;

  /**
   * A policy with IPVS: {@code --target java} writes its classifier with the services beside
   * it, and with {@code --packets} the classifier prints the interpreter's lines, the IPVS part
   * among them (scheduled, by a persistence template, no real server, an answer put back), the
   * schedulers advancing packet by packet in both.
   */
  @Test
  void anIpvsPolicyCompilesToJavaAndExplainsAsTheInterpreter() throws IOException {
    Path policy = CliFixtures.write(tmp, "director.yaml", DIRECTOR);
    Path out = tmp.resolve("out");
    Cli.Captured r = run("compile", policy.toString(), "-o", out.toString(), "--target", "java",
        "--package", "com.example.lb", "--allow-lockout");
    assertEquals(Cli.OK, r.code(), r.err());
    assertTrue(CliFixtures.listing(out).containsAll(List.of("DirectorClassifier.java",
        "DirectorClassifier.ipvs", "Ipvs.java")), CliFixtures.listing(out).toString());
    Path packets = CliFixtures.write(tmp, "packets.txt", """
        tcp 198.51.100.7:40000 -> 192.0.2.80:80 in eth0 flags SYN
        tcp 198.51.100.8:40001 -> 192.0.2.80:80 in eth0 flags SYN
        tcp 198.51.100.9:40002 -> 192.0.2.80:80 in eth0 flags SYN
        tcp 10.1.0.2:8080 -> 198.51.100.7:40000 in eth1 flags SYN,ACK state established
        tcp 198.51.100.7:40003 -> 192.0.2.80:443 in eth0 flags SYN
        tcp 198.51.100.7:40004 -> 192.0.2.80:443 in eth0 flags SYN
        tcp 192.0.2.80:443 -> 198.51.100.7:40003 in eth1 flags SYN,ACK state established
        tcp 198.51.100.7:40005 -> 192.0.2.80:22 in eth0 flags SYN
        tcp 198.51.100.7:40006 -> 192.0.2.10:22 in eth0 flags SYN
        tcp 192.0.2.10:40007 -> 192.0.2.80:80 flags SYN
        """);
    String example = Repo.root().resolve("compiler/src/test/resources/ipvs/director/policy.yaml")
        .toString();
    for (String p : List.of(policy.toString(), example)) {
      Cli.Captured interpreter = run("explain", p, "-O0", "--packets", packets.toString());
      Cli.Captured classifier = run("explain", p, "--engine", "classifier", "--packets",
          packets.toString());
      assertEquals(Cli.OK, classifier.code(), classifier.err());
      assertEquals(interpreter.out(), classifier.out(), p);
    }
    Cli.Captured lines = run("explain", policy.toString(), "--engine", "classifier",
        "--packets", packets.toString());
    for (String part : List.of("; ipvs: -t 192.0.2.80:80 (wrr) -> 10.1.0.1:8080 masq [",
        "; ipvs: -t 192.0.2.80:80 (wrr) -> 10.1.0.2:8080 masq [",
        "(persistence template) [", ": no real server available [",
        "; ipvs: answer from 10.1.0.2:8080 of -t 192.0.2.80:80 (wrr), source back to"
            + " 192.0.2.80:80 [")) {
      assertTrue(lines.out().contains(part), part + " in\n" + lines.out());
    }
    Cli.Captured one = run("explain", policy.toString(), "--engine", "classifier", "--packet",
        "tcp 198.51.100.7:40000 -> 192.0.2.80:80 in eth0 flags SYN");
    assertTrue(one.out().contains("\n  ipvs -t 192.0.2.80:80 (wrr) -> 10.1.0.2:8080 masq\n"),
        one.out());
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
