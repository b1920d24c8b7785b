package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.Netns;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.testing.Property;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Every example's scripts load into a real kernel, in a network namespace the test creates:
 * ipset.rules with {@code ipset restore}, then iptables.rules and ip6tables.rules with
 * {@code --test} and for real; and {@code iptables-save} of that namespace gives back exactly
 * the emitted rule lines, table by table (counters and comments aside). Skipped, with the
 * reason, without root or {@code ip netns}.
 */
@ResourceLock("netns")
class KernelRoundTripTest {
  private static String unavailable;

  @BeforeAll
  static void probe() {
    unavailable = Netns.unavailableReason();
  }

  @TestFactory
  Stream<DynamicTest> examplesLoadAndSaveBackUnchanged() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(Repo.policies())) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      KernelTests.assume(unavailable);
      roundTrip(f);
    }));
  }

  /**
   * Random policies using every match and target kind load too, and save back unchanged: the
   * emitter's canonical form is iptables-save's for all of them, not only for the examples.
   */
  @Test
  void randomPoliciesLoadAndSaveBackUnchanged() throws IOException {
    KernelTests.assume(unavailable);
    int n = Property.trials(60);
    Random master = new Random(Property.seed(7L));
    for (int i = 0; i < n; i++) {
      long seed = master.nextLong();
      IrPolicy p = new RandomPolicies(new Random(seed)).policy(RandomPolicies.Options.ALL);
      Map<String, String> files = PolicyCompiler.emit(p, "random", List.of());
      try {
        load(files, "random policy of seed " + seed);
      } catch (AssertionError | IOException e) {
        throw new AssertionError("random policy " + i + " (seed " + seed + "): " + e.getMessage(),
            e);
      }
    }
  }

  /**
   * A chain may be 15 jumps below a built-in chain and not 16 in nf_tables, as {@link
   * dev.policyc.compiler.ir.Netfilter#MAX_CHAIN_DEPTH} says (legacy iptables has no such bound;
   * there only the first part runs); and a long run 12 jumps down, which the decision tree splits
   * at -O2 in what is left below it, loads.
   */
  @Test
  void chainsGoAsDeepAsNfTablesAllowsAndTreesStayWithin() throws IOException {
    KernelTests.assume(unavailable);
    int max = dev.policyc.compiler.ir.Netfilter.MAX_CHAIN_DEPTH;
    Path dir = Files.createTempDirectory("policyc-depth");
    try (Netns ns = Netns.create("depth")) {
      Path ok = dir.resolve("ok.rules");
      Files.writeString(ok, nested(max), StandardCharsets.UTF_8);
      ns.run("iptables-restore", ok.toString());
      if (ns.run("iptables-restore", "--version").contains("nf_tables")) {
        Path deep = dir.resolve("deep.rules");
        Files.writeString(deep, nested(max + 1), StandardCharsets.UTF_8);
        Netns.Result r = ns.tryRun("iptables-restore", deep.toString());
        assertTrue(r.code() != 0 && r.err().contains("Too many links"),
            "nf_tables took a chain " + (max + 1) + " below INPUT: " + r);
      }
    } finally {
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
    StringBuilder yaml = new StringBuilder("policy: deep\nfilter:\n  INPUT:\n    rules:\n"
        + "      - { action: { jump: c1 } }\n");
    for (int i = 1; i <= 12; i++) {
      yaml.append("  c").append(i).append(":\n    rules:\n");
      if (i < 12) {
        yaml.append("      - { match: { proto: tcp }, action: { jump: c").append(i + 1)
            .append(" } }\n");
      }
    }
    for (int i = 0; i < 300; i++) {
      // rules that differ in three fields: no set or merge gathers them
      yaml.append("      - { match: { proto: udp, dst: 10.").append(i / 200).append('.')
          .append(i % 200).append(".0/24, sport: \"").append(1000 + i).append("\", dport: \"")
          .append(2000 + i).append("\" }, action: ").append(i % 2 == 0 ? "drop" : "accept")
          .append(" }\n");
    }
    PolicyCompiler.ReadResult read = PolicyCompiler.read("deep.yaml", yaml.toString());
    Compilation r = PolicyCompiler.compile(read.policy());
    assertTrue(r.ok(), r.diagnostics().toString());
    assertTrue(r.files().get(PolicyCompiler.IPTABLES).contains(":c12_dt"), "no tree was built");
    load(r.files(), "a run of 300 rules 12 jumps below INPUT");
  }

  /** Filter INPUT and user chains c1..cN, each jumping to the next: cN is N below INPUT. */
  private static String nested(int n) {
    StringBuilder sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
        + ":OUTPUT ACCEPT [0:0]\n");
    for (int i = 1; i <= n; i++) {
      sb.append(":c").append(i).append(" - [0:0]\n");
    }
    sb.append("-A INPUT -j c1\n");
    for (int i = 1; i < n; i++) {
      sb.append("-A c").append(i).append(" -j c").append(i + 1).append('\n');
    }
    return sb.append("-A c").append(n).append(" -j ACCEPT\nCOMMIT\n").toString();
  }

  private static void roundTrip(Path file) throws IOException {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(file);
    Compilation r = PolicyCompiler.compile(read.policy());
    assertTrue(r.ok(), r.diagnostics().toString());
    load(r.files(), file.getFileName().toString());
  }

  private static void load(Map<String, String> files, String what) throws IOException {
    Path dir = Files.createTempDirectory("policyc-rt");
    try (Netns ns = Netns.create("rt")) {
      Map<String, Path> written = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : files.entrySet()) {
        Path p = dir.resolve(e.getKey());
        Files.writeString(p, e.getValue(), StandardCharsets.UTF_8);
        written.put(e.getKey(), p);
      }
      if (written.containsKey(PolicyCompiler.IPSET)) {
        ns.run("ipset", "restore", "-file", written.get(PolicyCompiler.IPSET).toString());
        // Applying the same script again must work too (the swap pattern is re-runnable).
        ns.run("ipset", "restore", "-file", written.get(PolicyCompiler.IPSET).toString());
      }
      for (String[] fam : new String[][] {{PolicyCompiler.IPTABLES, "iptables"},
          {PolicyCompiler.IP6TABLES, "ip6tables"}}) {
        Path rules = written.get(fam[0]);
        if (rules == null) {
          continue;
        }
        ns.run(fam[1] + "-restore", "--test", rules.toString());
        ns.run(fam[1] + "-restore", rules.toString());
        String saved = ns.run(fam[1] + "-save");
        Map<String, List<String>> want = tables(Files.readString(rules, StandardCharsets.UTF_8));
        Map<String, List<String>> got = tables(saved);
        if (!want.equals(got)) {
          throw new AssertionError(fam[0] + " of " + what + " does not save back unchanged: "
              + firstDifference(want, got));
        }
      }
    } finally {
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }

  static String firstDifference(Map<String, List<String>> want, Map<String, List<String>> got) {
    if (!want.keySet().equals(got.keySet())) {
      return "tables " + want.keySet() + " became " + got.keySet();
    }
    for (String t : want.keySet()) {
      List<String> a = want.get(t);
      List<String> b = got.get(t);
      for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
        String x = i < a.size() ? a.get(i) : "(none)";
        String y = i < b.size() ? b.get(i) : "(none)";
        if (!x.equals(y)) {
          return "table " + t + " line " + (i + 1) + "\n  emitted: " + x + "\n  saved:   " + y;
        }
      }
    }
    return "(no difference)";
  }

  /** Table name → its chain and rule lines in order, without comments and counters. */
  static Map<String, List<String>> tables(String text) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      if (line.startsWith("*")) {
        current = new ArrayList<>();
        out.put(line.substring(1), current);
      } else if (current != null && !line.equals("COMMIT")) {
        current.add(line.replaceFirst("^\\[\\d+:\\d+\\] ", "").replaceFirst(" \\[\\d+:\\d+\\]$",
            ""));
      }
    }
    // iptables-nft prints tables in its own order; compare them by name.
    Map<String, List<String>> sorted = new java.util.TreeMap<>(out);
    return sorted;
  }
}
