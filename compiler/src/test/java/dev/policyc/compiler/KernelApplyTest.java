package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.Netns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code apply.sh} against a real kernel, each test in a network namespace of its own (with its
 * own rules and ipsets): a failing step puts the previous rules and sets back exactly, an
 * unconfirmed {@code --confirm} rolls back even when the shell that ran it is killed, and applying
 * twice changes nothing; a policy that owns only its chains leaves Docker's alone. States are compared as {@code iptables-save}, {@code ip6tables-save} and
 * {@code ipset save} print them, counters, comments and ipset's random {@code initval} aside.
 * Skipped, with the reason, without root or {@code ip netns}; required in CI.
 */
@ResourceLock("netns")
class KernelApplyTest {
  private static String unavailable;

  /** The previous ruleset: filter and nat, two sets. */
  static final String A = """
      policy: apply-a
      objects:
        sets:
          blocked: { type: hash:net, family: ipv4, entries: [192.0.2.0/25] }
          allowed: { type: hash:net, family: ipv4, entries: [198.51.100.0/24] }
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { in: lo }, action: accept }
            - { match: { set: { name: blocked, dir: src } }, action: drop }
            - { match: { set: { name: allowed, dir: src }, proto: tcp, dport: "22" }, action: accept }
      nat:
        POSTROUTING:
          rules:
            - { match: { src: 10.0.0.0/8, out: eth0 }, action: masquerade }
      """;

  /** The next one: other rules in both tables, other members in both sets. */
  static final String B = """
      policy: apply-b
      objects:
        sets:
          blocked: { type: hash:net, family: ipv4, entries: [192.0.2.128/25, 203.0.113.0/24] }
          allowed: { type: hash:net, family: ipv4, entries: [198.51.100.0/25] }
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { in: lo }, action: accept }
            - { match: { state: [established, related] }, action: accept }
            - { match: { set: { name: blocked, dir: src } }, action: drop }
            - { match: { set: { name: allowed, dir: src }, proto: tcp, dport: "22" }, action: accept }
      nat:
        POSTROUTING:
          rules:
            - { match: { src: 10.1.0.0/16, out: eth0 }, action: masquerade }
      """;

  /** A policy that shares the host: it owns only its chains. */
  static final String SHARED = """
      policy: apply-shared
      owns: chains
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { in: lo }, action: accept }
            - { match: { state: [established, related] }, action: accept }
            - { match: { proto: tcp, dport: "22", state: new }, action: accept }
        FORWARD:
          rules:
            - { match: { src: 192.0.2.0/24 }, action: drop }
      nat:
        POSTROUTING:
          rules:
            - { match: { src: 10.1.0.0/16, out: eth0 }, action: masquerade }
      """;

  private Netns ns;
  private Path tmp;

  @BeforeAll
  static void probe() {
    unavailable = Netns.unavailableReason();
  }

  @BeforeEach
  void setUp() throws IOException {
    KernelTests.assume(unavailable);
    tmp = Files.createTempDirectory("policyc-apply");
    ns = Netns.create("apply");
  }

  /** Kills what is left in the namespace (a watchdog of a failed test), then removes it all. */
  @AfterEach
  void tearDown() throws IOException {
    if (ns != null) {
      Netns.Result pids = Netns.exec(List.of("ip", "netns", "pids", ns.name()), true);
      for (String pid : pids.out().split("\\s+")) {
        if (!pid.isEmpty()) {
          Netns.exec(List.of("kill", "-KILL", pid), true);
        }
      }
      ns.close();
    }
    if (tmp != null) {
      try (Stream<Path> s = Files.walk(tmp)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Test
  void aFaultInTheSecondTableLeavesThePreviousRulesetInPlace() throws IOException {
    applyOk(write("a", A));
    String before = snapshot();
    Path b = write("b", B);
    // MASQUERADE outside POSTROUTING passes --test and fails in the kernel, after the filter
    // table of the same file has been committed.
    String rules = Files.readString(b.resolve(PolicyCompiler.IPTABLES));
    int nat = rules.indexOf("*nat\n");
    int commit = rules.indexOf("COMMIT\n", nat);
    assertTrue(nat > rules.indexOf("*filter\n") && commit > nat, rules);
    Files.writeString(b.resolve(PolicyCompiler.IPTABLES), rules.substring(0, commit)
        + "-A PREROUTING -j MASQUERADE\n" + rules.substring(commit));
    Netns.Result r = apply(b);
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("failed in table nat"), r.err());
    assertEquals(before, snapshot(), "the previous state is not back in place");
  }

  @Test
  void aFaultInASetLeavesThePreviousSetsAndRulesInPlace() throws IOException {
    applyOk(write("a", A));
    String before = snapshot();
    Path b = write("b", B);
    // the last member of the last set is bad: every set before it has been swapped in already
    List<String> lines = Files.readAllLines(b.resolve(PolicyCompiler.IPSET));
    int last = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("add ")) {
        last = i;
      }
    }
    String set = lines.get(last).split(" ")[1];
    lines.set(last, "add " + set + " 300.0.0.1");
    Files.write(b.resolve(PolicyCompiler.IPSET), lines);
    Netns.Result r = apply(b);
    assertEquals(1, r.code(), r.err());
    assertEquals(before, snapshot(), "the previous state is not back in place");
  }

  @Test
  void aFirstApplyThatFailsLeavesNoSetsBehind() throws IOException {
    String before = snapshot();
    Path b = write("b", B);
    String rules = Files.readString(b.resolve(PolicyCompiler.IPTABLES));
    int commit = rules.indexOf("COMMIT\n", rules.indexOf("*nat\n"));
    Files.writeString(b.resolve(PolicyCompiler.IPTABLES), rules.substring(0, commit)
        + "-A PREROUTING -j MASQUERADE\n" + rules.substring(commit));
    Netns.Result r = apply(b);
    assertEquals(1, r.code(), r.err());
    assertEquals("", ns.run("ipset", "list", "-n"));
    assertEquals(withoutTables(before), withoutTables(snapshot()));
  }

  @Test
  void applyingTheSameOutputTwiceChangesNothing() throws IOException {
    applyOk(write("a", A));
    String before = snapshot();
    Path b = write("b", B);
    applyOk(b);
    String once = snapshot();
    assertNotEquals(before, once);
    applyOk(b);
    assertEquals(once, snapshot());
  }

  @Test
  void anUnconfirmedApplyRollsBack() throws IOException, InterruptedException {
    applyOk(write("a", A));
    String before = snapshot();
    Path b = write("b", B);
    // under another name: the watchdog runs the script by the name it was started with
    Path renamed = Files.move(b.resolve(PolicyCompiler.APPLY), b.resolve("load-b.sh"));
    Netns.Result r = Netns.exec(List.of("ip", "netns", "exec", ns.name(), "sh",
        renamed.toString(), "--confirm", "2"), true);
    assertEquals(0, r.code(), r.err());
    String applied = snapshot();
    assertNotEquals(before, applied);
    assertTrue(awaitSnapshot(before, 15), "not rolled back after the confirm timeout");
  }

  /** The watchdog of a --confirm whose load failed must not roll back a later apply. */
  @Test
  void aFailedConfirmedApplyLeavesNoWatchdogBehind() throws IOException, InterruptedException {
    applyOk(write("a", A));
    String before = snapshot();
    Path bad = write("bad", B);
    String rules = Files.readString(bad.resolve(PolicyCompiler.IPTABLES));
    int commit = rules.indexOf("COMMIT\n", rules.indexOf("*nat\n"));
    Files.writeString(bad.resolve(PolicyCompiler.IPTABLES), rules.substring(0, commit)
        + "-A PREROUTING -j MASQUERADE\n" + rules.substring(commit));
    Netns.Result r = apply(bad, "--confirm", "2");
    assertEquals(1, r.code(), r.err());
    assertEquals(before, snapshot());
    applyOk(write("b", B));
    String applied = snapshot();
    Thread.sleep(4000);
    assertEquals(applied, snapshot(), "the failed apply's watchdog rolled back a later one");
  }

  @Test
  void aConfirmedApplyStays() throws IOException, InterruptedException {
    applyOk(write("a", A));
    Path b = write("b", B);
    Netns.Result r = apply(b, "--confirm", "2");
    assertEquals(0, r.code(), r.err());
    String applied = snapshot();
    Netns.Result c = apply(b, "confirm");
    assertEquals(0, c.code(), c.err());
    Thread.sleep(4000);
    assertEquals(applied, snapshot());
    Netns.Result again = apply(b, "confirm");
    assertEquals(1, again.code(), "nothing is left to confirm");
  }

  /**
   * The shell that ran {@code apply.sh --confirm}, and its whole process group, get a hangup and
   * are killed (the SSH session dropping): the rollback still comes.
   */
  @Test
  void anUnconfirmedApplyRollsBackAlsoWhenTheInvokingShellIsKilled()
      throws IOException, InterruptedException {
    applyOk(write("a", A));
    String before = snapshot();
    Path b = write("b", B);
    Path script = b.resolve(PolicyCompiler.APPLY);
    // setsid: the shell leads a process group of its own, which the test then kills whole
    Process p = new ProcessBuilder("setsid", "ip", "netns", "exec", ns.name(), "sh", "-c",
        "sh \"$0\" --confirm 4 && exec sleep 120", script.toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("shell.log").toFile()).start();
    try {
      Path state = b.resolve("apply-state");
      Path log = tmp.resolve("shell.log");
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!Files.readString(log).contains("applied;") && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      assertTrue(hasPending(state), "apply.sh --confirm did not get to wait for a confirm: "
          + Files.readString(log));
      assertNotEquals(before, snapshot());
      String group = "-" + p.pid();
      Netns.exec(List.of("kill", "-HUP", "--", group), true);
      Netns.exec(List.of("kill", "-KILL", "--", group), true);
      assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the invoking shell is still running");
    } finally {
      p.destroyForcibly();
    }
    assertTrue(awaitSnapshot(before, 20),
        "not rolled back after the invoking shell was killed");
  }

  /** Docker's chains in filter and nat, with the jumps into them, as Docker sets them up. */
  private List<String> addDockerChains() throws IOException {
    ns.run("iptables", "-N", "DOCKER");
    ns.run("iptables", "-A", "DOCKER", "-d", "172.17.0.2/32", "!", "-i", "docker0", "-o",
        "docker0", "-p", "tcp", "-m", "tcp", "--dport", "80", "-j", "ACCEPT");
    ns.run("iptables", "-A", "FORWARD", "-o", "docker0", "-j", "DOCKER");
    ns.run("iptables", "-t", "nat", "-N", "DOCKER");
    ns.run("iptables", "-t", "nat", "-A", "DOCKER", "!", "-i", "docker0", "-p", "tcp", "-m",
        "tcp", "--dport", "8080", "-j", "DNAT", "--to-destination", "172.17.0.2:80");
    ns.run("iptables", "-t", "nat", "-A", "PREROUTING", "-m", "addrtype", "--dst-type",
        "LOCAL", "-j", "DOCKER");
    List<String> docker = snapshot().lines().filter(l -> l.contains("DOCKER")).toList();
    assertEquals(6, docker.size(), docker.toString());
    return docker;
  }

  @Test
  void foreignChainsSurviveAnApplyAndTheJumpsAreAddedOnce() throws IOException {
    List<String> docker = addDockerChains();
    Path shared = write("shared", SHARED);
    applyOk(shared);
    String once = snapshot();
    for (String line : docker) {
      assertTrue(once.contains(line + "\n"), "Docker's '" + line + "' is gone:\n" + once);
    }
    assertTrue(once.contains("\n-A policyc-INPUT -i lo -j ACCEPT\n"), once);
    assertTrue(once.contains("\n:INPUT DROP [0:0]\n"), once);
    // the policy's jump comes first, before Docker's
    assertTrue(once.contains("\n-A FORWARD -j policyc-FORWARD\n-A FORWARD -o docker0 -j DOCKER\n"),
        once);
    assertTrue(once.contains("\n-A POSTROUTING -j policyc-POSTROUTING\n"), once);
    applyOk(shared);
    assertEquals(once, snapshot(), "a second apply changed something");
  }

  @Test
  void aFaultInASharedApplyPutsDockersAndTheOldRulesBack() throws IOException {
    addDockerChains();
    applyOk(write("shared", SHARED));
    String before = snapshot();
    Path b = write("b", SHARED.replace("192.0.2.0/24", "198.51.100.0/24"));
    String rules = Files.readString(b.resolve(PolicyCompiler.IPTABLES));
    int commit = rules.indexOf("COMMIT\n", rules.indexOf("*nat\n"));
    Files.writeString(b.resolve(PolicyCompiler.IPTABLES), rules.substring(0, commit)
        + "-A policyc-PREROUTING -j MASQUERADE\n" + rules.substring(commit));
    Netns.Result r = apply(b);
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("failed in table nat"), r.err());
    assertEquals(before, snapshot(), "the previous state is not back in place");
  }

  private static boolean hasPending(Path state) throws IOException {
    if (!Files.isDirectory(state)) {
      return false;
    }
    try (Stream<Path> s = Files.list(state)) {
      return s.anyMatch(f -> f.getFileName().toString().startsWith("pending."));
    }
  }

  private boolean awaitSnapshot(String want, int seconds)
      throws IOException, InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      if (want.equals(snapshot())) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** Compiles a policy into a folder of its own under the test's temporary folder. */
  Path write(String folder, String yaml) throws IOException {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(folder + ".yaml", yaml);
    assertTrue(read.policy() != null, read.diagnostics().toString());
    Compilation c = PolicyCompiler.compile(read.policy());
    assertTrue(c.ok(), c.diagnostics().toString());
    Path dir = Files.createDirectories(tmp.resolve(folder));
    for (Map.Entry<String, String> f : c.files().entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
    }
    Files.setPosixFilePermissions(dir.resolve(PolicyCompiler.APPLY),
        PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }

  Netns.Result apply(Path dir, String... args) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", ns.name(),
        "sh", dir.resolve(PolicyCompiler.APPLY).toString()));
    cmd.addAll(List.of(args));
    return Netns.exec(cmd, true);
  }

  void applyOk(Path dir) throws IOException {
    Netns.Result r = apply(dir);
    assertEquals(0, r.code(), "apply.sh failed: " + r.err());
  }

  /** The namespace's rules and sets, without what differs between equal states. */
  String snapshot() throws IOException {
    return "# iptables\n" + rules(ns.run("iptables-save")) + "# ip6tables\n"
        + rules(ns.run("ip6tables-save")) + "# ipset\n" + sets(ns.run("ipset", "save"));
  }

  static String rules(String saved) {
    return saved.lines().filter(l -> !l.startsWith("#"))
        .map(l -> l.replaceAll("\\[\\d+:\\d+\\]", "[0:0]"))
        .collect(Collectors.joining("\n", "", "\n"));
  }

  /** ipset lists hash members in hash order and gives each set a random initval. */
  static String sets(String saved) {
    return saved.lines().map(l -> l.replaceAll(" initval 0x[0-9a-f]+", ""))
        .sorted().collect(Collectors.joining("\n", "", "\n"));
  }

  /** A snapshot without empty tables: a table once loaded stays listed, empty, under nft. */
  static String withoutTables(String snapshot) {
    return snapshot.lines().filter(l -> !l.isEmpty() && !l.startsWith("*")
        && !l.startsWith(":") && !l.equals("COMMIT")).collect(Collectors.joining("\n"));
  }
}
