package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.testing.Expectations;
import dev.policyc.compiler.testing.Expectations.Entry;
import dev.policyc.dsl.diag.Code;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
  private static final int MIN_FILES = 30;

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
    Expectations.assertExactly(file, expected, Expectations.reported(file,
        CheckOptions.defaults()));
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
    return Expectations.parse(
        new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList());
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
