package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module and package boundaries of DESIGN.md §1 hold in the source tree (STYLE.md point 13):
 * {@code dsl} never uses {@code compiler}; inside {@code compiler} every package sits in a layer
 * and uses only the packages its layer allows; every package has a {@code package-info.java}
 * with a one-line summary; nothing uses jqwik.
 *
 * <p>Sources are read as text: a dependency is any {@code dev.policyc.…} package named in code
 * (an import, a static import or a qualified name), outside comments and string literals.
 */
class ArchitectureTest {
  private static final String DSL = "dev.policyc.dsl";
  private static final String COMPILER = "dev.policyc.compiler";

  /**
   * The layers of the compiler, as an allow-list: package (with its subpackages) → the compiler
   * packages (with their subpackages) it may use; {@code dsl} is below all of them and always
   * allowed. {@code =} names a package alone, without subpackages: the facade {@code
   * dev.policyc.compiler}. The arrows of DESIGN.md §1, {@code cli → facade → {optimize, checks,
   * emit, lower, parse} → {space, interp} → ir}, with these refinements: {@code checks} and
   * {@code optimize} share the chain analysis of {@code analysis} (shadowed and redundant rules),
   * which uses {@code space}, {@code interp} and {@code ir}; only {@code cli} uses
   * the facade; {@code cli} also uses {@code interp} (to explain packets), {@code optimize} (the
   * levels), {@code emit.report} (its JSON writer) and {@code classbench} (a front end for
   * ClassBench filter sets and traces, which builds the model with the DSL and trace packets for
   * the interpreter); the emitters and readers use only {@code ir}, so emit ∘ read tests both
   * sides; siblings never use each other. Diagnostics live in {@code dsl.diag}, which the YAML
   * reader shares. A package missing here fails the build.
   */
  private static final Map<String, List<String>> ALLOWED = Map.ofEntries(
      Map.entry(COMPILER + ".cli", List.of("=" + COMPILER, COMPILER + ".optimize",
          COMPILER + ".interp", COMPILER + ".ir", COMPILER + ".emit.report",
          COMPILER + ".classbench", COMPILER + ".verify", COMPILER + ".space",
          COMPILER + ".parse", COMPILER + ".classifier", COMPILER + ".ipvs",
          COMPILER + ".kube")),
      Map.entry("=" + COMPILER, List.of(COMPILER + ".checks", COMPILER + ".optimize",
          COMPILER + ".verify", COMPILER + ".ipvs",
          COMPILER + ".emit", COMPILER + ".lower", COMPILER + ".parse", COMPILER + ".space",
          COMPILER + ".interp", COMPILER + ".ir")),
      Map.entry(COMPILER + ".checks", List.of(COMPILER + ".analysis", COMPILER + ".space",
          COMPILER + ".interp", COMPILER + ".ir")),
      Map.entry(COMPILER + ".analysis", List.of(COMPILER + ".space", COMPILER + ".interp",
          COMPILER + ".ir")),
      Map.entry(COMPILER + ".verify", List.of(COMPILER + ".space", COMPILER + ".interp",
          COMPILER + ".ir")),
      Map.entry(COMPILER + ".optimize", List.of(COMPILER + ".analysis", COMPILER + ".tree",
          COMPILER + ".space", COMPILER + ".interp", COMPILER + ".ir")),
      Map.entry(COMPILER + ".tree", List.of(COMPILER + ".space", COMPILER + ".ir")),
      Map.entry(COMPILER + ".classifier", List.of(COMPILER + ".tree", COMPILER + ".space",
          COMPILER + ".interp", COMPILER + ".ir", COMPILER + ".ipvs")),
      Map.entry(COMPILER + ".lower", List.of(COMPILER + ".space", COMPILER + ".ir")),
      Map.entry(COMPILER + ".emit", List.of(COMPILER + ".ir", COMPILER + ".ipvs")),
      Map.entry(COMPILER + ".parse", List.of(COMPILER + ".ir", COMPILER + ".ipvs")),
      Map.entry(COMPILER + ".classbench", List.of(COMPILER + ".interp", COMPILER + ".ir")),
      Map.entry(COMPILER + ".space", List.of(COMPILER + ".ir")),
      Map.entry(COMPILER + ".interp", List.of(COMPILER + ".ir", COMPILER + ".ipvs")),
      Map.entry(COMPILER + ".ir", List.of()),
      // the IPVS model (docs/ipvs.md): checked from the policy, read by emitters, readers and
      // the interpreter
      Map.entry(COMPILER + ".ipvs", List.of(COMPILER + ".ir")),
      // policyc kube: a front end for Kubernetes manifests; its report reads its iptables text
      // back (parse) and decides packets on it (interp).
      Map.entry(COMPILER + ".kube", List.of(COMPILER + ".parse", COMPILER + ".interp",
          COMPILER + ".emit", COMPILER + ".ipvs", COMPILER + ".ir")));

  private static final Pattern PACKAGE_DECL =
      Pattern.compile("^\\s*package\\s+([a-z0-9_.]+)\\s*;", Pattern.MULTILINE);
  /** A package of ours named in code: lower-case segments, up to the first class name. */
  private static final Pattern OUR_PACKAGE =
      Pattern.compile("\\bdev\\.policyc(\\.[a-z_][a-z0-9_]*)+");
  private static final Pattern JQWIK = Pattern.compile("\\bnet\\.jqwik\\b");

  /** One source file: where it is, its package, and its text without comments and literals. */
  record Source(Path file, String pkg, String code) {
    /** The packages of ours this file uses, each with the line of its first use. */
    Map<String, Integer> uses() {
      Map<String, Integer> out = new TreeMap<>();
      Matcher m = OUR_PACKAGE.matcher(code);
      while (m.find()) {
        String used = m.group();
        if (!used.equals(pkg)) {
          out.putIfAbsent(used, line(code, m.start()));
        }
      }
      return out;
    }
  }

  // ------------------------------------------------------------------ dependencies

  /** Production code only: a test may reach across packages to set up what it checks. */
  @Test
  void packagesDependOnlyTheAllowedWays() {
    List<String> violations = new ArrayList<>();
    for (Source s : sources(false)) {
      String layer = layerOf(s.pkg());
      s.uses().forEach((used, line) -> {
        if (within(s.pkg(), DSL) && within(used, COMPILER)) {
          violations.add(where(s, line) + ": " + s.pkg() + " uses " + used
              + " (dsl must not depend on compiler)");
        } else if (layer != null && within(used, COMPILER) && !within(used, s.pkg())
            && ALLOWED.get(layer).stream().noneMatch(a -> matches(used, a))) {
          violations.add(where(s, line) + ": " + s.pkg() + " uses " + used + " (" + layer
              .replace("=", "") + " may use only " + ALLOWED.get(layer) + ")");
        }
      });
    }
    if (!violations.isEmpty()) {
      fail("dependencies against DESIGN.md §1:\n" + String.join("\n", violations));
    }
  }

  /** Every compiler package belongs to a layer: a new package gets a rule the day it appears. */
  @Test
  void everyCompilerPackageHasALayer() {
    List<String> missing = new ArrayList<>();
    for (Source s : sources(false)) {
      if (within(s.pkg(), COMPILER) && layerOf(s.pkg()) == null && !missing.contains(s.pkg())) {
        missing.add(s.pkg());
      }
    }
    assertTrue(missing.isEmpty(), "packages without a layer in ArchitectureTest.ALLOWED: "
        + missing);
  }

  /** The most specific layer a package falls in, or null. */
  private static String layerOf(String pkg) {
    String best = null;
    for (String layer : ALLOWED.keySet()) {
      if (matches(pkg, layer) && (best == null || layer.length() > best.length())) {
        best = layer;
      }
    }
    return best;
  }

  private static boolean matches(String pkg, String rule) {
    return rule.startsWith("=") ? pkg.equals(rule.substring(1)) : within(pkg, rule);
  }

  /** The rules are about packages that exist: a rename must not leave one checking nothing. */
  @Test
  void everyRuleNamesExistingPackages() {
    Set<String> packages = sources(true).stream().map(Source::pkg).collect(Collectors.toSet());
    Set<String> named = new TreeSet<>(ALLOWED.keySet());
    ALLOWED.values().forEach(l -> named.addAll(l));
    for (String p : named) {
      assertTrue(packages.stream().anyMatch(q -> matches(q, p)), "no sources in package "
          + p.replace("=", ""));
    }
  }

  @Test
  void layerRulesCatchAForbiddenUse() {
    String layer = layerOf(COMPILER + ".emit.iptables");
    assertEquals(COMPILER + ".emit", layer);
    assertFalse(ALLOWED.get(layer).stream().anyMatch(a -> matches(COMPILER + ".parse", a)));
    assertTrue(ALLOWED.get(layer).stream().anyMatch(a -> matches(COMPILER + ".ir", a)));
    assertEquals("=" + COMPILER, layerOf(COMPILER));
    assertNull(layerOf(COMPILER + "x.y"));
  }

  /** The scanner sees imports, static imports and qualified names, but not comments or text. */
  @Test
  void scannerFindsUsesInCodeOnly() {
    String text = """
        package dev.policyc.compiler.ir;

        import dev.policyc.compiler.emit.iptables.IptablesEmitter;
        import static dev.policyc.compiler.parse.IptablesSaveReader.readRule;
        // dev.policyc.compiler.cli in a line comment
        /* dev.policyc.compiler.cli in a block comment */
        /** {@link dev.policyc.compiler.cli.Cli} in Javadoc */
        class X {
          String s = "dev.policyc.compiler.cli \\" dev.policyc.compiler.cli";
          String t = \"""
              dev.policyc.compiler.cli in a text block
              \""";
          char c = '"';
          dev.policyc.compiler.lower.Lowering l; // qualified
          dev.policyc.compiler.ir.Rule r; // own package
        }
        """;
    Source s = source(Path.of("X.java"), text);
    assertEquals("dev.policyc.compiler.ir", s.pkg());
    assertEquals(Map.of("dev.policyc.compiler.emit.iptables", 3,
        "dev.policyc.compiler.parse", 4, "dev.policyc.compiler.lower", 14), s.uses());
  }

  // ------------------------------------------------------------------ package-info

  @Test
  void everyPackageHasAPackageInfoWithAOneLineSummary() throws IOException {
    Map<String, Path> dirs = new TreeMap<>();
    for (Source s : sources(false)) {
      dirs.putIfAbsent(s.pkg(), s.file().getParent());
    }
    assertTrue(dirs.containsKey(DSL) && dirs.containsKey(COMPILER + ".ir"), dirs.keySet()
        .toString());
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Path> e : dirs.entrySet()) {
      Path info = e.getValue().resolve("package-info.java");
      if (!Files.exists(info)) {
        problems.add(rel(e.getValue()) + ": no package-info.java for " + e.getKey());
        continue;
      }
      String text = Files.readString(info);
      String problem = summaryProblem(text, e.getKey());
      if (problem != null) {
        problems.add(rel(info) + ": " + problem);
      }
    }
    if (!problems.isEmpty()) {
      fail("packages without a one-line summary:\n" + String.join("\n", problems));
    }
  }

  /** Null when {@code text} is a package-info of {@code pkg} whose Javadoc is one summary line. */
  static String summaryProblem(String text, String pkg) {
    Matcher m = Pattern.compile("(?s)/\\*\\*(.*?)\\*/\\s*package\\s+([a-z0-9_.]+)\\s*;")
        .matcher(text);
    if (!m.find()) {
      return "no Javadoc comment right before the package declaration";
    }
    if (!m.group(2).equals(pkg)) {
      return "declares package " + m.group(2) + ", not " + pkg;
    }
    List<String> lines = m.group(1).lines()
        .map(l -> l.strip().replaceFirst("^\\*\\s?", "").strip())
        .filter(l -> !l.isEmpty())
        .toList();
    if (lines.size() != 1) {
      return "the Javadoc has " + lines.size() + " lines; it should be a one-line summary";
    }
    String summary = lines.get(0);
    if (!summary.endsWith(".") || summary.startsWith("@")) {
      return "the summary '" + summary + "' is not a sentence ending in '.'";
    }
    return null;
  }

  @Test
  void summaryCheckRefusesWhatIsNotOneLine() {
    String pkg = "dev.policyc.x";
    assertNull(summaryProblem("/** The x things. */\npackage dev.policyc.x;\n", pkg));
    assertNull(summaryProblem("/**\n * The x things.\n */\npackage dev.policyc.x;\n",
        pkg));
    assertFalse(summaryProblem("package dev.policyc.x;\n", pkg) == null);
    assertFalse(summaryProblem("/** The x. */\npackage dev.policyc.y;\n", pkg) == null);
    assertFalse(summaryProblem("/** The x.\n * More. */\npackage dev.policyc.x;\n", pkg) == null);
    assertFalse(summaryProblem("/** No period */\npackage dev.policyc.x;\n", pkg) == null);
  }

  // ------------------------------------------------------------------ jqwik

  /** Property tests use the small runner in {@code testing}, not jqwik (see the README). */
  @Test
  void noSourceUsesJqwik() {
    List<String> users = new ArrayList<>();
    for (Source s : sources(true)) {
      Matcher m = JQWIK.matcher(s.code());
      if (m.find()) {
        users.add(where(s, line(s.code(), m.start())));
      }
    }
    if (!users.isEmpty()) {
      fail("sources that use net.jqwik:\n" + String.join("\n", users));
    }
  }

  // ------------------------------------------------------------------ the Maven plugin

  /** Thin Mojos (STYLE.md point 8): the plugin reaches the compiler through {@code cli} only. */
  @Test
  void theMavenPluginUsesOnlyTheBuildFacade() {
    List<String> violations = new ArrayList<>();
    for (Source s : sources(false)) {
      if (within(s.pkg(), "dev.policyc.maven")) {
        s.uses().forEach((used, line) -> {
          if (!used.equals(COMPILER + ".cli")) {
            violations.add(where(s, line) + ": " + s.pkg() + " uses " + used);
          }
        });
      }
    }
    assertTrue(violations.isEmpty(), "the plugin may use only " + COMPILER
        + ".cli (PolicyBuild):\n" + String.join("\n", violations));
  }

  // ------------------------------------------------------------------ reading sources

  /** The Java sources of every module: main only, or main and test. */
  static List<Source> sources(boolean withTests) {
    Path root = Repo.root();
    List<Path> trees = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path m : modules.sorted().toList()) {
        for (String tree : withTests ? List.of("src/main/java", "src/test/java")
            : List.of("src/main/java")) {
          if (Files.isDirectory(m.resolve(tree))) {
            trees.add(m.resolve(tree));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertTrue(trees.contains(root.resolve("dsl/src/main/java"))
        && trees.contains(root.resolve("compiler/src/main/java")), "source trees: " + trees);
    List<Source> out = new ArrayList<>();
    for (Path tree : trees) {
      try (Stream<Path> files = Files.walk(tree)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
          out.add(source(f, Files.readString(f)));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  static Source source(Path file, String text) {
    String code = codeOnly(text);
    Matcher m = PACKAGE_DECL.matcher(code);
    if (!m.find()) {
      return new Source(file, "", code);
    }
    // The declaration names the file's own package, which is no dependency.
    return new Source(file, m.group(1),
        code.substring(0, m.start()) + " ".repeat(m.end() - m.start()) + code.substring(m.end()));
  }

  /**
   * The text with comments, string and character literals and text blocks blanked out (line
   * breaks kept, so offsets still give line numbers).
   */
  static String codeOnly(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int end;
      if (s.startsWith("//", i)) {
        end = s.indexOf('\n', i);
        end = end < 0 ? s.length() : end;
      } else if (s.startsWith("/*", i)) {
        end = s.indexOf("*/", i + 2);
        end = end < 0 ? s.length() : end + 2;
      } else if (s.startsWith("\"\"\"", i)) {
        end = s.indexOf("\"\"\"", i + 3);
        while (end > 0 && s.charAt(end - 1) == '\\') {
          end = s.indexOf("\"\"\"", end + 1);
        }
        end = end < 0 ? s.length() : end + 3;
      } else if (c == '"' || c == '\'') {
        end = i + 1;
        while (end < s.length() && s.charAt(end) != c && s.charAt(end) != '\n') {
          end += s.charAt(end) == '\\' ? 2 : 1;
        }
        end = Math.min(end + 1, s.length());
      } else {
        out.append(c);
        i++;
        continue;
      }
      for (int k = i; k < end; k++) {
        out.append(s.charAt(k) == '\n' ? '\n' : ' ');
      }
      i = end;
    }
    return out.toString();
  }

  private static boolean within(String pkg, String prefix) {
    return pkg.equals(prefix) || pkg.startsWith(prefix + ".");
  }

  private static int line(String text, int offset) {
    int n = 1;
    for (int i = 0; i < offset; i++) {
      if (text.charAt(i) == '\n') {
        n++;
      }
    }
    return n;
  }

  private static String where(Source s, int line) {
    return rel(s.file()) + ":" + line;
  }

  private static String rel(Path p) {
    Path root = Repo.root();
    return p.isAbsolute() && p.startsWith(root) ? root.relativize(p).toString() : p.toString();
  }
}
