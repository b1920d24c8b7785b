package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.BAD_JUMP;
import static dev.policyc.compiler.cli.CliFixtures.BAD_KEY;
import static dev.policyc.compiler.cli.CliFixtures.JSON;
import static dev.policyc.compiler.cli.CliFixtures.golden;
import static dev.policyc.compiler.cli.CliFixtures.listing;
import static dev.policyc.compiler.cli.CliFixtures.policy;
import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** {@code policyc compile}, driven in-process through {@link Cli#capture}. */
class CompileCommandTest {
  @TempDir
  Path tmp;

  private Path write(String name, String text) throws IOException {
    return CliFixtures.write(tmp, name, text);
  }

  @Test
  void writesTheRulesFilesAndTheReport() throws IOException {
    Path out = tmp.resolve("out");
    Cli.Captured c = run("compile", policy("nat-gateway"), "-o", out.toString(), "-O0");
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(List.of("apply.sh", "ip6tables.rules", "iptables.rules", "report.json"),
        listing(out));
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        out.resolve("apply.sh"))));
    for (String f : List.of("iptables.rules", "ip6tables.rules", "report.json")) {
      assertEquals(golden("nat-gateway", f), Files.readString(out.resolve(f)), f);
    }
    assertTrue(c.out().contains("compiled nat-gateway"), c.out());
  }

  @Test
  void writesTheIpsetFileWhenThePolicyHasSets() throws IOException {
    Path out = tmp.resolve("out");
    Cli.Captured c = run("compile", "--output", out.toString(), policy("blocklist-sets"), "-O0");
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(List.of("apply.sh", "ip6tables.rules", "ipset.rules", "iptables.rules",
        "report.json"), listing(out));
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
              - { match: { src: "2001:db8::/32" }, action: drop }
        """);
    assertEquals(Cli.OK, run("compile", p.toString(), "-o", out.toString()).code());
    assertTrue(Files.exists(out.resolve("ip6tables.rules")));

    Files.writeString(p, """
        policy: stale
        filter:
          INPUT:
            rules:
              - { match: { src: 192.0.2.0/24 }, action: drop }
        """);
    Cli.Captured c = run("compile", p.toString(), "-o", out.toString());
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(List.of("apply.sh", "iptables.rules", "report.json"), listing(out));
    JsonNode report = JSON.readTree(Files.readString(out.resolve("report.json")));
    List<String> files = new ArrayList<>();
    report.get("files").forEach(f -> files.add(f.stringValue()));
    assertEquals(List.of("iptables.rules", "apply.sh", "report.json"), files);
  }

  @Test
  void severalPoliciesGetOneFolderEach() throws IOException {
    Path out = tmp.resolve("out");
    Cli.Captured c = run("compile", policy("nat-gateway"), policy("blocklist-sets"), "-o",
        out.toString());
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(List.of(
        "blocklist-sets/apply.sh",
        "blocklist-sets/ip6tables.rules",
        "blocklist-sets/ipset.rules",
        "blocklist-sets/iptables.rules",
        "blocklist-sets/report.json",
        "nat-gateway/apply.sh",
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
    assertTrue(c.err().contains(copy + ":3:9: error PC1013: two policies are named"
        + " 'nat-gateway' (the other is " + policy("nat-gateway") + ")"), c.err());
    assertTrue(c.err().contains("1 error;"), c.err());
    assertEquals(List.of(), listing(out));
  }

  /**
   * Issue 13, defect 1: the policy name names the folder of a compile of several policies, so a
   * name that is not one plain path segment is refused before anything is written, wherever it
   * would have pointed.
   */
  @ParameterizedTest
  @ValueSource(strings = {"../../escaped", "/tmp/policyc-abs", ".", "..", "", "a/b", "-rf",
      "a\\u0085b", "bidi\\u202Eevil", "tab\\there", "new\\nline", "nul\\0",
      "x123456789x123456789x123456789x123456789x123456789x123456789x1234"})
  void aPolicyNameThatIsNotOneFolderNameIsRefused(String quoted) throws IOException {
    Path base = Files.createDirectories(tmp.resolve("a/b"));
    Path out = base.resolve("out");
    // The name is written in double quotes, so YAML's escapes make the control characters.
    Path bad = write("bad.yaml", "policy: \"" + quoted + "\"\n");
    Cli.Captured c = run("compile", bad.toString(), policy("nat-gateway"), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
    assertTrue(c.err().startsWith(bad + ":1:9: error PC1012: "), c.err());
    assertTrue(c.err().contains(quoted.isEmpty() ? "the policy name is empty"
        : quoted.length() > 64 ? "is longer than 64 characters" : "must be letters, digits"),
        c.err());
    assertTrue(c.err().contains("policyc compile: 1 error; nothing written"), c.err());
    try (Stream<Path> s = Files.walk(tmp)) {
      assertEquals(List.of("", "a", "a/b", "bad.yaml"),
          s.map(p -> tmp.relativize(p).toString()).sorted().toList());
    }
    assertFalse(Files.exists(Path.of("/tmp/policyc-abs")));
  }

  @Test
  void anEmptyOutputFolderIsAUsageError() {
    Cli.Captured c = run("compile", policy("nat-gateway"), "-o", "");
    assertEquals(Cli.USAGE, c.code());
    assertEquals("policyc compile: -o must name a folder (use -o . for the current one), not"
        + " ''\n", c.err());
    assertEquals("", c.out());
  }

  @Test
  void anOptionGivenTwiceIsAUsageError() {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Cli.Captured c = run("compile", policy("nat-gateway"), "-o", a.toString(), "-o",
        b.toString());
    assertEquals(Cli.USAGE, c.code());
    assertEquals("policyc compile: option -o is given more than once\n", c.err());
    assertFalse(Files.exists(a));
    assertFalse(Files.exists(b));
    assertEquals(Cli.USAGE, run("compile", policy("nat-gateway"), "-o", "-", "-O1", "-O2")
        .code());
  }

  // ------------------------------------------------------------------ --only

  @ParameterizedTest
  @CsvSource({"iptables, iptables.rules", "ip6tables, ip6tables.rules", "report, report.json"})
  void onlyPrintsOneFileAsItIs(String only, String file) throws IOException {
    Cli.Captured c = run("compile", policy("nat-gateway"), "-O0", "-o", "-", "--only", only);
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(golden("nat-gateway", file), c.out());
    assertEquals("", c.err());
  }

  @Test
  void onlyOfAFileThePolicyDoesNotHaveSaysSoAndPrintsNothing() {
    Cli.Captured c = run("compile", policy("nat-gateway"), "-o", "-", "--only", "ipset");
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals("", c.out());
    assertEquals("policyc compile: nat-gateway has no ipset.rules (no sets); nothing printed\n",
        c.err());
  }

  @Test
  void onlyTakesOneKnownOutputOfOnePolicyOnStandardOutput() {
    Cli.Captured bad = run("compile", policy("nat-gateway"), "-o", "-", "--only", "nft");
    assertEquals(Cli.USAGE, bad.code());
    assertTrue(bad.err().contains("--only must be iptables, ip6tables, ipset, report, ipvs, not"
        + " 'nft'"), bad.err());
    Cli.Captured dir = run("compile", policy("nat-gateway"), "-o", tmp.resolve("o").toString(),
        "--only", "iptables");
    assertEquals(Cli.USAGE, dir.code());
    assertTrue(dir.err().contains("give -o - with it"), dir.err());
    assertFalse(Files.exists(tmp.resolve("o")));
    Cli.Captured two = run("compile", policy("nat-gateway"), policy("host-firewall"), "-o", "-",
        "--only", "iptables");
    assertEquals(Cli.USAGE, two.code());
    assertTrue(two.err().contains("give one policy, not 2"), two.err());
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

  // ------------------------------------------------------------------ -O

  @ParameterizedTest
  @CsvSource({"-O0, 0", "-O1, 1", "-O2, 2", "--optimize=2, 2", "-O, 1"})
  void theOptimizationLevelIsPassedOnAndReported(String option, int level) throws IOException {
    Path out = tmp.resolve("out");
    List<String> args = new ArrayList<>(List.of("compile", policy("nat-gateway"), "-o",
        out.toString()));
    args.addAll(List.of(option.equals("-O") ? new String[] {"-O", "1"} : new String[] {option}));
    Cli.Captured c = run(args.toArray(String[]::new));
    assertEquals(Cli.OK, c.code(), c.err());
    JsonNode report = JSON.readTree(Files.readString(out.resolve("report.json")));
    assertEquals(level, report.get("optimizer").get("level").asInt());
  }

  @Test
  void withoutAnOptimizationLevelTheReportSaysLevel2() throws IOException {
    Path out = tmp.resolve("out");
    assertEquals(Cli.OK, run("compile", policy("nat-gateway"), "-o", out.toString()).code());
    JsonNode report = JSON.readTree(Files.readString(out.resolve("report.json")));
    assertEquals(2, report.get("optimizer").get("level").asInt());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-O3", "-Ofast", "--optimize=12"})
  void aBadOptimizationLevelIsAUsageError(String option) {
    Path out = tmp.resolve("out");
    Cli.Captured c = run("compile", policy("nat-gateway"), "-o", out.toString(), option);
    assertEquals(Cli.USAGE, c.code());
    assertTrue(c.err().startsWith("policyc compile: optimization level must be 0, 1 or 2"),
        c.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void helpMentionsTheOptimizationLevel() {
    Cli.Captured c = run("compile", "--help");
    assertTrue(c.out().contains("-O, --optimize <LEVEL>"), c.out());
  }

  // ------------------------------------------------------------------ outputs that fail

  @Test
  void anOutputUnderAFileIsPc0011AndNothingIsWritten() throws IOException {
    Path file = write("file", "not a folder\n");
    Path out = file.resolve("out");
    Cli.Captured c = run("compile", policy("nat-gateway"), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(List.of(out + ": error PC0011: cannot write output: not a directory",
        "policyc compile: 1 error; nothing written"), c.err().lines().toList());
    assertEquals("", c.out());
    assertEquals("not a folder\n", Files.readString(file));
  }

  @Test
  void anOutputThatIsAFileIsPc0011() throws IOException {
    Path file = write("file", "not a folder\n");
    Cli.Captured c = run("compile", policy("nat-gateway"), "-o", file.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.err().startsWith(file + ": error PC0011: cannot write output: not a directory"),
        c.err());
    assertEquals("not a folder\n", Files.readString(file));
  }

  @Test
  void aFolderWhereAFileGoesStopsEveryWriteAndLeavesNoTemporaries() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("iptables.rules"), "old rules\n");
    Files.createDirectories(out.resolve("report.json").resolve("inside"));
    Cli.Captured c = run("compile", policy("nat-gateway"), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.err().startsWith(out.resolve("report.json")
        + ": error PC0011: cannot write output: is a directory"), c.err());
    assertEquals("old rules\n", Files.readString(out.resolve("iptables.rules")));
    try (Stream<Path> s = Files.list(out)) {
      assertEquals(List.of("iptables.rules", "report.json"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void aFailureInALaterPolicysFolderRemovesTheFoldersThisRunCreated() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("nat-gateway"), "in the way\n");
    Cli.Captured c = run("compile", policy("blocklist-sets"), policy("nat-gateway"), "-o",
        out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.err().startsWith(out.resolve("nat-gateway")
        + ": error PC0011: cannot write output: not a directory"), c.err());
    assertEquals(List.of("nat-gateway"), listing(out));
    assertFalse(Files.exists(out.resolve("blocklist-sets")));
  }
}
