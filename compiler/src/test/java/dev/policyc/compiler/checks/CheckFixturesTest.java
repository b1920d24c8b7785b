package dev.policyc.compiler.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.testing.Expectations;
import dev.policyc.compiler.testing.Expectations.Entry;
import dev.policyc.dsl.diag.Code;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Pattern OPTIONS = Pattern.compile("^#\\s*options:(.*)$");
  private static final Pattern NONE = Pattern.compile("#\\s*expect-none\\b");

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
    Expectations.assertExactly(file, expected,
        Expectations.reported(file, options(file, lines)));
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
    return Expectations.parse(lines);
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
