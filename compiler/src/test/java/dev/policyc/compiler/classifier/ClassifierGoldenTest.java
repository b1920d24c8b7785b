package dev.policyc.compiler.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The text of a small generated classifier, byte for byte: the JavaPoet-made classes (the
 * runtime is copied from templates and checked by behaviour). Re-record with {@code
 * -Dpolicyc.golden.update=true} and read the diff before committing.
 */
class ClassifierGoldenTest {
  private static final boolean UPDATE = Boolean.getBoolean("policyc.golden.update");

  @Test
  void smallClassifierSourceIsAsRecorded() throws IOException {
    Path dir = Repo.root().resolve("compiler/src/test/resources/classifier");
    CheckResult checked = PolicyCompiler.check(
        PolicyCompiler.read(dir.resolve("small-firewall.yaml")).policy());
    assertTrue(checked.ok(), checked.diagnostics().toString());
    GeneratedClassifier g = ClassifierGenerator.generate(checked.ir(), "com.example.fw", "0.0.0");
    assertEquals("SmallFirewallClassifier", g.className());
    assertEquals(List.of("com/example/fw/SmallFirewallClassifier.java",
        "com/example/fw/Decision.java", "com/example/fw/Engine.java",
        "com/example/fw/Host.java", "com/example/fw/Ipvs.java",
        "com/example/fw/IpvsService.java", "com/example/fw/Packet.java",
        "com/example/fw/Vocabulary.java"),
        List.copyOf(g.sources().keySet()));
    assertEquals(List.of("com/example/fw/SmallFirewallClassifier.tables"),
        List.copyOf(g.resources().keySet()));
    for (String name : List.of("SmallFirewallClassifier.java", "Vocabulary.java")) {
      String text = g.sources().get("com/example/fw/" + name);
      Path golden = dir.resolve(name + ".golden");
      if (UPDATE) {
        Files.writeString(golden, text, StandardCharsets.UTF_8);
      }
      assertEquals(Files.readString(golden, StandardCharsets.UTF_8), text, name);
    }
    // and it decides: SSH from the office is accepted with its comment, other SSH is dropped
    LoadedClassifier c = ClassifierCompiler.load(g);
    assertEquals("DELIVERED\n  state new mark 0x0 ctmark 0x0 tos 0x0 ttl 64 len 40\n"
        + "  INPUT filter/INPUT #3 (" + dir.resolve("small-firewall.yaml") + ":11:9) "
        + "\"SSH from the office\"",
        c.decide("tcp 198.51.100.7:40000 -> 192.0.2.10:22 in eth0"));
    assertTrue(c.decide("tcp 203.0.113.7:40000 -> 192.0.2.10:22 in eth0")
        .endsWith("INPUT filter/INPUT policy DROP"));
  }
}
