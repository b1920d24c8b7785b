package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.listing;
import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compile} writes the IPVS files by default for a policy with ipvs (and only them with
 * {@code --target ipvs}); a bad ipvs section writes nothing; {@code explain} names the virtual
 * service and real server, in text and JSON.
 */
class IpvsCliTest {
  private static final String DIRECTOR =
      Repo.root().resolve("compiler/src/test/resources/ipvs/director/policy.yaml").toString();

  @Test
  void compileWritesTheIpvsFilesBesideTheOthers(@TempDir Path tmp) throws IOException {
    Cli.Captured c = run("compile", DIRECTOR, "-o", tmp.resolve("all").toString(), "--allow-lockout");
    assertEquals(0, c.code(), c.err());
    assertEquals(List.of("apply.sh", "interfaces.sh", "ip6tables.rules", "iptables.rules",
        "ipvs.rules", "keepalived.conf", "report.json"), listing(tmp.resolve("all")));
    assertTrue(Files.isExecutable(tmp.resolve("all/interfaces.sh")));
    c = run("compile", DIRECTOR, "-o", tmp.resolve("ipvs").toString(), "--target", "ipvs",
        "--allow-lockout");
    assertEquals(0, c.code(), c.err());
    assertEquals(List.of("interfaces.sh", "ipvs.rules", "keepalived.conf"),
        listing(tmp.resolve("ipvs")));
  }

  @Test
  void aBadIpvsSectionWritesNothing(@TempDir Path tmp) throws IOException {
    Path bad = CliFixtures.write(tmp, "bad.yaml", "policy: bad\nipvs:\n  services:\n"
        + "    - { fwmark: 7, port: 80, real-servers: [{ address: 10.0.0.1 }] }\n");
    Cli.Captured c = run("compile", bad.toString(), "-o", tmp.resolve("out").toString());
    assertEquals(1, c.code());
    assertTrue(c.err().contains("bad.yaml:4:26: error PC2030"), c.err());
    assertEquals(List.of(), listing(tmp.resolve("out")));
  }

  @Test
  void explainNamesTheVirtualServiceAndTheRealServer() {
    Cli.Captured c = run("explain", DIRECTOR, "--packet",
        "tcp 198.51.100.7:40000 -> 192.0.2.80:80 in eth0 flags SYN");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("ipvs: -t 192.0.2.80:80 (wrr) -> 10.1.0.2:8080 masq"), c.out());
    c = run("explain", DIRECTOR, "--format", "json", "--packet",
        "tcp 198.51.100.7:40000 -> 192.0.2.80:80 in eth0 flags SYN");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("\"realServer\": \"10.1.0.2:8080\""), c.out());
  }

  @Test
  void onlyIpvsPrintsTheRulesForIpvsadm() throws IOException {
    Cli.Captured c = run("compile", DIRECTOR, "-o", "-", "--only", "ipvs", "--allow-lockout");
    assertEquals(0, c.code(), c.err());
    assertEquals(Files.readString(Repo.root().resolve(
        "compiler/src/test/resources/ipvs/director/ipvs.rules")), c.out());
  }
}
