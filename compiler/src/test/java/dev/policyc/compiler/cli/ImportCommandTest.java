package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.listing;
import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.yaml.PolicyYamlReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code policyc import --format classbench}, driven in-process through {@link Cli#capture}. */
class ImportCommandTest {
  private static final String TWO = """
      @192.0.2.0/24\t198.51.100.7/32\t0 : 65535\t22 : 22\t0x06/0xFF\t0x0000/0x0000\t
      @0.0.0.0/0\t0.0.0.0/0\t0 : 65535\t0 : 65535\t0x00/0x00\t0x0000/0x0000\t
      """;

  @TempDir
  Path tmp;

  private Path write(String name, String text) throws IOException {
    return CliFixtures.write(tmp, name, text);
  }

  @Test
  void writesAPolicyWhoseRulesCarryTheFilterNumbers() throws Exception {
    Path set = write("two.txt", TWO);
    Path out = tmp.resolve("policies/two.yaml");
    Cli.Captured c = run("import", "--format", "classbench", set.toString(), "-o",
        out.toString());
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals("imported 2 ClassBench filters from " + set + " as policy two: 2 rules -> "
        + out + "\n", c.out());
    assertEquals("", c.err());
    Policy p = PolicyYamlReader.read(out);
    assertEquals("two", p.name());
    List<RuleSpec> rules = p.chain(Table.FILTER, "INPUT").orElseThrow().rules();
    assertEquals(List.of("1", "2"), rules.stream().map(RuleSpec::comment).toList());
    assertEquals(List.of("192.0.2.0/24"), rules.get(0).match().src().value());
    assertEquals(List.of("22"), rules.get(0).match().dport().value());
    // -O0, the rules as written: the any-address, any-protocol filter stays IPv4, as
    // ClassBench's addresses are
    Compilation written = PolicyCompiler.compile(p, new CompileOptions(OptLevel.O0));
    assertTrue(written.ok());
    assertEquals("-A INPUT -m comment --comment 2 -j ACCEPT", written.files()
        .get(PolicyCompiler.IPTABLES).lines().filter(l -> l.contains("comment 2")).findFirst()
        .orElseThrow());
    assertFalse(written.files().get(PolicyCompiler.IP6TABLES).contains("-A INPUT"));
    // -O2: filter 2 takes every packet of filter 1, whose rule goes; the rule left names both
    assertEquals(List.of("-A INPUT -m comment --comment \"1, 2\" -j ACCEPT"),
        PolicyCompiler.compile(p).files().get(PolicyCompiler.IPTABLES).lines()
            .filter(l -> l.startsWith("-A")).toList());
  }

  @Test
  void theSameSetGivesTheSameBytes() throws IOException {
    Path set = write("two.txt", TWO);
    Cli.Captured a = run("import", "--format", "classbench", set.toString(), "-o", "-");
    Cli.Captured b = run("import", "--format", "classbench", "--name", "two", "-o", "-",
        set.toString());
    assertEquals(Cli.OK, a.code(), a.err());
    assertEquals(a.out(), b.out());
    assertTrue(a.out().startsWith("policy: two\n"), a.out());
  }

  /**
   * A filter of any protocol with a port range becomes one rule per protocol with ports, all
   * with its number; a filter of ICMP with ports matches nothing and is left out with PC8005.
   */
  @Test
  void portsWithoutAProtocolGoToEachPortProtocolAndPortsOnIcmpToNone() throws Exception {
    Path set = write("ports.txt", """
        @10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t1024 : 65535\t0x00/0x00\t0x0000/0x0000\t
        @10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t7 : 7\t0x01/0xFF\t0x0000/0x0000\t
        @10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t0 : 65535\t0x01/0xFF\t0x0000/0x0000\t
        """);
    Path out = tmp.resolve("ports.yaml");
    Cli.Captured c = run("import", "--format", "classbench", set.toString(), "-o",
        out.toString());
    assertEquals(Cli.OK, c.code(), c.err());
    assertTrue(c.err().startsWith(set + ":2:33: warning PC8005: protocol icmp has no ports"),
        c.err());
    assertTrue(c.out().contains(": 5 rules, 1 filter that matches nothing left out -> "), c.out());
    List<RuleSpec> rules = PolicyYamlReader.read(out).chain(Table.FILTER, "INPUT").orElseThrow()
        .rules();
    assertEquals(List.of("1", "1", "1", "1", "3"), rules.stream().map(RuleSpec::comment)
        .toList());
    assertEquals(List.of("tcp", "udp", "dccp", "sctp", "icmp"),
        rules.stream().map(r -> r.match().proto().value()).toList());
    for (RuleSpec r : rules.subList(0, 4)) {
      assertEquals(List.of("1024:65535"), r.match().dport().value());
    }
  }

  @Test
  void aMalformedSetIsReportedWithPositionsAndNothingIsWritten() throws IOException {
    Path set = write("bad.txt", TWO + "@192.0.2.0/24\t198.51.100.7/32\t0 : 65535\t22 : 22\t"
        + "0x06/0xF0\n@1.2.3.4/32 5.6.7.8/40 0 : 65535 0 : 65535 0x06/0xFF\n");
    Path out = tmp.resolve("out/bad.yaml");
    Cli.Captured c = run("import", "--format", "classbench", set.toString(), "-o",
        out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(List.of(
        set + ":3:54: error PC8004: protocol mask 0xF0 must be 0xFF (one protocol) or 0x00"
            + " (any)",
        set + ":4:21: error PC8002: prefix length 40 is above 32",
        "policyc import: 2 errors; nothing written"), c.err().lines().toList());
    assertEquals("", c.out());
    assertEquals(List.of("bad.txt"), listing(tmp));
  }

  @Test
  void anExistingPolicyIsKeptWhenTheSetHasAnError() throws IOException {
    Path set = write("bad.txt", "@1.2.3.4/32\n");
    Path out = write("old.yaml", "policy: old\n");
    Cli.Captured c = run("import", "--format", "classbench", set.toString(), "-o",
        out.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.err().startsWith(set + ":1:12: error PC8001: missing the destination address"),
        c.err());
    assertEquals("policy: old\n", Files.readString(out));
  }

  @Test
  void aMissingSetIsPc0010() {
    Path missing = tmp.resolve("none.txt");
    Cli.Captured c = run("import", "--format", "classbench", missing.toString(), "-o",
        tmp.resolve("x.yaml").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(List.of(missing + ": error PC0010: cannot read filter set: no such file",
        "policyc import: 1 error; nothing written"), c.err().lines().toList());
  }

  @Test
  void anOutputUnderAFileIsPc0011() throws IOException {
    Path set = write("two.txt", TWO);
    Path file = write("a-file", "");
    Cli.Captured c = run("import", "--format", "classbench", set.toString(), "-o",
        file.resolve("p.yaml").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.err().contains("error PC0011: cannot write output"), c.err());
    assertEquals(List.of("a-file", "two.txt"), listing(tmp));
  }

  @Test
  void readsStandardInput() {
    Cli.Captured c = Cli.captureWithStdin(TWO, "import", "--format", "classbench", "-", "-o",
        "-");
    assertEquals(Cli.OK, c.code(), c.err());
    assertTrue(c.out().startsWith("policy: classbench\n"), c.out());
    Cli.Captured bad = Cli.captureWithStdin("@1\n", "import", "--format", "classbench", "-",
        "-o", "-");
    assertTrue(bad.err().startsWith("<stdin>:1:3: error PC8002:"), bad.err());
  }

  @Test
  void theFormatTheFileAndTheOutputAreRequired() throws IOException {
    Path set = write("two.txt", TWO);
    assertUsage(run("import", set.toString(), "-o", "-"), "--format is required");
    assertUsage(run("import", "--format", "csv", set.toString(), "-o", "-"),
        "--format must be classbench, not 'csv'");
    assertUsage(run("import", "--format", "classbench", set.toString()), "-o POLICY is required");
    assertUsage(run("import", "--format", "classbench", "-o", "-"), "give exactly one file");
  }

  /**
   * A filter of port 0 alone becomes the range 0:0: the policy language refuses a bare port 0 as
   * a slip (PC2002), and the imported policy must compile.
   */
  @Test
  void aFilterOfPortZeroBecomesTheRangeZeroToZero() throws Exception {
    Path set = write("zero.txt",
        "@192.0.2.0/24\t198.51.100.7/32\t0 : 0\t0 : 0\t0x11/0xFF\t0x0000/0x0000\t\n");
    Path out = tmp.resolve("zero.yaml");
    Cli.Captured c = run("import", "--format", "classbench", set.toString(), "-o",
        out.toString());
    assertEquals(Cli.OK, c.code(), c.err());
    Policy p = PolicyYamlReader.read(out);
    RuleSpec rule = p.chain(Table.FILTER, "INPUT").orElseThrow().rules().get(0);
    assertEquals(List.of("0:0"), rule.match().sport().value());
    assertEquals(List.of("0:0"), rule.match().dport().value());
    Compilation compiled = PolicyCompiler.compile(p, new CompileOptions(OptLevel.O0));
    assertTrue(compiled.ok(), compiled.diagnostics().toString());
    assertTrue(compiled.files().get(PolicyCompiler.IPTABLES)
        .contains("-p udp -m udp --sport 0 --dport 0"), compiled.files().toString());
  }

  /** The name becomes the policy's name, which must be one folder name (PC1012). */
  @Test
  void aNameThatCannotNameAPolicyIsAUsageError() throws IOException {
    Path set = write("two.txt", TWO);
    assertUsage(run("import", "--format", "classbench", set.toString(), "-o", "-", "--name",
        "../up"), "policy name '../up' must be letters, digits");
    assertUsage(run("import", "--format", "classbench", set.toString(), "-o", "-", "--name",
        ""), "the policy name is empty");
    Path spaced = write("acl 1.txt", TWO);
    Cli.Captured c = run("import", "--format", "classbench", spaced.toString(), "-o", "-");
    assertUsage(c, "policy name 'acl 1' must be letters, digits");
    assertTrue(c.err().contains("give one with --name"), c.err());
  }

  @Test
  void theProgramListsTheCommand() {
    Cli.Captured c = run("--help");
    assertTrue(c.out().contains("  import --format classbench FILE -o POLICY"), c.out());
  }

  private static void assertUsage(Cli.Captured c, String words) {
    assertEquals(Cli.USAGE, c.code(), c.err());
    assertTrue(c.err().startsWith("policyc import: " + words), c.err());
  }
}
