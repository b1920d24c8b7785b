package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policyc diff} reads IPVS-mode output with KUBE-IPVS-OUT-FILTER's {@code -m ipvs} rule
 * (before, the reader refused it, PC8008): the same output compares equal, and a changed
 * {@code --vport} is a difference of filter OUTPUT.
 */
class DiffIpvsMatchTest {
  private static final Path GOLDEN =
      Path.of("src/test/resources/kube/golden/loadbalancer-no-node-access/ipvs");

  @TempDir
  Path tmp;

  @Test
  void theOutFiltersIpvsRuleIsReadAndCompared() throws IOException {
    Cli.Captured same = run("diff", "--kube-proxy-jumps", GOLDEN.toString(), GOLDEN.toString());
    assertEquals(Cli.OK, same.code(), same.out() + same.err());
    assertTrue(same.out().contains("no packet is decided differently"), same.out());

    Path edited = Files.createDirectory(tmp.resolve("edited"));
    for (String f : new String[] {"ipset.rules", "ipvs.rules", "interfaces.sh"}) {
      Files.copy(GOLDEN.resolve(f), edited.resolve(f));
    }
    String rules = Files.readString(GOLDEN.resolve("iptables.rules"), StandardCharsets.UTF_8);
    assertTrue(rules.contains("--vproto tcp --vport 443 -j DROP"), "the golden changed");
    Files.writeString(edited.resolve("iptables.rules"),
        rules.replace("--vproto tcp --vport 443 -j DROP", "--vproto tcp --vport 444 -j DROP"));
    Cli.Captured c = run("diff", "--kube-proxy-jumps", GOLDEN.toString(), edited.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.out() + c.err());
    assertTrue(c.out().contains("ipv4 filter OUTPUT"), c.out());
  }
}
