package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policyc compile} of a host-role file that includes shared object files and fragments:
 * one ruleset, the same bytes as the policy written in one file; an error in an included file
 * is exit 1, nothing written, and the included file's line and column.
 */
class IncludeCliTest {
  @TempDir Path repo;

  private static final String OBJECTS = """
      objects:
        networks:
          admins: [10.20.0.0/16, "2001:db8:20::/48"]
        services:
          ssh: [tcp/22]
          web: [tcp/80, tcp/443]
        sets:
          block: { type: hash:net, entries: [192.0.2.0/25] }
      """;

  private static final String FRAGMENT_RULES = """
          - { match: { state: [established, related] }, action: accept }
          - { match: { service: ssh, src: admins }, action: accept, comment: SSH from admins }
      """;

  private Path write(String rel, String text) throws IOException {
    Path p = repo.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  @Test
  void aRoleFileCompilesToTheRulesOfThePolicyWrittenInOneFile() throws IOException {
    Files.writeString(repo.resolve(".policyc-root"), "");
    write("shared/objects.yaml", OBJECTS);
    write("shared/fragments.yaml", "include: [objects.yaml]\nfragments:\n  admin-in:\n"
        + FRAGMENT_RULES);
    Path role = write("roles/web/policy.yaml", """
        policy: web
        include: [../../shared/fragments.yaml]
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { set: { name: block } }, action: drop }
              - fragment: admin-in
              - { match: { service: web }, action: accept }
        """);
    Path one = write("one/web.yaml", "policy: web\n" + OBJECTS + """
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { set: { name: block } }, action: drop }
        """ + FRAGMENT_RULES.replace("    - ", "      - ") + """
              - { match: { service: web }, action: accept }
        """);
    Path outRole = repo.resolve("out-role");
    Path outOne = repo.resolve("out-one");
    Cli.Captured a = run("compile", role.toString(), "-o", outRole.toString(), "-O0");
    assertEquals(Cli.OK, a.code(), a.err());
    Cli.Captured b = run("compile", one.toString(), "-o", outOne.toString(), "-O0");
    assertEquals(Cli.OK, b.code(), b.err());
    for (String f : new String[] {"iptables.rules", "ip6tables.rules", "ipset.rules"}) {
      assertArrayEquals(Files.readAllBytes(outOne.resolve(f)), Files.readAllBytes(
          outRole.resolve(f)), f);
    }
    assertTrue(Files.readString(outRole.resolve("iptables.rules")).contains("--dport 22"));
    assertTrue(Files.readString(outRole.resolve("report.json")).contains(
        "\"included\": [\n    \"../../shared/objects.yaml\",\n"
            + "    \"../../shared/fragments.yaml\"\n  ],"),
        Files.readString(outRole.resolve("report.json")));
  }

  @Test
  void aWarningAboutAPlacedRuleNamesTheIncludedFileAndLine() throws IOException {
    Files.writeString(repo.resolve(".policyc-root"), "");
    write("shared/fragments.yaml", """
        fragments:
          twice:
            - { match: { proto: tcp, dport: "22" }, action: accept }
            - { match: { proto: tcp, dport: "22" }, action: accept }
        """);
    Path role = write("roles/web/policy.yaml", """
        policy: web
        include: [../../shared/fragments.yaml]
        filter:
          INPUT: [{ match: { proto: icmp }, action: accept }, { fragment: twice }]
        """);
    Cli.Captured c = run("check", role.toString());
    String lib = repo.resolve("shared/fragments.yaml").toString();
    assertTrue((c.out() + c.err()).contains(lib + ":4:7: warning PC7002"), c.out() + c.err());
  }

  @Test
  void diffReadsARoleFileWithItsIncludes() throws IOException {
    Files.writeString(repo.resolve(".policyc-root"), "");
    write("shared/objects.yaml", OBJECTS);
    Path role = write("role.yaml", """
        policy: web
        include: [shared/objects.yaml]
        filter:
          INPUT: [{ match: { service: ssh, src: admins }, action: accept }]
        """);
    Cli.Captured c = run("diff", role.toString(), role.toString());
    assertEquals(Cli.OK, c.code(), c.out() + c.err());
  }

  @Test
  void anErrorInAnIncludedFileIsExit1NothingWrittenAndItsPosition() throws IOException {
    Files.writeString(repo.resolve(".policyc-root"), "");
    Path lib = write("shared/objects.yaml", """
        objects:
          networks:
            admins: [10.20.0.300/16]
        """);
    Path role = write("roles/web/policy.yaml", """
        policy: web
        include: [../../shared/objects.yaml]
        filter:
          INPUT: [{ match: { src: admins }, action: accept }]
        """);
    Path out = repo.resolve("out");
    Cli.Captured c = run("compile", role.toString(), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    String libName = role.resolveSibling("../../shared/objects.yaml").normalize().toString();
    assertEquals(lib.toString(), libName);
    assertTrue(c.err().contains(libName + ":3:14: error PC2001"), c.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void aRoleFileWithACycleIsExit1() throws IOException {
    Files.writeString(repo.resolve(".policyc-root"), "");
    write("a.yaml", "include: [b.yaml]\n");
    write("b.yaml", "include: [a.yaml]\n");
    Path role = write("policy.yaml", "policy: p\ninclude: [a.yaml]\n");
    Path out = repo.resolve("out");
    Cli.Captured c = run("compile", role.toString(), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().contains(repo.resolve("b.yaml") + ":1:11: error PC0014: include cycle: "),
        c.err());
    assertFalse(Files.exists(out), "nothing written");
  }
}
