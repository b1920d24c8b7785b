package dev.policyc.compiler.emit.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files of the IPVS emitters: each folder under {@code src/test/resources/ipvs/} holds a
 * {@code policy.yaml} and the {@code ipvs.rules}, {@code interfaces.sh} and {@code
 * keepalived.conf} it compiles to, byte for byte; compiling twice gives the same bytes.
 * Re-record with {@code -Dpolicyc.golden.update=true} and read the diff before committing.
 */
class IpvsEmitterGoldenTest {
  private static final boolean UPDATE = Boolean.getBoolean("policyc.golden.update");
  private static final List<String> FILES = List.of(PolicyCompiler.IPVS_RULES,
      PolicyCompiler.INTERFACES, PolicyCompiler.KEEPALIVED);

  @TestFactory
  Stream<DynamicTest> everyCaseMatchesItsGoldenFiles() throws IOException {
    Path root = Repo.root().resolve("compiler/src/test/resources/ipvs");
    try (Stream<Path> s = Files.list(root)) {
      return s.sorted().toList().stream().map(dir -> DynamicTest.dynamicTest(
          dir.getFileName().toString(), () -> check(dir)));
    }
  }

  private static void check(Path dir) throws IOException {
    PolicyCompiler.ReadResult read = PolicyCompiler.read(dir.resolve("policy.yaml"));
    assertTrue(read.policy() != null, read.diagnostics().toString());
    Compilation c = PolicyCompiler.compile(read.policy());
    assertTrue(c.ok(), c.diagnostics().toString());
    assertEquals(c.files(), PolicyCompiler.compile(read.policy()).files(), "not deterministic");
    for (String f : FILES) {
      String text = c.files().get(f);
      assertTrue(text != null, "no " + f);
      Path golden = dir.resolve(f);
      if (UPDATE) {
        Files.writeString(golden, text, StandardCharsets.UTF_8);
      } else if (!Files.exists(golden)) {
        fail("no golden " + golden + " (record with -Dpolicyc.golden.update=true)");
      } else {
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), text, f);
      }
    }
  }
}
