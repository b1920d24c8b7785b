package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policyc compile} refuses a policy that locks its administrators out (PC0013, at the
 * chain at fault) unless {@code --allow-lockout}; the near misses compile.
 */
class LockoutGuardTest {
  @TempDir
  Path tmp;

  /** SSH is accepted, but only from a network that is not the declared admins'. */
  static final String SSH_NOT_FROM_ADMINS = """
      policy: not-from-admins
      objects:
        networks:
          admins: [198.51.100.0/26]
          partners: [203.0.113.0/24]
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { state: [established, related] }, action: accept }
            - { match: { src: partners, proto: tcp, dport: "22", state: new }, action: accept }
      """;

  @Test
  void refusesAPolicyThatDropsSshFromEveryAdminSource() throws IOException {
    Path p = Files.writeString(tmp.resolve("p.yaml"), SSH_NOT_FROM_ADMINS);
    Path out = tmp.resolve("out");
    Cli.Captured c = run("compile", p.toString(), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().contains(p + ":7:3: error PC0013: this policy locks the administrators"
        + " out: no session to SSH (tcp port 22) from the admin sources (network group"
        + " 'admins') gets through (INPUT accepts no new connection to it)"), c.err());
    assertTrue(c.err().contains("--allow-lockout"), c.err());
    assertFalse(Files.exists(out), "nothing is written");
  }

  @Test
  void allowLockoutCompilesItAnyway() throws IOException {
    Path p = Files.writeString(tmp.resolve("p.yaml"), SSH_NOT_FROM_ADMINS);
    Path out = tmp.resolve("out");
    Cli.Captured c = run("compile", p.toString(), "-o", out.toString(), "--allow-lockout");
    assertEquals(Cli.OK, c.code(), c.err());
    assertTrue(Files.exists(out.resolve("iptables.rules")));
  }

  @Test
  void sshFromTheAdminsCompiles() throws IOException {
    Path p = Files.writeString(tmp.resolve("p.yaml"), SSH_NOT_FROM_ADMINS.replace(
        "src: partners", "src: admins"));
    Cli.Captured c = run("compile", p.toString(), "-o", tmp.resolve("out").toString());
    assertEquals(Cli.OK, c.code(), c.err());
  }

  @Test
  void withoutDeclaredAdminsAnySourceCounts() throws IOException {
    Path none = Files.writeString(tmp.resolve("none.yaml"), """
        policy: none
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { in: lo }, action: accept }
        """);
    Cli.Captured c = run("compile", none.toString(), "-o", tmp.resolve("a").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().contains(none + ":3:3: error PC0013:"), c.err());
    assertTrue(c.err().contains("from any source"), c.err());
    Path partners = Files.writeString(tmp.resolve("partners.yaml"), SSH_NOT_FROM_ADMINS
        .replace("admins: [198.51.100.0/26]", "staff: [198.51.100.0/26]"));
    assertEquals(Cli.OK, run("compile", partners.toString(), "-o",
        tmp.resolve("b").toString()).code());
  }

  @Test
  void aDeclaredManagementServiceReplacesSsh() throws IOException {
    String yaml = """
        policy: mgmt
        objects:
          networks:
            admins: [198.51.100.0/26]
          services:
            management: [tcp/2222]
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { state: [established, related] }, action: accept }
              - { match: { src: admins, proto: tcp, dport: "PORT", state: new }, action: accept }
        """;
    Path on22 = Files.writeString(tmp.resolve("on22.yaml"), yaml.replace("PORT", "22"));
    Cli.Captured c = run("compile", on22.toString(), "-o", tmp.resolve("a").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().contains("error PC0013: this policy locks the administrators out: no"
        + " session to the management service (service group 'management', tcp [2222])"),
        c.err());
    Path on2222 = Files.writeString(tmp.resolve("on2222.yaml"), yaml.replace("PORT", "2222"));
    assertEquals(Cli.OK, run("compile", on2222.toString(), "-o",
        tmp.resolve("b").toString()).code());
  }

  @Test
  void aRepliesDropInOutputIsRefusedAtOutput() throws IOException {
    Path p = Files.writeString(tmp.resolve("p.yaml"), """
        policy: replies
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { state: [established, related] }, action: accept }
              - { match: { proto: tcp, dport: "22", state: new }, action: accept }
          OUTPUT:
            policy: DROP
        """);
    Cli.Captured c = run("compile", p.toString(), "-o", tmp.resolve("out").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().contains(p + ":8:3: error PC0013:"), c.err());
    assertTrue(c.err().contains("OUTPUT accepts none of the replies"), c.err());
  }
}
