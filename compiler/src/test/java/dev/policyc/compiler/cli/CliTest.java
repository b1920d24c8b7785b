package dev.policyc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The {@code policyc} command line, driven in-process through {@link Cli#capture}. */
class CliTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A published web server behind the gateway: DNATed in nat PREROUTING, accepted in FORWARD. */
  private static final String WEB_PACKET =
      "tcp 198.51.100.7:40000 -> 203.0.113.2:443 in wan0 state new";

  @TempDir
  Path tmp;

  private static String policy(String name) {
    return Repo.policies().resolve(name + ".yaml").toString();
  }

  private static String golden(String policy, String file) throws IOException {
    return Files.readString(
        Repo.root().resolve("compiler/src/test/resources/golden").resolve(policy).resolve(file),
        StandardCharsets.UTF_8);
  }

  private static Cli.Captured run(String... args) {
    return Cli.capture(args);
  }

  private Path write(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  private static List<String> listing(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      // Sorted so the comparison does not depend on the file system's order.
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted()
          .toList();
    }
  }

  /** A policy with an unknown key (line 5) that the reader refuses. */
  private static final String BAD_KEY = """
      policy: bad-key
      filter:
        INPUT:
          rules:
            - { match: { dports: "22" }, action: accept }
      """;

  /** A policy that reads but does not lower: a jump to a chain that does not exist (line 5). */
  private static final String BAD_JUMP = """
      policy: bad-jump
      filter:
        INPUT:
          rules:
            - { action: { jump: nowhere } }
      """;

  // ------------------------------------------------------------------ program

  @Nested
  class Program {
    @Test
    void noArgumentsIsAUsageError() {
      Cli.Captured c = run();
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("usage: policyc"), c.err());
    }

    @Test
    void anUnknownCommandIsAUsageError() {
      Cli.Captured c = run("frobnicate");
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("unknown command 'frobnicate'"), c.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void helpListsTheCommands(String flag) {
      Cli.Captured c = run(flag);
      assertEquals(Cli.OK, c.code());
      for (String cmd : List.of("compile", "check", "explain")) {
        assertTrue(c.out().contains(cmd), c.out());
      }
      assertEquals("", c.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "-V"})
    void versionPrintsTheVersion(String flag) {
      Cli.Captured c = run(flag);
      assertEquals(Cli.OK, c.code());
      assertEquals("policyc " + Cli.version(), c.out().strip());
      assertNotEquals("unknown", Cli.version());
    }
  }

  @Nested
  class EveryCommand {
    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain"})
    void helpPrintsTheCommandsUsageAndSucceeds(String cmd) {
      Cli.Captured c = run(cmd, "--help");
      assertEquals(Cli.OK, c.code(), c.err());
      assertTrue(c.out().contains("policyc " + cmd), c.out());
      assertTrue(c.out().contains("--help"), c.out());
      assertEquals("", c.err());
      assertEquals(c.out(), run(cmd, "-h").out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain"})
    void versionPrintsTheVersionAndSucceeds(String cmd) {
      Cli.Captured c = run(cmd, "--version");
      assertEquals(Cli.OK, c.code(), c.err());
      assertEquals("policyc " + Cli.version(), c.out().strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain"})
    void anUnknownOptionIsAUsageError(String cmd) {
      Cli.Captured c = run(cmd, "--frobnicate", policy("nat-gateway"));
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("--frobnicate"), c.err());
      assertEquals("", c.out());
    }
  }

  // ------------------------------------------------------------------ compile

  @Nested
  class Compile {
    @Test
    void writesTheRulesFilesAndTheReport() throws IOException {
      Path out = tmp.resolve("out");
      Cli.Captured c = run("compile", policy("nat-gateway"), "-o", out.toString());
      assertEquals(Cli.OK, c.code(), c.err());
      assertEquals(List.of("ip6tables.rules", "iptables.rules", "report.json"), listing(out));
      for (String f : List.of("iptables.rules", "ip6tables.rules", "report.json")) {
        assertEquals(golden("nat-gateway", f), Files.readString(out.resolve(f)), f);
      }
      assertTrue(c.out().contains("compiled nat-gateway"), c.out());
    }

    @Test
    void writesTheIpsetFileWhenThePolicyHasSets() throws IOException {
      Path out = tmp.resolve("out");
      Cli.Captured c = run("compile", "--output", out.toString(), policy("blocklist-sets"));
      assertEquals(Cli.OK, c.code(), c.err());
      assertEquals(List.of("ip6tables.rules", "ipset.rules", "iptables.rules", "report.json"),
          listing(out));
      assertEquals(golden("blocklist-sets", "ipset.rules"), Files.readString(out.resolve(
          "ipset.rules")));
    }

    @Test
    void writesNothingAndKeepsTheOldOutputWhenAPolicyHasAnError() throws IOException {
      Path out = Files.createDirectories(tmp.resolve("out"));
      Files.writeString(out.resolve("iptables.rules"), "old rules\n");
      Path bad = write("bad.yaml", BAD_JUMP);
      Cli.Captured c = run("compile", policy("nat-gateway"), bad.toString(), "-o", out.toString());
      assertEquals(Cli.POLICY_ERRORS, c.code());
      assertEquals(List.of("iptables.rules"), listing(out));
      assertEquals("old rules\n", Files.readString(out.resolve("iptables.rules")));
      assertTrue(c.err().contains(bad + ":5:"), c.err());
      assertTrue(c.err().contains("PC1004"), c.err());
      assertTrue(c.err().contains("nothing written"), c.err());
      assertTrue(c.err().contains("1 error;"), c.err());
    }

    @Test
    void aPolicyThatDoesNotParseAlsoStopsEveryWrite() throws IOException {
      Path out = tmp.resolve("out");
      Path bad = write("bad.yaml", BAD_KEY);
      Cli.Captured c = run("compile", "-o", out.toString(), policy("nat-gateway"), bad.toString(),
          policy("host-firewall"));
      assertEquals(Cli.POLICY_ERRORS, c.code());
      assertEquals(List.of(), listing(out));
      assertTrue(c.err().contains(bad + ":5:"), c.err());
      assertTrue(c.err().contains("PC0002"), c.err());
    }

    @Test
    void removesAStaleIp6tablesFileWhenThePolicyNoLongerHasIpv6Rules() throws IOException {
      Path out = tmp.resolve("out");
      Path p = write("stale.yaml", """
          policy: stale
          filter:
            INPUT:
              rules:
                - { match: { src: "2001:db8::/32" }, action: accept }
          """);
      assertEquals(Cli.OK, run("compile", p.toString(), "-o", out.toString()).code());
      assertTrue(Files.exists(out.resolve("ip6tables.rules")));

      Files.writeString(p, """
          policy: stale
          filter:
            INPUT:
              rules:
                - { match: { src: 192.0.2.0/24 }, action: accept }
          """);
      Cli.Captured c = run("compile", p.toString(), "-o", out.toString());
      assertEquals(Cli.OK, c.code(), c.err());
      assertEquals(List.of("iptables.rules", "report.json"), listing(out));
      JsonNode report = JSON.readTree(Files.readString(out.resolve("report.json")));
      List<String> files = new ArrayList<>();
      report.get("files").forEach(f -> files.add(f.stringValue()));
      assertEquals(List.of("iptables.rules", "report.json"), files);
    }

    @Test
    void severalPoliciesGetOneFolderEach() throws IOException {
      Path out = tmp.resolve("out");
      Cli.Captured c = run("compile", policy("nat-gateway"), policy("blocklist-sets"), "-o",
          out.toString());
      assertEquals(Cli.OK, c.code(), c.err());
      assertEquals(List.of(
          "blocklist-sets/ip6tables.rules",
          "blocklist-sets/ipset.rules",
          "blocklist-sets/iptables.rules",
          "blocklist-sets/report.json",
          "nat-gateway/ip6tables.rules",
          "nat-gateway/iptables.rules",
          "nat-gateway/report.json"), listing(out));
      assertEquals(golden("nat-gateway", "iptables.rules"),
          Files.readString(out.resolve("nat-gateway/iptables.rules")));
    }

    @Test
    void twoPoliciesWithTheSameNameAreRefused() throws IOException {
      Path out = tmp.resolve("out");
      Path copy = write("copy.yaml", Files.readString(Path.of(policy("nat-gateway"))));
      Cli.Captured c = run("compile", policy("nat-gateway"), copy.toString(), "-o",
          out.toString());
      assertEquals(Cli.POLICY_ERRORS, c.code());
      assertTrue(c.err().contains("two policies are named 'nat-gateway'"), c.err());
      assertTrue(c.err().contains("1 error;"), c.err());
      assertEquals(List.of(), listing(out));
    }

    @Test
    void dashPrintsEveryFileToStandardOutput() throws IOException {
      Cli.Captured c = run("compile", policy("nat-gateway"), "-o", "-");
      assertEquals(Cli.OK, c.code(), c.err());
      assertTrue(c.out().startsWith("# ==> iptables.rules <==\n" + golden("nat-gateway",
          "iptables.rules")), c.out());
      assertTrue(c.out().contains("# ==> ip6tables.rules <==\n"), c.out());
      assertTrue(c.out().contains("# ==> report.json <==\n"), c.out());
    }

    @Test
    void theOutputIsRequired() {
      Cli.Captured c = run("compile", policy("nat-gateway"));
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("-o DIR is required"), c.err());
    }

    @Test
    void aPolicyIsRequired() {
      assertEquals(Cli.USAGE, run("compile", "-o", tmp.toString()).code());
    }

    @Test
    void partialOptionNamesAreNotAccepted() {
      Path out = tmp.resolve("out");
      Cli.Captured c = run("compile", policy("nat-gateway"), "--out", out.toString());
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("--out"), c.err());
      assertFalse(Files.exists(out));
    }
  }

  // ------------------------------------------------------------------ check

  @Nested
  class Check {
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

    @Test
    void aPolicyIsRequired() {
      assertEquals(Cli.USAGE, run("check").code());
    }
  }

  // ------------------------------------------------------------------ explain

  @Nested
  class Explain {
    private final String gateway = policy("nat-gateway");

    /**
     * nat-gateway.yaml: nat PREROUTING rule 1 DNATs tcp/443 from wan0 to 10.20.0.80 (port kept);
     * 10.20.0.80 is on dmz0's subnet, so the packet is forwarded and filter FORWARD rule 5
     * ("published web server") accepts it; the POSTROUTING rules match out wan0 only.
     */
    @Test
    void tracesADnatedPacketThroughForward() {
      Cli.Captured c = run("explain", gateway, "--packet", WEB_PACKET);
      assertEquals(Cli.OK, c.code(), c.err());
      List<String> lines = c.out().lines().toList();
      int dnat = indexOf(lines, "nat/PREROUTING #1");
      int forward = indexOf(lines, "filter/FORWARD #5");
      assertTrue(dnat >= 0 && forward > dnat, c.out());
      assertTrue(lines.get(dnat).contains("DNAT 10.20.0.80"), lines.get(dnat));
      assertTrue(lines.get(forward).contains("ACCEPT"), lines.get(forward));
      assertTrue(lines.get(forward).contains("nat-gateway.yaml:"), lines.get(forward));
      assertTrue(lines.contains("verdict: ACCEPT: forwarded out dmz0"), c.out());
      assertTrue(lines.contains("  DNAT to 10.20.0.80:443"), c.out());
    }

    /**
     * The port forward 2222 → 10.10.0.5:22 is DNATed in nat PREROUTING and then accepted by the
     * FORWARD rule that lets wan0 reach the build server (the README's tour).
     */
    @Test
    void thePortForwardToTheLanIsDnatedThenAcceptedInForward() {
      Cli.Captured c = run("explain", gateway, "--packet",
          "tcp 198.51.100.7:40000 -> 203.0.113.2:2222 in wan0 state new");
      assertEquals(Cli.OK, c.code(), c.err());
      List<String> lines = c.out().lines().toList();
      int dnat = indexOf(lines, "nat/PREROUTING #3");
      int forward = indexOf(lines, "filter/FORWARD #7");
      assertTrue(dnat >= 0 && dnat < forward, c.out());
      assertTrue(lines.get(forward).contains("ACCEPT"), c.out());
      assertTrue(lines.contains("  DNAT to 10.10.0.5:22"), c.out());
      assertTrue(lines.contains("verdict: ACCEPT: forwarded out lan0"), c.out());
    }

    @Test
    void jsonGivesThePathTheVerdictAndTheRewrittenPacket() {
      Cli.Captured c = run("explain", gateway, "--packet", WEB_PACKET, "--format", "json");
      assertEquals(Cli.OK, c.code(), c.err());
      JsonNode d = JSON.readTree(c.out());
      assertEquals("forwarded", d.get("outcome").stringValue());
      assertEquals("ACCEPT: forwarded out dmz0", d.get("verdict").stringValue());
      assertEquals("dmz0", d.get("outInterface").stringValue());
      assertEquals("DNAT to 10.20.0.80:443", d.get("dnat").stringValue());
      List<String> steps = new ArrayList<>();
      for (JsonNode s : d.get("path")) {
        steps.add(s.get("hook").stringValue() + " " + s.get("table").stringValue() + "/"
            + s.get("chain").stringValue() + " " + s.get("rule").asInt() + " "
            + s.get("action").stringValue());
      }
      assertEquals(List.of(
          "PREROUTING mangle/PREROUTING 0 policy ACCEPT",
          "PREROUTING nat/PREROUTING 1 DNAT 10.20.0.80",
          "FORWARD mangle/FORWARD 0 policy ACCEPT",
          "FORWARD filter/FORWARD 5 ACCEPT",
          "POSTROUTING mangle/POSTROUTING 0 policy ACCEPT",
          "POSTROUTING nat/POSTROUTING 0 policy ACCEPT"), steps);
      JsonNode after = d.get("after");
      assertEquals("198.51.100.7", after.get("src").stringValue());
      assertEquals("10.20.0.80", after.get("dst").stringValue());
      assertEquals(443, after.get("dport").asInt());
      assertEquals(63, after.get("ttl").asInt());
      assertEquals("new", d.get("state").stringValue());
    }

    @Test
    void packetsFileGivesOneLinePerPacketSkippingCommentsAndBlankLines() throws IOException {
      Path file = write("packets.txt", """
          # published web server
          tcp 198.51.100.7:40000 -> 203.0.113.2:443 in wan0 state new

            # SSH from the LAN to the gateway
          tcp 10.10.0.5:40000 -> 10.10.0.1:22 in lan0 state new
          tcp 198.51.100.7:40000 -> 203.0.113.2:22 in wan0 state new
          """);
      Cli.Captured c = run("explain", gateway, "--packets", file.toString());
      assertEquals(Cli.OK, c.code(), c.err());
      List<String> lines = c.out().lines().toList();
      assertEquals(3, lines.size(), c.out());
      assertTrue(lines.get(0).startsWith("tcp 198.51.100.7:40000 -> 203.0.113.2:443 "),
          lines.get(0));
      assertTrue(lines.get(0).contains("=> ACCEPT: forwarded out dmz0"), lines.get(0));
      assertTrue(lines.get(1).contains("=> ACCEPT: delivered locally"), lines.get(1));
      assertTrue(lines.get(1).contains("filter/INPUT#3"), lines.get(1));
      assertTrue(lines.get(2).contains("=> DROP"), lines.get(2));
      assertTrue(lines.get(2).contains("filter/INPUT:policy"), lines.get(2));
    }

    @Test
    void packetsFileAsJsonIsAnArray() throws IOException {
      Path file = write("packets.txt", WEB_PACKET + "\n\n"
          + "tcp 198.51.100.7:40000 -> 203.0.113.2:22 in wan0 state new\n");
      Cli.Captured c = run("explain", gateway, "--packets", file.toString(), "--format", "json");
      assertEquals(Cli.OK, c.code(), c.err());
      JsonNode d = JSON.readTree(c.out());
      assertTrue(d.isArray());
      assertEquals(2, d.size());
      assertEquals("forwarded", d.get(0).get("outcome").stringValue());
      assertEquals("dropped", d.get(1).get("outcome").stringValue());
    }

    @Test
    void aMalformedPacketIsAUsageErrorWithItsLineNumber() throws IOException {
      Path file = write("packets.txt", "# comment\n" + WEB_PACKET + "\n\n"
          + "tcp 198.51.100.7 => 203.0.113.2\n");
      Cli.Captured c = run("explain", gateway, "--packets", file.toString());
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains(file + ":4: bad packet"), c.err());
      assertEquals("", c.out());
    }

    @Test
    void aMalformedPacketOptionIsAUsageError() {
      Cli.Captured c = run("explain", gateway, "--packet", "tcp 198.51.100.7 -> nowhere");
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("--packet: bad packet"), c.err());
    }

    @Test
    void aPacketTheHostModelContradictsIsAUsageError() {
      Cli.Captured c = run("explain", gateway, "--packet", WEB_PACKET + " out dmz0");
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("host model"), c.err());
    }

    @Test
    void aPolicyWithErrorsFailsWithPolicyErrors() throws IOException {
      Path bad = write("bad.yaml", BAD_JUMP);
      Cli.Captured c = run("explain", bad.toString(), "--packet", WEB_PACKET);
      assertEquals(Cli.POLICY_ERRORS, c.code());
      assertTrue(c.err().contains("PC1004"), c.err());
    }

    @Test
    void exactlyOneOfPacketAndPacketsIsNeeded() throws IOException {
      Path file = write("packets.txt", WEB_PACKET + "\n");
      assertEquals(Cli.USAGE, run("explain", gateway).code());
      assertEquals(Cli.USAGE,
          run("explain", gateway, "--packet", WEB_PACKET, "--packets", file.toString()).code());
    }

    @Test
    void exactlyOnePolicyIsNeeded() {
      assertEquals(Cli.USAGE, run("explain", "--packet", WEB_PACKET).code());
      assertEquals(Cli.USAGE,
          run("explain", gateway, policy("host-firewall"), "--packet", WEB_PACKET).code());
    }

    @Test
    void partialOptionNamesAreNotAccepted() {
      Cli.Captured c = run("explain", gateway, "--pack", WEB_PACKET);
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("--pack"), c.err());
    }

    private static int indexOf(List<String> lines, String text) {
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).contains(text)) {
          return i;
        }
      }
      return -1;
    }
  }
}
