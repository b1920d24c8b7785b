package dev.policyc.dsl.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.Policy;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

/** The reader's size limits: the documented 64 Mi characters a document, 1 Mi a string. */
class YamlLimitsTest {
  @Test
  void readsADocumentPastSnakeYamlsDefaultCapOf3MiCodePoints() throws Exception {
    StringBuilder b = new StringBuilder("policy: big\nfilter:\n  FORWARD:\n    rules:\n");
    int rules = 0;
    while (b.length() < 4 * 1024 * 1024) {
      rules++;
      b.append("      - { match: { src: 10.").append(rules >> 16 & 255).append('.')
          .append(rules >> 8 & 255).append('.').append(rules & 255)
          .append("/32, proto: tcp, dport: \"22\" }, action: accept, comment: \"")
          .append(rules).append("\" }\n");
    }
    // through SnakeYAML (a reader), and through the fast reader of plain YAML (a string)
    Policy p = PolicyYamlReader.read("big.yaml", new StringReader(b.toString()));
    assertEquals(rules, p.chains().get(0).rules().size());
    assertEquals(p, PolicyYamlReader.read("big.yaml", b.toString()));
  }

  @Test
  void refusesAStringLongerThan1MiCharacters() {
    String text = "policy: x\ndescription: \"" + "a".repeat(YamlTreeReader.MAX_STRING_CHARS + 1)
        + "\"\n";
    PolicyParseException e =
        assertThrows(PolicyParseException.class, () -> PolicyYamlReader.read("long.yaml", text));
    Diagnostic d = e.diagnostics().get(0);
    assertEquals(Code.PC0007, d.code(), d.toString());
    assertTrue(d.message().contains("size limit"), d.toString());
  }
}
