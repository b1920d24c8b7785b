package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every policy under {@code bad/} is wrong on purpose and says so on the offending lines, with a
 * trailing comment {@code # expect-error: PC1001 unknown network group 'admins'} (or {@code
 * # expect-warning: …}). Reading and checking the file must report exactly those diagnostics:
 * the same codes on the same lines, each message containing the text after the code, and
 * nothing else. A line may carry several expectations.
 */
class BadPolicyTest {
  private static final Pattern EXPECT =
      Pattern.compile("#\\s*expect-(error|warning):\\s*(PC\\d{4})\\s*(.*?)\\s*(?=#\\s*expect-|$)");
  private static final int MIN_FILES = 30;

  /** One expectation, or one reported diagnostic, reduced to what the file can state. */
  private record Entry(int line, String code, Severity severity, String text) {
    String key() {
      return line + " " + code;
    }

    @Override
    public String toString() {
      return "line " + line + ": " + severity.name().toLowerCase(Locale.ROOT) + " " + code + " "
          + text;
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
    }
    List<String> want = expected.stream().map(Entry::key).sorted().toList();
    List<String> got = actual.stream().map(Entry::key).sorted().toList();
    if (!want.equals(got)) {
      problems.add("the reported (line, code) pairs differ from the expected ones");
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
        out.add(new Entry(i + 1, m.group(2), s, m.group(3)));
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
      int line = d.pos().file().equals(file.toString()) ? d.pos().line() : -1;
      out.add(new Entry(line, d.code().name(), d.severity(),
          d.message() + (line < 0 ? " [at " + d.pos() + "]" : "")));
    }
    out.sort(Comparator.comparingInt(Entry::line));
    return out;
  }

  private static List<Path> policies() throws IOException {
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
