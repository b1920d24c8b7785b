package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.Netns;
import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernel loads {@code ipvs.rules} as written: in a fresh network namespace, {@code ipvsadm
 * -R} reads the director case's file and {@code ipvsadm -S -n} prints the same lines (compared
 * as sets: -S sorts with a comparator that is not transitive, and its input is the kernel's
 * hash-table order). Skips with the reason where the kernel has no IPVS ({@code /proc/net/ip_vs}
 * absent), ipvsadm is missing or namespaces cannot be made; fails instead where kernel tests
 * are required ({@link KernelTests}).
 */
class IpvsKernelTest {
  static String unavailableReason() {
    String ns = Netns.unavailableReason();
    if (ns != null) {
      return ns;
    }
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      if (Files.isExecutable(Path.of(dir, "ipvsadm"))) {
        return null;
      }
    }
    return "IPVS kernel tests need 'ipvsadm' (apt-get install ipvsadm)";
  }

  @Test
  void ipvsadmRestoresTheRulesAndSavesThemBack() throws IOException {
    KernelTests.assumeIpvs();
    KernelTests.assume(unavailableReason());
    Path policy = Repo.root().resolve("compiler/src/test/resources/ipvs/director/policy.yaml");
    Compilation c = PolicyCompiler.compile(PolicyCompiler.read(policy).policy());
    assertTrue(c.ok(), c.diagnostics().toString());
    String rules = c.files().get(PolicyCompiler.IPVS_RULES);
    Path file = Files.createTempFile("policyc-ipvs", ".rules");
    try (Netns ns = Netns.create("ipvs")) {
      Files.writeString(file, rules, StandardCharsets.UTF_8);
      ns.run("sh", "-c", "ipvsadm -R < '" + file + "'");
      String saved = ns.run("ipvsadm", "-S", "-n");
      assertEquals(rules.lines().sorted().toList(), saved.lines().sorted().toList(),
          "ipvsadm -S -n after -R");
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
