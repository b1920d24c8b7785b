package dev.policyc.compiler.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Severity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every policy under {@code checks/} exercises the lint checks and states, on the offending
 * lines, the warnings they must report:
 *
 * <pre>
 *       - { match: { src: 10.0.0.0/8 }, action: accept }  # expect-warning@9: PC7002 shadowed
 * </pre>
 *
 * <p>{@code # expect-warning@COLUMN: CODE TEXT} expects a warning on that line, at that column,
 * whose message contains {@code TEXT} ({@code expect-error@…} an error). Checking the file must
 * report exactly the expected diagnostics, so the rules without an expectation prove that the
 * checks stay quiet about them: a fixture holds both the cases a check must find and the near
 * misses it must not. A fixture that expects nothing says {@code # expect-none}. A line {@code #
 * options: max-expansion=N management-port=P} sets the checks' limits for the file.
 */
public class CheckFixturesTest {
  private static final Pattern EXPECT = Pattern.compile(
      "#\\s*expect-(error|warning)(?:@(\\d+))?:\\s*(PC\\d{4})\\s*(.*?)\\s*(?=#\\s*expect-|$)");
  private static final Pattern OPTIONS = Pattern.compile("^#\\s*options:(.*)$");
  private static final Pattern NONE = Pattern.compile("#\\s*expect-none\\b");

  /** One expectation, or one reported diagnostic, reduced to what the file can state. */
  private record Entry(int line, int column, String code, Severity severity, String text) {
    String key() {
      return line + ":" + column + " " + code;
    }

    @Override
    public String toString() {
      return line + ":" + column + ": " + severity.name().toLowerCase(Locale.ROOT) + " " + code
          + " " + text;
    }
  }

  @TestFactory
  Stream<DynamicTest> everyFixtureReportsExactlyItsExpectations() throws IOException {
    return fixtures().stream()
        .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> check(f)));
  }

  /** Each check is exercised here: some fixture expects its code. */
  @Test
  void everyCheckHasAFixture() throws IOException {
    Set<Code> expected = expectedCodes();
    Set<String> missing = new TreeSet<>();
    for (Check c : Checks.all()) {
      if (!expected.contains(c.code())) {
        missing.add(c.code() + " (" + c.getClass().getSimpleName() + ")");
      }
    }
    assertEquals(Set.of(), missing, "checks no fixture under checks/ expects");
  }

  private static void check(Path file) throws IOException {
    List<String> lines = Files.readString(file, StandardCharsets.UTF_8).lines().toList();
    List<Entry> expected = expectations(lines);
    boolean none = lines.stream().anyMatch(l -> NONE.matcher(l).find());
    if (expected.isEmpty() == !none) {
      fail(file + (none ? " says '# expect-none' but expects diagnostics"
          : " has no '# expect-warning@COLUMN:' comment; a fixture that expects nothing says"
              + " '# expect-none'"));
    }
    List<Entry> actual = diagnostics(file, options(file, lines));
    List<String> problems = new ArrayList<>();
    for (Entry e : expected) {
      if (e.text().isEmpty()) {
        problems.add("expectation without message text: " + e);
      }
      if (e.column() == 0) {
        problems.add("expectation without a column (write expect-"
            + e.severity().name().toLowerCase(Locale.ROOT) + "@COLUMN:): " + e);
      }
    }
    List<String> want = expected.stream().map(Entry::key).sorted().toList();
    List<String> got = actual.stream().map(Entry::key).sorted().toList();
    if (!want.equals(got)) {
      problems.add("the reported (line, column, code) triples differ from the expected ones");
    }
    for (Entry e : expected) {
      for (Entry a : actual) {
        if (a.key().equals(e.key())) {
          if (a.severity() != e.severity()) {
            problems.add("expected " + e + " but it is reported as a "
                + a.severity().name().toLowerCase(Locale.ROOT));
          }
          if (!a.text().contains(e.text())) {
            problems.add("message of " + a + "\n      does not contain: " + e.text());
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      fail(file + ":\n  " + String.join("\n  ", problems)
          + "\n  expected:\n" + list(expected) + "  actual:\n" + list(actual));
    }
  }

  private static String list(List<Entry> entries) {
    if (entries.isEmpty()) {
      return "    (none)\n";
    }
    return entries.stream().map(e -> "    " + e + "\n").collect(Collectors.joining());
  }

  /** The limits the file's {@code # options:} line sets, or the defaults. */
  private static CheckOptions options(Path file, List<String> lines) {
    int expansion = CheckOptions.DEFAULT_MAX_EXPANSION;
    int port = CheckOptions.DEFAULT_MANAGEMENT_PORT;
    for (String l : lines) {
      Matcher m = OPTIONS.matcher(l);
      if (!m.find()) {
        continue;
      }
      for (String kv : m.group(1).trim().split("\\s+")) {
        String[] p = kv.split("=", 2);
        if (p.length != 2) {
          fail(file + ": option '" + kv + "' is not NAME=VALUE");
        }
        switch (p[0]) {
          case "max-expansion" -> expansion = Integer.parseInt(p[1]);
          case "management-port" -> port = Integer.parseInt(p[1]);
          default -> fail(file + ": unknown option '" + p[0] + "'");
        }
      }
    }
    return new CheckOptions(expansion, port, true);
  }

  /** Every code some fixture expects (see DiagnosticCodesTest). */
  public static Set<Code> expectedCodes() throws IOException {
    Set<Code> out = EnumSet.noneOf(Code.class);
    for (Path f : fixtures()) {
      for (Entry e : expectations(Files.readString(f, StandardCharsets.UTF_8).lines().toList())) {
        out.add(Code.valueOf(e.code()));
      }
    }
    return out;
  }

  private static List<Entry> expectations(List<String> lines) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = EXPECT.matcher(lines.get(i));
      while (m.find()) {
        Severity s = m.group(1).equals("error") ? Severity.ERROR : Severity.WARNING;
        int column = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        out.add(new Entry(i + 1, column, m.group(3), s, m.group(4)));
      }
    }
    return out;
  }

  private static List<Entry> diagnostics(Path file, CheckOptions options) {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(file);
    List<Diagnostic> all = new ArrayList<>(read.diagnostics());
    if (read.policy() != null) {
      all.addAll(PolicyCompiler.check(read.policy(), options).diagnostics());
    }
    List<Entry> out = new ArrayList<>();
    for (Diagnostic d : all) {
      boolean here = d.pos().file().equals(file.toString()) && d.pos().known();
      out.add(new Entry(here ? d.pos().line() : -1, here ? d.pos().column() : -1,
          d.code().name(), d.severity(), d.message() + (here ? "" : " [at " + d.pos() + "]")));
    }
    out.sort(Comparator.comparingInt(Entry::line).thenComparingInt(Entry::column));
    return out;
  }

  /** {@code src/test/resources/checks}, where Maven runs the test (the module folder). */
  static List<Path> fixtures() throws IOException {
    Path dir = Path.of("src", "test", "resources", "checks");
    assertTrue(Files.isDirectory(dir), "no fixture folder " + dir.toAbsolutePath());
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }
}
