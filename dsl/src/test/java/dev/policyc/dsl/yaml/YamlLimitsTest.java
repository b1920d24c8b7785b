package dev.policyc.dsl.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reader's limits (docs/policy-format.md, "Limits"): 64 MiB an input, read before parsing;
 * 1 Mi characters a string; 64 levels of nesting; one document. Past a limit the reader stops
 * at once with PC0007 and the position, whichever way the text arrives.
 */
class YamlLimitsTest {
  @Test
  void readsAPolicyOf100KRulesThroughSnakeYaml() throws Exception {
    StringBuilder b = new StringBuilder("policy: big\nfilter:\n  FORWARD:\n    rules:\n");
    int rules = 100_000;
    for (int r = 1; r <= rules; r++) {
      b.append("      - { match: { src: 10.").append(r >> 16 & 255).append('.')
          .append(r >> 8 & 255).append('.').append(r & 255)
          .append("/32, proto: tcp, dport: \"22\" }, action: accept, comment: \"")
          .append(r).append("\" }\n");
    }
    // past SnakeYAML's default cap of 3 Mi code points, which refused such a policy
    assertTrue(b.length() > 3 * 1024 * 1024, () -> b.length() + " characters");
    // through SnakeYAML (a reader), and through the fast reader of plain YAML (a string)
    Policy p = PolicyYamlReader.read("big.yaml", new StringReader(b.toString()));
    assertEquals(rules, p.chains().get(0).rules().size());
    assertEquals(p, PolicyYamlReader.read("big.yaml", b.toString()));
  }

  @Test
  void refusesAnEndlessInputOnceTheLimitIsRead() {
    long[] read = {0};
    InputStream zeros = new InputStream() {
      @Override
      public int read() {
        read[0]++;
        return 0;
      }

      @Override
      public int read(byte[] buf, int off, int len) {
        Arrays.fill(buf, off, off + len, (byte) 0);
        read[0] += len;
        return len;
      }
    };
    Diagnostic d = only(assertThrows(PolicyParseException.class,
        () -> PolicyYamlReader.read("/dev/zero", zeros)));
    assertEquals(Code.PC0007, d.code());
    assertEquals(new SourcePos("/dev/zero", 1, InputText.MAX_BYTES + 1), d.pos());
    assertEquals("the input is longer than 64 MiB; policyc reads no further", d.message());
    assertEquals(InputText.MAX_BYTES + 1, read[0]);
  }

  @Test
  void anInputOfExactlyTheLimitIsRead() throws Exception {
    byte[] text = new byte[InputText.MAX_BYTES];
    Arrays.fill(text, (byte) ' ');
    byte[] head = "policy: x\n".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, text, 0, head.length);
    text[text.length - 1] = '\n';
    assertEquals(InputText.MAX_BYTES,
        InputText.read("edge.yaml", new ByteArrayInputStream(text)).length());
  }

  @Test
  void aStringOfExactlyTheLimitIsRead() throws Exception {
    String text = "policy: x\ndescription: \"" + "a".repeat(YamlTreeReader.MAX_STRING_CHARS)
        + "\"\n";
    assertEquals(YamlTreeReader.MAX_STRING_CHARS,
        PolicyYamlReader.read("long.yaml", new StringReader(text)).description().length());
  }

  @Test
  void refusesAStringLongerThan1MiCharactersWithItsPosition() {
    String text = "policy: x\ndescription: \"" + "a b ".repeat(YamlTreeReader.MAX_STRING_CHARS / 4)
        + "c\"\n";
    Diagnostic d = only(assertThrows(PolicyParseException.class,
        () -> PolicyYamlReader.read("long.yaml", text)));
    assertEquals(Code.PC0007, d.code(), d.toString());
    assertEquals(new SourcePos("long.yaml", 2, 14), d.pos());
    assertEquals("a string of 1048577 characters; the limit is 1024 Ki characters", d.message());
  }

  /**
   * Issue 13, defect 2: a 50 MB string took SnakeYAML 6.5 minutes and 1.9 GB before it was
   * refused, without a position; a word that long is now refused as it is read. The bound on
   * the time is loose (the run takes about a second) so that a busy machine does not fail it.
   */
  @Test
  void refusesA50MbWordAsItIsReadWithItsPosition() {
    for (String quote : List.of("\"", "'", "")) {
      String text = "policy: x\ndescription: " + quote + "ab:".repeat(50_000_000 / 3) + quote
          + "\n";
      Diagnostic d = only(assertThrows(PolicyParseException.class,
          () -> assertTimeoutPreemptively(Duration.ofSeconds(60),
              () -> PolicyYamlReader.read("long.yaml", new StringReader(text)))));
      assertEquals(Code.PC0007, d.code(), d.toString());
      assertEquals(new SourcePos("long.yaml", 2, 14 + quote.length()), d.pos(), quote);
      assertTrue(d.message().startsWith("a word of more than 1024 Ki characters"), d.message());
    }
  }

  @Test
  void refusesNestingDeeperThan64Levels() {
    String text = "policy: x\nfilter: " + "[".repeat(1_000_000) + "\n";
    Diagnostic d = only(assertThrows(PolicyParseException.class,
        () -> PolicyYamlReader.read("deep.yaml", text)));
    assertEquals(Code.PC0007, d.code(), d.toString());
    // the root mapping is the first level, the first [ the second: the 64th [ is the 65th
    assertEquals(new SourcePos("deep.yaml", 2, 9 + 63), d.pos());
    assertEquals("the document nests deeper than 64 levels", d.message());
  }

  @Test
  void readsOneDocumentOnly() {
    String text = "policy: x\n" + "---\n".repeat(1_000_000);
    Diagnostic d = only(assertThrows(PolicyParseException.class,
        () -> PolicyYamlReader.read("docs.yaml", text)));
    assertEquals(Code.PC0001, d.code(), d.toString());
    assertEquals(new SourcePos("docs.yaml", 3, 1), d.pos());
  }

  private static Diagnostic only(PolicyParseException e) {
    assertEquals(1, e.diagnostics().size(), e.diagnostics().toString());
    return e.diagnostics().get(0);
  }
}
