package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel takes policyc kube's output: in a network namespace of its own, each golden case's
 * ipset.rules (IPVS mode) and iptables.rules (both modes) load, and iptables-save gives back the
 * same chains with the same number of rules each, which load again unchanged. The IPv6 goldens
 * (kube/golden-ipv6) the same with their inet6 sets, ip6tables-restore and ip6tables-save, and
 * their interfaces.sh binds the /128 addresses on kube-ipvs0. The nfacct
 * counters are left out (the node facts say none exist, as kube-proxy would find on a machine
 * without them). The IPVS virtual servers skip with a message where the kernel has no IPVS
 * (/proc/net/ip_vs absent). Skipped without root or ip netns (KernelTests).
 */
class KubeKernelTest {
  private static String unavailable;

  @TempDir
  Path tmp;

  @BeforeAll
  static void probe() {
    unavailable = Netns.unavailableReason();
  }

  @TestFactory
  Stream<DynamicTest> eachGoldenCaseLoadsAndSavesBack() throws IOException {
    return cases("golden", "node.yaml");
  }

  @TestFactory
  Stream<DynamicTest> eachIpv6GoldenCaseLoadsAndSavesBack() throws IOException {
    return cases("golden-ipv6", "ipv6/node.yaml");
  }

  private Stream<DynamicTest> cases(String root, String node) throws IOException {
    List<Path> cases;
    try (Stream<Path> s = Files.list(KubeFiles.DIR.resolve(root))) {
      cases = s.filter(Files::isDirectory).sorted().toList();
    }
    return cases.stream().flatMap(c -> Stream.of(KubeCompiler.Mode.values())
        .map(m -> DynamicTest.dynamicTest(c.getFileName() + " "
            + m.name().toLowerCase(Locale.ROOT), () -> load(c, node, m))));
  }

  private void load(Path dir, String nodeFile, KubeCompiler.Mode mode) throws IOException {
    KernelTests.assume(unavailable);
    String node = KubeFiles.text(KubeFiles.DIR.resolve(nodeFile))
        .replace("ct_state_invalid_dropped_pkts: true", "ct_state_invalid_dropped_pkts: false")
        .replace("localhost_nps_accepted_pkts: true", "localhost_nps_accepted_pkts: false");
    KubeCompiler.Result r = KubeCompiler.compile(List.of(KubeFiles.input(
        dir.resolve("manifests.yaml"))), new KubeCompiler.Input("node.yaml", node), mode);
    assertTrue(r.ok(), r.diagnostics().toString());
    try (Netns ns = Netns.create("kube")) {
      if (r.files().containsKey("ipset.rules")) {
        Path sets = Files.writeString(tmp.resolve("ipset.rules"), r.files().get("ipset.rules"));
        ns.run("ipset", "restore", "-file", sets.toString());
        String listed = ns.run("ipset", "list", "-n");
        assertEquals(IpvsProxier.Set.values().length, listed.lines().count(), listed);
      }
      boolean six = r.files().containsKey("ip6tables.rules");
      String cmd = six ? "ip6tables" : "iptables";
      String payload = r.files().get(six ? "ip6tables.rules" : "iptables.rules");
      Path rules = Files.writeString(tmp.resolve("iptables.rules"), payload);
      Netns.Result load = ns.tryRun(cmd + "-restore", "--noflush", rules.toString());
      if (load.code() != 0 && payload.contains(" -m ipvs ") && !kernelHasIpvsMatch()) {
        // KUBE-IPVS-OUT-FILTER's -m ipvs needs xt_ipvs, which a kernel without IPVS lacks:
        // the rest of the payload loads without those rules
        System.out.println(dir.getFileName() + ": the kernel has no ipvs match (xt_ipvs);"
            + " loading without the -m ipvs rules");
        payload = payload.lines().filter(l -> !l.contains(" -m ipvs "))
            .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
        rules = Files.writeString(tmp.resolve("iptables.rules"), payload);
        load = ns.tryRun(cmd + "-restore", "--noflush", rules.toString());
      }
      assertEquals(0, load.code(), load.err());
      String saved = ns.run(cmd + "-save");
      assertEquals(chainCounts(payload), chainCounts(saved), saved);
      // What the kernel gives back loads again and saves the same.
      Path again = Files.writeString(tmp.resolve("saved.rules"), saved);
      ns.run(cmd + "-restore", again.toString());
      assertEquals(strip(saved), strip(ns.run(cmd + "-save")));
      // (where the kernel has dummy links: this one has none)
      if (six && r.files().containsKey("interfaces.sh")
          && ns.tryRun("ip", "link", "add", "kube-ipvs0", "type", "dummy").code() == 0) {
        Path sh = Files.writeString(tmp.resolve("interfaces.sh"), r.files().get("interfaces.sh"));
        ns.run("sh", sh.toString());
        String bound = ns.run("ip", "-6", "addr", "show", "dev", "kube-ipvs0");
        for (String line : r.files().get("interfaces.sh").lines().toList()) {
          if (line.startsWith("ip addr replace ")) {
            String addr = line.split(" ")[3];
            assertTrue(bound.contains("inet6 " + addr + " "), addr + " in " + bound);
          }
        }
      }
    }
  }

  @Test
  void ipvsRulesLoadWhereTheKernelHasIpvs() throws IOException {
    KernelTests.assume(unavailable);
    KernelTests.assumeIpvs();
    KubeCompiler.Result r = KubeFiles.compile(KubeFiles.DIR.resolve("overall/manifests.yaml"),
        KubeCompiler.Mode.IPVS);
    try (Netns ns = Netns.create("kubeipvs")) {
      Path rules = Files.writeString(tmp.resolve("ipvs.rules"), r.files().get("ipvs.rules"));
      Netns.Result load = ns.tryRun("sh", "-c", "ipvsadm -R < " + rules);
      KernelTests.assume(load.code() == 0 ? null : "ipvsadm -R failed: " + load.err());
      assertEquals(r.files().get("ipvs.rules"), ns.run("ipvsadm", "-S", "-n"));
    }
  }

  /** Whether the kernel knows the ipvs match (it lists the matches it has loaded). */
  private static boolean kernelHasIpvsMatch() throws IOException {
    Path matches = Path.of("/proc/net/ip_tables_matches");
    return Files.exists(matches) && Files.readAllLines(matches).contains("ipvs");
  }

  /** Rules per KUBE- chain, table by table. */
  private static Map<String, Integer> chainCounts(String text) {
    Map<String, Integer> out = new TreeMap<>();
    String table = "";
    for (String line : text.lines().toList()) {
      if (line.startsWith("*")) {
        table = line.substring(1);
      } else if (line.startsWith(":KUBE-")) {
        out.putIfAbsent(table + " " + line.substring(1).split(" ")[0], 0);
      } else if (line.startsWith("-A KUBE-")) {
        out.merge(table + " " + line.split(" ")[1], 1, Integer::sum);
      }
    }
    return out;
  }

  private static String strip(String saved) {
    return saved.lines().filter(l -> !l.startsWith("#")).map(l -> l.replaceAll("\\[\\d+:\\d+\\]",
        "")).reduce("", (a, b) -> a + b + "\n");
  }
}
