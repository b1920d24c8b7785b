package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.BAD_JUMP;
import static dev.policyc.compiler.cli.CliFixtures.BAD_KEY;
import static dev.policyc.compiler.cli.CliFixtures.JSON;
import static dev.policyc.compiler.cli.CliFixtures.policy;
import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code policyc check}, driven in-process through {@link Cli#capture}. */
class CheckCommandTest {
  @TempDir
  Path tmp;

  private Path write(String name, String text) throws IOException {
    return CliFixtures.write(tmp, name, text);
  }

  @Test
  void aGoodPolicyIsOk() {
    Cli.Captured c = run("check", policy("host-firewall"));
    assertEquals(Cli.OK, c.code(), c.out());
    assertEquals("1 policy OK", c.out().strip());
  }

  @Test
  void severalGoodPoliciesAreOk() {
    Cli.Captured c = run("check", policy("host-firewall"), policy("nat-gateway"));
    assertEquals(Cli.OK, c.code(), c.out());
    assertTrue(c.out().strip().startsWith("2 policies OK"), c.out());
  }

  @Test
  void errorsFromEveryFileAreReported() throws IOException {
    Path key = write("key.yaml", BAD_KEY);
    Path jump = write("jump.yaml", BAD_JUMP);
    Cli.Captured c = run("check", key.toString(), policy("host-firewall"), jump.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    List<String> lines = c.out().lines().toList();
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(key + ":5:") && l.contains("PC0002")),
        c.out());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(jump + ":5:") && l.contains("PC1004")),
        c.out());
    assertEquals("2 errors", lines.get(lines.size() - 1));
  }

  @Test
  void jsonCountsAndListsTheDiagnostics() throws IOException {
    Path key = write("key.yaml", BAD_KEY);
    Path jump = write("jump.yaml", BAD_JUMP);
    Cli.Captured c = run("check", "--format", "json", key.toString(), jump.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    JsonNode root = JSON.readTree(c.out());
    assertEquals(2, root.get("errors").asInt());
    assertEquals(0, root.get("warnings").asInt());
    JsonNode diags = root.get("diagnostics");
    assertEquals(2, diags.size());
    JsonNode first = diags.get(0);
    assertEquals("PC0002", first.get("code").stringValue());
    assertEquals("error", first.get("severity").stringValue());
    assertEquals(key.toString(), first.get("file").stringValue());
    assertEquals(5, first.get("line").asInt());
    assertTrue(first.get("column").asInt() > 0);
    assertTrue(first.get("message").stringValue().contains("dports"), first.toString());
    JsonNode second = diags.get(1);
    assertEquals("PC1004", second.get("code").stringValue());
    assertEquals(jump.toString(), second.get("file").stringValue());
    assertEquals(5, second.get("line").asInt());
  }

  @Test
  void jsonOfAGoodPolicyHasNoDiagnostics() {
    Cli.Captured c = run("check", "--format", "json", policy("host-firewall"));
    assertEquals(Cli.OK, c.code());
    JsonNode root = JSON.readTree(c.out());
    assertEquals(0, root.get("errors").asInt());
    assertTrue(root.get("diagnostics").isArray());
  }

  @Test
  void anUnknownFormatIsAUsageError() {
    Cli.Captured c = run("check", "--format", "xml", policy("host-firewall"));
    assertEquals(Cli.USAGE, c.code());
    assertTrue(c.err().contains("--format must be text or json"), c.err());
  }

  @Test
  void partialOptionNamesAreNotAccepted() {
    assertEquals(Cli.USAGE, run("check", "--form", "json", policy("host-firewall")).code());
  }

  /** A policy whose only diagnostic is a warning: a user chain nothing jumps to (PC7001). */
  private static final String WARNS = """
      policy: warns
      filter:
        INPUT:
          policy: DROP
          rules:
            - { action: accept }
        unused:
          - { action: drop }
      """;

  @Test
  void warningsLeaveTheStatusOk() throws IOException {
    Cli.Captured c = run("check", write("w.yaml", WARNS).toString());
    assertEquals(Cli.OK, c.code(), c.out());
    assertTrue(c.out().contains(" PC7001: "), c.out());
    assertEquals("1 policy OK, 1 warning", c.out().strip().lines().reduce((a, b) -> b).get());
  }

  @Test
  void werrorMakesWarningsFail() throws IOException {
    Path w = write("w.yaml", WARNS);
    Cli.Captured c = run("check", "--werror", w.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.out());
    assertTrue(c.out().contains(" PC7001: "), c.out());
    assertEquals("1 warning, which --werror makes errors",
        c.out().strip().lines().reduce((a, b) -> b).get());
    Cli.Captured json = run("check", "--werror", "--format", "json", w.toString());
    assertEquals(Cli.POLICY_ERRORS, json.code());
    assertEquals(1, JSON.readTree(json.out()).get("warnings").asInt());
  }

  @Test
  void werrorLeavesACleanPolicyOk() {
    Cli.Captured c = run("check", "--werror", policy("host-firewall"));
    assertEquals(Cli.OK, c.code(), c.out());
  }

  @Test
  void theExpansionThresholdIsAnOption() throws IOException {
    Path p = write("e.yaml", """
        policy: e
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { src: [10.0.0.1, 10.0.0.3, 10.0.0.5] }, action: accept }
        """);
    assertEquals("1 policy OK", run("check", p.toString()).out().strip());
    Cli.Captured c = run("check", "--max-expansion", "2", p.toString());
    assertTrue(c.out().contains(" PC7007: this rule becomes 3 kernel rules"), c.out());
    assertEquals(Cli.USAGE, run("check", "--max-expansion", "0", p.toString()).code());
    Cli.Captured bad = run("check", "--max-expansion", "many", p.toString());
    assertEquals(Cli.USAGE, bad.code());
    assertTrue(bad.err().contains("--max-expansion takes a whole number, not 'many'"),
        bad.err());
  }

  @Test
  void theManagementPortIsAnOption() throws IOException {
    Path p = write("m.yaml", """
        policy: m
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { state: [established, related] }, action: accept }
              - { match: { proto: tcp, dport: "22" }, action: accept }
        """);
    assertEquals("1 policy OK", run("check", p.toString()).out().strip());
    Cli.Captured c = run("check", "--management-port", "2222", p.toString());
    assertTrue(c.out().contains(" PC7008: lockout risk"), c.out());
    assertEquals(Cli.USAGE, run("check", "--management-port", "70000", p.toString()).code());
  }

  @Test
  void aPolicyIsRequired() {
    assertEquals(Cli.USAGE, run("check").code());
  }
}
