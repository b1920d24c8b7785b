package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Severity;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every policy under {@code bad/} is wrong on purpose and says so on the offending lines, with a
 * trailing comment that states the column, the code and part of the message:
 *
 * <pre>
 *       - { match: { src: admins }, action: accept }  # expect-error@25: PC1001 unknown network
 * </pre>
 *
 * <p>{@code # expect-error@COLUMN: CODE TEXT} expects an error on that line, at that column (the
 * 1-based character of the line where the offending key or value starts), whose message contains
 * {@code TEXT}; {@code # expect-warning@COLUMN: …} expects a warning. A line may carry several
 * expectations. Reading and checking the file must report exactly those diagnostics: the same
 * codes at the same lines and columns, each message containing its text, and nothing else.
 */
class BadPolicyTest {
  /**
   * {@code # expect-error@12: PC1001 text}; the column is optional here so that its absence is
   * reported as a mistake of the fixture.
   */
  private static final Pattern EXPECT = Pattern.compile(
      "#\\s*expect-(error|warning)(?:@(\\d+))?:\\s*(PC\\d{4})\\s*(.*?)\\s*(?=#\\s*expect-|$)");
  private static final int MIN_FILES = 30;

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
  Stream<DynamicTest> everyBadPolicyReportsExactlyItsExpectations() throws IOException {
    return policies().stream()
        .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> check(f)));
  }

  @Test
  void theFolderHoldsAtLeastThirtyPolicies() throws IOException {
    List<Path> files = policies();
    assertTrue(files.size() >= MIN_FILES,
        "expected at least " + MIN_FILES + " bad policies in " + folder() + ", found "
            + files.size());
  }

  private static void check(Path file) throws IOException {
    List<Entry> expected = expectations(file);
    if (expected.isEmpty()) {
      fail(file + " has no '# expect-error:' or '# expect-warning:' comment; a bad policy must"
          + " say what is wrong with it");
    }
    List<Entry> actual = diagnostics(file);
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

  /** Every code that some fixture expects (see {@link DiagnosticCodesTest}). */
  static Set<Code> expectedCodes() throws IOException {
    Set<Code> out = EnumSet.noneOf(Code.class);
    for (Path f : policies()) {
      for (Entry e : expectations(f)) {
        out.add(Code.valueOf(e.code()));
      }
    }
    return out;
  }

  /** The expectations written in the file, in line order. */
  private static List<Entry> expectations(Path file) throws IOException {
    // Leniently: a policy that is bad because it is not UTF-8 still has ASCII expectations.
    List<String> lines =
        new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
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

  /** Every error and warning from reading the file and, when it parsed, from checking it. */
  private static List<Entry> diagnostics(Path file) {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(file);
    List<Diagnostic> all = new ArrayList<>(read.diagnostics());
    if (read.policy() != null) {
      all.addAll(PolicyCompiler.check(read.policy()).diagnostics());
    }
    List<Entry> out = new ArrayList<>();
    for (Diagnostic d : all) {
      // A diagnostic placed in another file, or nowhere, cannot match a line of this one.
      boolean here = d.pos().file().equals(file.toString()) && d.pos().known();
      out.add(new Entry(here ? d.pos().line() : -1, here ? d.pos().column() : -1,
          d.code().name(), d.severity(), d.message() + (here ? "" : " [at " + d.pos() + "]")));
    }
    out.sort(Comparator.comparingInt(Entry::line).thenComparingInt(Entry::column));
    return out;
  }

  static List<Path> policies() throws IOException {
    Path dir = folder();
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /**
   * {@code src/test/resources/bad} when the test runs in the module (as Maven runs it), so that a
   * file deleted there is gone at once; else {@code bad/} on the test class path.
   */
  private static Path folder() {
    Path src = Path.of("src", "test", "resources", "bad");
    if (Files.isDirectory(src)) {
      return src;
    }
    URL url = BadPolicyTest.class.getResource("/bad");
    if (url != null && url.getProtocol().equals("file")) {
      try {
        return Path.of(url.toURI());
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("cannot find the bad/ policies in " + src.toAbsolutePath()
        + " or on the test class path");
  }
}
