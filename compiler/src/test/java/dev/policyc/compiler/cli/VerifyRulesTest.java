package dev.policyc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policyc verify RULES}: kube-proxy's payload as {@code policyc kube} writes it, in both
 * modes and families, is proved to mean what policyc's own emitter writes for it.
 */
class VerifyRulesTest {
  @TempDir
  Path tmp;

  private static final Path KUBE = Path.of("src/test/resources/kube");

  @Test
  void everyKubeGoldenIsProvedInBothModesAndFamilies() throws IOException {
    int proved = 0;
    for (String family : new String[] {"golden", "golden-ipv6"}) {
      try (var cases = Files.list(KUBE.resolve(family))) {
        for (Path c : cases.sorted().toList()) {
          for (String mode : new String[] {"iptables", "ipvs"}) {
            Path dir = c.resolve(mode);
            Path rules = dir.resolve(family.equals("golden") ? "iptables.rules"
                : "ip6tables.rules");
            if (!Files.isRegularFile(rules)) {
              continue;
            }
            Path sets = dir.resolve("ipset.rules");
            Cli.Captured r = Files.isRegularFile(sets)
                ? CliFixtures.run("verify", "--kube-proxy-jumps", "--ipsets", sets.toString(),
                    rules.toString())
                : CliFixtures.run("verify", "--kube-proxy-jumps", rules.toString());
            assertEquals(Cli.OK, r.code(), rules + ": " + r.out() + r.err());
            assertTrue(r.out().contains("the rules policyc emits for them mean the rules read:"
                + " proved"), r.out());
            proved++;
          }
        }
      }
    }
    assertTrue(proved >= 30, "only " + proved + " golden texts");
  }

  /** -O with RULES, rule options with a policy, and a missing set file are errors (exit 1). */
  @Test
  void aPolicyWithRuleOptionsOrRulesWithALevelAreRefused() throws IOException {
    Path rules = KUBE.resolve("golden/clusterip/iptables/iptables.rules");
    Cli.Captured level = CliFixtures.run("verify", "-O", "1", rules.toString());
    assertEquals(Cli.POLICY_ERRORS, level.code());
    assertTrue(level.err().contains("-O goes with a policy"), level.err());
    Path policy = CliFixtures.write(tmp, "p.yaml", "policy: p\n");
    Cli.Captured sets = CliFixtures.run("verify", "--kube-proxy-jumps", policy.toString());
    assertEquals(Cli.POLICY_ERRORS, sets.code());
    assertTrue(sets.err().contains("go with RULES"), sets.err());
    Path missing = tmp.resolve("none.rules");
    Cli.Captured noSets = CliFixtures.run("verify", "--ipsets", missing.toString(),
        KUBE.resolve("golden/clusterip/ipvs/iptables.rules").toString());
    assertEquals(Cli.POLICY_ERRORS, noSets.code());
    assertTrue(noSets.err().contains("PC0010"), noSets.err());
    String text = Files.readString(rules, StandardCharsets.UTF_8);
    assertTrue(text.startsWith("*") || text.contains("\n*"), text);
  }
}
