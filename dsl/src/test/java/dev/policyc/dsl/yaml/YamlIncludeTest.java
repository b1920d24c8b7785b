package dev.policyc.dsl.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.path.PolicyPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code include:} (docs/policy-format.md, "Composition across files"): object files and
 * fragments resolved relative to the including file, nested, each file once; cycles, absolute
 * paths, paths out of the repository root and includes from standard input refused; a name
 * defined twice names both places; positions point into the included file.
 */
class YamlIncludeTest {
  @TempDir Path repo;

  @BeforeEach
  void markRoot() throws IOException {
    Files.createDirectories(repo.resolve("repo"));
    Files.writeString(repo.resolve("repo/.policyc-root"), "");
  }

  private Path write(String rel, String text) throws IOException {
    Path p = repo.resolve("repo").resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  private static List<Diagnostic> problems(Path p) {
    PolicyParseException e =
        assertThrows(PolicyParseException.class, () -> PolicyYamlReader.read(p));
    return e.diagnostics();
  }

  private static String name(Path p) {
    return p.toString();
  }

  @Test
  void nestedRelativeIncludesMergeObjectsAndPlaceFragments() throws Exception {
    Path nets = write("shared/networks.yaml", """
        objects:
          networks:
            admins: [10.20.0.0/16]
        """);
    write("shared/common.yaml", """
        include: [networks.yaml]
        objects:
          services:
            ssh: [tcp/22]
        fragments:
          established:
            - { match: { state: [established, related] }, action: accept }
            - { match: { service: ssh, src: admins }, action: accept }
        """);
    Path role = write("roles/web/policy.yaml", """
        policy: web
        include: [../../shared/common.yaml, ../../shared/networks.yaml]
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { proto: icmp }, action: accept }
              - fragment: established
              - { action: drop }
        """);
    Policy p = PolicyYamlReader.read(role);
    assertEquals(List.of("10.20.0.0/16"), p.objects().networks().get("admins"));
    assertEquals(List.of("tcp/22"), p.objects().services().get("ssh"));
    ChainSpec input = p.chain(Table.FILTER, "INPUT").orElseThrow();
    assertEquals(4, input.rules().size());
    String base = name(role.getParent());
    String common = Path.of(base).resolveSibling("../shared/common.yaml").normalize().toString();
    assertEquals(List.of(name(role), Path.of(common).resolveSibling("networks.yaml").toString(),
        common), p.source().files());
    // the placed rules are rules 1 and 2 of INPUT, written in common.yaml
    SourcePos r1 = p.source().at(PolicyPath.chain(Table.FILTER, "INPUT").rule(1));
    assertEquals(new SourcePos(common, 7, 7), r1);
    SourcePos src = p.source().at(
        PolicyPath.chain(Table.FILTER, "INPUT").rule(2).match().src());
    assertEquals(common, src.file());
    assertEquals(8, src.line());
    SourcePos last = p.source().at(PolicyPath.chain(Table.FILTER, "INPUT").rule(3));
    assertEquals(new SourcePos(name(role), 9, 9), last);
    SourcePos admins = p.source().at(PolicyPath.objects().networks("admins"));
    assertEquals(new SourcePos(
        Path.of(common).resolveSibling("networks.yaml").toString(), 3, 5), admins);
    assertTrue(Files.exists(nets));
  }

  @Test
  void errorsInsideAnIncludedFileHaveItsLineAndColumn() throws Exception {
    write("lib.yaml", """
        fragments:
          bad:
            - { match: { sport: "22" }, action: acept }
        objects:
          networks:
            lan: [10.0.0.0/8]
          nets: {}
        """);
    Path role = write("policy.yaml", """
        policy: p
        include: [lib.yaml]
        filter:
          INPUT: [{ fragment: bad }, { fragment: bad }, { fragment: nope }]
        """);
    List<Diagnostic> ds = problems(role);
    String lib = Path.of(name(role)).resolveSibling("lib.yaml").toString();
    assertEquals(List.of(
            lib + ":3:41: error PC0008",
            lib + ":7:3: error PC0002",
            name(role) + ":4:61: error PC1021"),
        ds.stream().map(d -> d.toString().replaceAll("(PC\\d+).*", "$1")).sorted().toList(),
        ds.toString());
  }

  @Test
  void aNameDefinedTwiceNamesBothPlaces() throws Exception {
    write("a.yaml", "objects:\n  networks:\n    lan: [10.0.0.0/8]\n");
    Path role = write("policy.yaml", """
        policy: p
        include: [a.yaml]
        objects:
          networks:
            lan: [10.1.0.0/16]
        """);
    List<Diagnostic> ds = problems(role);
    String a = Path.of(name(role)).resolveSibling("a.yaml").toString();
    assertEquals(1, ds.size(), ds.toString());
    assertEquals(Code.PC1020, ds.get(0).code());
    assertEquals(new SourcePos(name(role), 5, 5), ds.get(0).pos());
    assertEquals("network group 'lan' is defined twice: at " + a + ":3:5 and at " + name(role)
        + ":5:5", ds.get(0).message());
  }

  @Test
  void aNameDefinedTwiceInOneFileNamesBothPlaces() throws Exception {
    Path role = write("policy.yaml", """
        policy: p
        objects:
          networks:
            lan: [10.0.0.0/8]
            lan: [10.1.0.0/16]
        """);
    List<Diagnostic> ds = problems(role);
    assertEquals(1, ds.size(), ds.toString());
    assertEquals(Code.PC0005, ds.get(0).code());
    assertEquals(new SourcePos(name(role), 5, 5), ds.get(0).pos());
    assertEquals("duplicate key 'lan' (first at " + name(role) + ":4:5)", ds.get(0).message());
  }

  @Test
  void aFragmentDefinedInTwoFilesNamesBoth() throws Exception {
    write("a.yaml", "fragments:\n  f: []\n");
    write("b.yaml", "include: [a.yaml]\nfragments:\n  f: []\n");
    Path role = write("policy.yaml", "policy: p\ninclude: [b.yaml, a.yaml]\n");
    List<Diagnostic> ds = problems(role);
    assertEquals(1, ds.size(), ds.toString());
    assertEquals(Code.PC1020, ds.get(0).code());
    assertTrue(ds.get(0).message().contains("a.yaml:2:3 and at "), ds.get(0).message());
    assertTrue(ds.get(0).message().endsWith("b.yaml:3:3"), ds.get(0).message());
  }

  @Test
  void aCycleIsRefusedWithItsChainOfFiles() throws Exception {
    write("a.yaml", "include: [sub/b.yaml]\n");
    write("sub/b.yaml", "include: [../a.yaml]\n");
    Path role = write("policy.yaml", "policy: p\ninclude: [a.yaml]\n");
    List<Diagnostic> ds = problems(role);
    assertEquals(1, ds.size(), ds.toString());
    assertEquals(Code.PC0014, ds.get(0).code());
    String a = Path.of(name(role)).resolveSibling("a.yaml").toString();
    String b = Path.of(name(role)).resolveSibling("sub/b.yaml").toString();
    assertEquals("include cycle: " + a + " -> " + b + " -> " + a, ds.get(0).message());
    assertEquals(new SourcePos(b, 1, 11), ds.get(0).pos());
  }

  @Test
  void aPolicyIncludingItselfIsACycle() throws Exception {
    Path role = write("policy.yaml", "policy: p\ninclude: [policy.yaml]\n");
    assertEquals(Code.PC0014, problems(role).get(0).code());
  }

  @Test
  void absolutePathsAndPathsOutOfTheRootAreRefused() throws Exception {
    Files.writeString(repo.resolve("outside.yaml"), "objects: {}\n");
    Path role = write("policy.yaml", "policy: p\ninclude: [../outside.yaml, "
        + repo.resolve("outside.yaml") + "]\n");
    List<Diagnostic> ds = problems(role);
    assertEquals(List.of(Code.PC0015, Code.PC0015), ds.stream().map(Diagnostic::code).toList());
    assertEquals(new SourcePos(name(role), 2, 11), ds.get(0).pos());
    assertTrue(ds.get(1).message().contains("is absolute"), ds.get(1).message());
  }

  @Test
  void aMissingIncludedFileIsPc0010AtTheInclude() throws Exception {
    Path role = write("policy.yaml", "policy: p\ninclude: [none.yaml]\n");
    List<Diagnostic> ds = problems(role);
    assertEquals(Code.PC0010, ds.get(0).code());
    assertEquals(new SourcePos(name(role), 2, 11), ds.get(0).pos());
  }

  @Test
  void anIncludedFileHoldsNoPolicyKeys() throws Exception {
    write("a.yaml", "policy: x\nfilter: {}\n");
    Path role = write("policy.yaml", "policy: p\ninclude: [a.yaml]\n");
    List<Diagnostic> ds = problems(role);
    assertEquals(List.of(Code.PC0002, Code.PC0002), ds.stream().map(Diagnostic::code).toList());
  }

  @Test
  void includeFromStandardInputOrTextIsRefused() {
    String text = "policy: p\ninclude: [a.yaml]\n";
    PolicyParseException e = assertThrows(PolicyParseException.class, () -> PolicyYamlReader.read(
        "<stdin>", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));
    assertEquals(Code.PC0016, e.diagnostics().get(0).code());
    assertEquals(new SourcePos("<stdin>", 2, 1), e.diagnostics().get(0).pos());
  }

  @Test
  void fragmentsDoNotNest() throws Exception {
    write("a.yaml", "fragments:\n  f: [{ fragment: g }]\n  g: []\n");
    Path role = write("policy.yaml", "policy: p\ninclude: [a.yaml]\nfilter:\n"
        + "  INPUT: [{ fragment: f }]\n");
    List<Diagnostic> ds = problems(role);
    assertEquals(Code.PC1022, ds.get(0).code());
    assertEquals(2, ds.get(0).pos().line());
  }
}
