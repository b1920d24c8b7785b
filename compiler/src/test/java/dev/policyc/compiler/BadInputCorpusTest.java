package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.cli.Cli;
import dev.policyc.compiler.testing.Expectations;
import dev.policyc.compiler.testing.Expectations.Entry;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.diag.Severity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpus of malformed policy files in {@code bad-inputs/yaml.corpus} (the format is at its
 * top): each case draws exactly its diagnostics, at their lines and columns, and {@code policyc
 * compile} of it exits with status 1 and writes nothing. Where {@link BadPolicyTest}'s fixtures
 * are whole policies about one kind of mistake, these are the small broken files a fuzzer or a
 * hurried edit makes: syntax, structure, types, limits.
 */
class BadInputCorpusTest {
  private static final int MIN_CASES = 60;
  private static final Pattern EXPECT =
      Pattern.compile("expect-(error|warning)@(\\d+):(\\d+):\\s*(PC\\d{4})\\s*(.*)");

  /** One case: its name, what it must draw, and the file's text. */
  record Case(String name, List<Entry> expected, String body) {}

  @TempDir
  Path tmp;

  @TestFactory
  Stream<DynamicTest> everyCaseDrawsExactlyItsDiagnosticsAndWritesNothing() throws IOException {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  @Test
  void theCorpusHoldsAtLeastSixtyNamedCases() throws IOException {
    List<Case> cases = cases();
    assertTrue(cases.size() >= MIN_CASES, "only " + cases.size() + " cases");
    Set<String> names = new HashSet<>();
    for (Case c : cases) {
      assertTrue(names.add(c.name()), "two cases are named " + c.name());
      assertFalse(c.expected().isEmpty(), c.name() + " expects nothing");
    }
  }

  private void check(Case c) throws IOException {
    Path file = Files.writeString(tmp.resolve(c.name() + ".yaml"), c.body(),
        StandardCharsets.UTF_8);
    Expectations.assertExactly(file, c.expected(),
        Expectations.reported(file, CheckOptions.defaults()));
    Path out = tmp.resolve("out");
    Cli.Captured run = Cli.capture("compile", file.toString(), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, run.code(), run.err());
    assertTrue(run.err().contains("; nothing written"), run.err());
    assertFalse(Files.exists(out), "compile of " + c.name() + " created " + out);
  }

  static List<Case> cases() throws IOException {
    Path corpus = Repo.root().resolve("compiler/src/test/resources/bad-inputs/yaml.corpus");
    List<String> lines = Files.readAllLines(corpus, StandardCharsets.UTF_8);
    List<Case> out = new ArrayList<>();
    int i = 0;
    while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
      if (!lines.get(i).isEmpty() && !lines.get(i).startsWith("#")) {
        throw new IllegalStateException(corpus + ":" + (i + 1) + ": neither a comment nor a case");
      }
      i++;
    }
    while (i < lines.size()) {
      String header = lines.get(i++).substring(4).strip();
      boolean escaped = header.endsWith(" (escaped)");
      String name = escaped ? header.substring(0, header.length() - 10).strip() : header;
      List<Entry> expected = new ArrayList<>();
      while (i < lines.size() && !lines.get(i).equals("---")) {
        Matcher m = EXPECT.matcher(lines.get(i));
        if (!m.matches()) {
          throw new IllegalStateException(corpus + ":" + (i + 1) + ": not an expectation");
        }
        expected.add(new Entry(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
            m.group(4), m.group(1).equals("error") ? Severity.ERROR : Severity.WARNING,
            m.group(5)));
        i++;
      }
      i++; // the ---
      StringBuilder body = new StringBuilder();
      while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
        body.append(lines.get(i++)).append('\n');
      }
      out.add(new Case(name, expected, escaped ? unescape(body.toString()) : body.toString()));
    }
    return out;
  }

  /**
   * {@code \r}, {@code \t}, {@code \\} and {@code \}{@code uXXXX} to the characters they stand
   * for (the escaped cases of every corpus: FrontEndCorpusTest's too).
   */
  static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c != '\\' || k + 1 >= s.length()) {
        b.append(c);
        continue;
      }
      char n = s.charAt(++k);
      switch (n) {
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case '\\' -> b.append('\\');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(k + 1, k + 5), 16));
          k += 4;
        }
        default -> throw new IllegalArgumentException("unknown escape \\" + n);
      }
    }
    return b.toString();
  }
}
