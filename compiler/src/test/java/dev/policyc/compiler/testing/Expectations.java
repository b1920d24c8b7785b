package dev.policyc.compiler.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Severity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * In-place expectations of policy fixtures ({@code # expect-error@COLUMN: CODE text} and {@code
 * # expect-warning@…}), shared by the bad-policy and the lint-check fixture tests: parsing them,
 * the diagnostics a file really gets, and the comparison of the two.
 */
public final class Expectations {
  /** The column is optional here so that its absence is reported as a mistake of the fixture. */
  private static final Pattern EXPECT = Pattern.compile(
      "#\\s*expect-(error|warning)(?:@(\\d+))?:\\s*(PC\\d{4})\\s*(.*?)\\s*(?=#\\s*expect-|$)");

  private Expectations() {}

  /** One expectation, or one reported diagnostic, reduced to what the file can state. */
  public record Entry(int line, int column, String code, Severity severity, String text) {
    String key() {
      return line + ":" + column + " " + code;
    }

    @Override
    public String toString() {
      return line + ":" + column + ": " + severity.name().toLowerCase(Locale.ROOT) + " " + code
          + " " + text;
    }
  }

  /** The expectations written in a file's lines, in line order. */
  public static List<Entry> parse(List<String> lines) {
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
  public static List<Entry> reported(Path file, CheckOptions options) {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(file);
    List<Diagnostic> all = new ArrayList<>(read.diagnostics());
    if (read.policy() != null) {
      all.addAll(PolicyCompiler.check(read.policy(), options).diagnostics());
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

  /**
   * Fails unless {@code actual} is exactly {@code expected}: the same codes at the same lines and
   * columns, each message containing its expected text, the same severities; and every
   * expectation has a column and a text.
   */
  public static void assertExactly(Path file, List<Entry> expected, List<Entry> actual) {
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
}
