package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.Action;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.compiler.checks.CheckFixturesTest;
import dev.policyc.compiler.kube.KubeBadInputTest;
import dev.policyc.compiler.cli.Cli;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.ParseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every diagnostic code is tested or retired: each code that is not {@link Code#retired()} is
 * expected by some policy under {@code bad/} (where {@link BadPolicyTest} checks its line,
 * column and message) or under {@code checks/} (the lint checks' fixtures, {@link
 * CheckFixturesTest}), or is one of the few codes no policy file's text can produce, and then
 * this test produces it through the public API. No fixture expects a retired code.
 */
class DiagnosticCodesTest {
  /**
   * The codes no YAML text can produce, each with how the public API produces it (the text of
   * what it reports). A directory is no file to read; a chain declared twice is a duplicate key
   * in YAML (PC0005), so only a policy built in Java can hold one; an output that cannot be
   * written is a fault of the output folder, not of the policy; two policies of one name take two
   * files. The PC8xxx codes are about
   * ClassBench files, packets, iptables-save and ipset text, not policies (ImportCommandTest and
   * ClassBenchReaderTest check their positions and messages; FrontEndCorpusTest the others').
   */
  private static final Map<Code, Function<Path, String>> NOT_FROM_YAML = Map.ofEntries(
      Map.entry(Code.PC0010, dir -> PolicyCompiler.read(dir).diagnostics().toString()),
      Map.entry(Code.PC1008,
          dir -> PolicyCompiler.check(chainDeclaredTwice()).diagnostics().toString()),
      Map.entry(Code.PC0011, DiagnosticCodesTest::compileUnderAFile),
      Map.entry(Code.PC0012, dir -> unprovableCompile()),
      Map.entry(Code.PC1013, DiagnosticCodesTest::compileTwoPoliciesOfOneName),
      Map.entry(Code.PC0013, DiagnosticCodesTest::compileALockout),
      Map.entry(Code.PC8001, dir -> importSet(dir, "1.2.3.4/32 5.6.7.8/32")),
      Map.entry(Code.PC8002, dir -> importSet(dir, "@1.2.3.4/32 5.6.7.8/99 0 : 65535"
          + " 0 : 65535 0x06/0xFF")),
      Map.entry(Code.PC8003, dir -> importSet(dir, "@1.2.3.4/32 5.6.7.8/32 0 : 65535"
          + " 443 : 80 0x06/0xFF")),
      Map.entry(Code.PC8004, dir -> importSet(dir, "@1.2.3.4/32 5.6.7.8/32 0 : 65535"
          + " 0 : 65535 0x06/0x0F")),
      Map.entry(Code.PC8005, dir -> importSet(dir, "@1.2.3.4/32 5.6.7.8/32 0 : 65535"
          + " 22 : 22 0x01/0xFF")),
      Map.entry(Code.PC8006, DiagnosticCodesTest::explainABadTrace),
      Map.entry(Code.PC8007, DiagnosticCodesTest::explainABadPacket),
      // include: needs a second file (or none: standard input), which bad/ fixtures do not have;
      // YamlIncludeTest checks their positions and messages
      Map.entry(Code.PC0014, dir -> include(dir, "include: [policy.yaml]\n", "")),
      Map.entry(Code.PC0015, dir -> include(dir, "include: [../../outside.yaml]\n", "")),
      Map.entry(Code.PC0016, dir -> PolicyCompiler.read("<stdin>",
          "policy: p\ninclude: [lib.yaml]\n").diagnostics().toString()),
      Map.entry(Code.PC1020, dir -> include(dir, "include: [lib.yaml]\nobjects:\n"
          + "  networks: { lan: 10.0.0.0/8 }\n", "objects:\n  networks: { lan: 10.0.0.0/8 }\n")),
      Map.entry(Code.PC1021, dir -> include(dir, "include: [lib.yaml]\nfilter:\n"
          + "  INPUT: [{ fragment: nope }]\n", "fragments: { f: [] }\n")),
      Map.entry(Code.PC1022, dir -> include(dir, "include: [lib.yaml]\nfilter:\n"
          + "  INPUT: [{ fragment: f }]\n", "fragments: { f: [{ fragment: f }] }\n")),
      // policyc kube reads manifests, not policies (KubeBadInputTest checks the positions).
      Map.entry(Code.PC8101, dir -> KubeBadInputTest.produce("PC8101", dir)),
      Map.entry(Code.PC8102, dir -> KubeBadInputTest.produce("PC8102", dir)),
      Map.entry(Code.PC8103, dir -> KubeBadInputTest.produce("PC8103", dir)),
      Map.entry(Code.PC8104, dir -> KubeBadInputTest.produce("PC8104", dir)),
      Map.entry(Code.PC8105, dir -> KubeBadInputTest.produce("PC8105", dir)),
      Map.entry(Code.PC8106, dir -> KubeBadInputTest.produce("PC8106", dir)),
      Map.entry(Code.PC8107, dir -> KubeBadInputTest.produce("PC8107", dir)),
      Map.entry(Code.PC8108, dir -> KubeBadInputTest.produce("PC8108", dir)),
      Map.entry(Code.PC8109, dir -> KubeBadInputTest.produce("PC8109", dir)),
      Map.entry(Code.PC8110, dir -> KubeBadInputTest.produce("PC8110", dir)),
      Map.entry(Code.PC8008, DiagnosticCodesTest::diffABadSaveFile),
      Map.entry(Code.PC8009, dir -> readBadIpsetText()));



  /** The diagnostics of {@code policy: p} plus {@code role} in a folder beside {@code lib.yaml}. */
  private static String include(Path dir, String role, String lib) {
    try {
      Path d = Files.createDirectories(dir.resolve("include-" + Integer.toHexString(
          (role + lib).hashCode())).resolve("sub"));
      Files.writeString(d.resolve("lib.yaml"), lib);
      Files.writeString(d.resolve("policy.yaml"), "policy: p\n" + role);
      return PolicyCompiler.read(d.resolve("policy.yaml")).diagnostics().toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @TempDir
  Path tmp;

  /** Every code a fixture under {@code bad/} or {@code checks/} expects. */
  private static Set<Code> fixtureCodes() throws IOException {
    Set<Code> out = EnumSet.noneOf(Code.class);
    out.addAll(BadPolicyTest.expectedCodes());
    out.addAll(CheckFixturesTest.expectedCodes());
    return out;
  }

  @Test
  void everyCodeNotRetiredIsExpectedByAFixtureOrProducedHere() throws IOException {
    Set<Code> fixtures = fixtureCodes();
    List<Code> untested = new ArrayList<>();
    for (Code c : Code.values()) {
      if (!c.retired() && !fixtures.contains(c) && !NOT_FROM_YAML.containsKey(c)) {
        untested.add(c);
      }
    }
    assertEquals(List.of(), untested, "codes neither retired nor expected by a policy under"
        + " bad/ or checks/ (add a fixture, or, if no YAML text can produce the code, add it to"
        + " NOT_FROM_YAML with how the API produces it)");
  }

  @Test
  void noFixtureExpectsARetiredCode() throws IOException {
    List<Code> retired = fixtureCodes().stream().filter(Code::retired).toList();
    assertEquals(List.of(), retired, "fixtures expect codes that are never reported");
  }

  /** The list stays small and honest: a code some fixture produces does not belong in it. */
  @Test
  void theCodesProducedHereHaveNoFixture() throws IOException {
    Set<Code> fixtures = fixtureCodes();
    for (Code c : NOT_FROM_YAML.keySet()) {
      assertFalse(fixtures.contains(c),
          c + " is expected by a fixture; drop it from NOT_FROM_YAML");
      assertFalse(c.retired(), c + " is retired");
    }
  }

  @TestFactory
  Stream<DynamicTest> eachCodeNoFileCanProduceComesFromTheApi() {
    return new TreeMap<>(NOT_FROM_YAML).entrySet().stream().map(e -> DynamicTest.dynamicTest(
        e.getKey().name(), () -> {
          String reported = e.getValue().apply(tmp);
          assertTrue(reported.contains(" " + e.getKey().name() + ": "),
              () -> "expected " + e.getKey() + ", got " + reported);
        }));
  }

  @Test
  void aDirectoryCannotBeReadAsAPolicy() {
    List<Diagnostic> ds = PolicyCompiler.read(tmp).diagnostics();
    assertEquals(1, ds.size(), ds.toString());
    assertEquals(Code.PC0010, ds.get(0).code());
    assertTrue(ds.get(0).message().startsWith("cannot read policy: "), ds.get(0).message());
    assertEquals(tmp.toString(), ds.get(0).pos().file());
  }

  @Test
  void aMissingFileCannotBeReadAndTheApiSaysWhy() {
    Path missing = tmp.resolve("missing.yaml");
    List<Diagnostic> ds = PolicyCompiler.read(missing).diagnostics();
    assertEquals(List.of(missing + ": error PC0010: cannot read policy: no such file"),
        ds.stream().map(Diagnostic::toString).toList());
  }

  /** The DSL goes through lowering too: a name that is no folder name is no policy's name. */
  @Test
  void aPolicyBuiltInJavaWithAPathForANameDoesNotCompile() {
    Compilation c = PolicyCompiler.compile(Policy.named("../../escaped").build());
    assertFalse(c.ok());
    assertEquals(Map.of(), c.files());
    assertEquals(List.of("<dsl>: error PC1012: policy name '../../escaped' must be letters,"
        + " digits, '_', '.' and '-', starting with a letter, a digit or '_' (it names the output"
        + " folder)"), c.diagnostics().stream().map(Diagnostic::toString).toList());
  }

  @Test
  void aChainDeclaredTwiceInOneTable() {
    List<Diagnostic> ds = PolicyCompiler.check(chainDeclaredTwice()).diagnostics();
    assertEquals(1, ds.size(), ds.toString());
    assertEquals(Code.PC1008, ds.get(0).code());
    assertEquals("chain ssh-in is declared twice in table filter", ds.get(0).message());
  }

  /** {@code policyc compile} asked to write into a folder under a regular file. */
  /**
   * {@code compile --verify} with a checker budget of one rule evaluation: the redundancy pass
   * changes the policy, and its proof cannot be done.
   */
  private static String unprovableCompile() {
    Policy p = PolicyCompiler.read("unprovable.yaml", """
        policy: unprovable
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { proto: tcp, dport: "22" }, action: accept }
              - { match: { proto: tcp }, action: accept }
        """).policy();
    return PolicyCompiler.compile(p, CompileOptions.defaults().withVerify(true)
        .withVerifyBudget(1)).diagnostics().toString();
  }

  private static String compileUnderAFile(Path dir) {
    try {
      Path policy = Files.writeString(dir.resolve("p.yaml"), "policy: p\n");
      Path file = Files.writeString(dir.resolve("a-file"), "");
      Cli.Captured c = Cli.capture("compile", policy.toString(), "-o",
          file.resolve("out").toString());
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      return c.err();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code policyc compile} of two files whose policies have the same name. */
  /** PC0013 is the refusal of {@code policyc compile}, not a finding of lowering or checks. */
  private static String compileALockout(Path dir) {
    try {
      Path a = Files.writeString(dir.resolve("lockout.yaml"),
          "policy: lockout\nfilter:\n  INPUT:\n    policy: DROP\n");
      Cli.Captured c = Cli.capture("compile", a.toString(), "-o", dir.resolve("out").toString());
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      return c.err();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String compileTwoPoliciesOfOneName(Path dir) {
    try {
      Path a = Files.writeString(dir.resolve("a.yaml"), "policy: same\n");
      Path b = Files.writeString(dir.resolve("b.yaml"), "policy: same\n");
      Cli.Captured c = Cli.capture("compile", a.toString(), b.toString(), "-o",
          dir.resolve("out").toString());
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      return c.err();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code policyc import --format classbench} of a one-line filter set. */
  private static String importSet(Path dir, String line) {
    try {
      Path set = Files.writeString(Files.createTempFile(dir, "set", ".txt"), line + "\n");
      return Cli.capture("import", "--format", "classbench", set.toString(), "-o",
          dir.resolve("imported.yaml").toString()).err();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code policyc explain --format classbench-trace} with a trace line of four fields. */
  private static String explainABadPacket(Path dir) {
    try {
      Path policy = Files.writeString(dir.resolve("p.yaml"), "policy: p\n");
      Path packets = Files.writeString(dir.resolve("p.txt"), "udp 1.2.3.4 -> 5.6.7.8 hops 2\n");
      Cli.Captured c = Cli.capture("explain", policy.toString(), "--packets",
          packets.toString());
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      return c.err();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String diffABadSaveFile(Path dir) {
    try {
      Path save = Files.writeString(dir.resolve("bad.save"),
          "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOSUCH\nCOMMIT\n");
      Cli.Captured c = Cli.capture("diff", save.toString(), save.toString());
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      return c.err();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readBadIpsetText() {
    try {
      IpsetReader.read("bad.ipset", "create s hash:mac\n");
      throw new AssertionError("hash:mac was read");
    } catch (ParseException e) {
      return e.diagnostic().toString();
    }
  }

  private static String explainABadTrace(Path dir) {
    try {
      Path policy = Files.writeString(dir.resolve("p.yaml"), "policy: p\n");
      Path trace = Files.writeString(dir.resolve("t.trace"), "1 2 3 4\n");
      Cli.Captured c = Cli.capture("explain", policy.toString(), "--packets", trace.toString(),
          "--format", "classbench-trace");
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      return c.err();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A policy built in Java whose filter table holds chain ssh-in twice, both jumped to. */
  private static Policy chainDeclaredTwice() {
    ChainSpec input = new ChainSpec(Table.FILTER, "INPUT", null, List.of(
        new RuleSpec(MatchSpec.ANY, new Action.Jump("ssh-in"), null)));
    ChainSpec ssh = new ChainSpec(Table.FILTER, "ssh-in", null, List.of());
    return new Policy("twice", null, null, null, List.of(input, ssh, ssh), SourceMap.empty());
  }
}
