package dev.policyc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The output writer keeps every write under the output folder even when handed an IR whose name
 * lowering would have refused (PC1012): a name is one folder or nothing is written.
 */
class OutputWriterTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"../escaped", "..", ".", "", "a/b"})
  void aNameThatIsNotOneFolderWritesNothing(String name) throws IOException {
    Path out = Files.createDirectories(tmp.resolve("x/out"));
    Compilation good = PolicyCompiler.compile(Policy.named("good").build());
    Compilation bad = renamed(good, name);
    Optional<Diagnostic> failure = OutputWriter.write(out, List.of(good, bad), true);
    assertTrue(failure.isPresent());
    assertEquals(Code.PC0011, failure.get().code());
    assertTrue(failure.get().message().contains("policy name '" + name
        + "' is not one folder name"), failure.get().message());
    try (Stream<Path> s = Files.walk(tmp)) {
      assertEquals(List.of("", "x", "x/out"),
          s.map(p -> tmp.relativize(p).toString()).sorted().toList());
    }
  }

  private static Compilation renamed(Compilation c, String name) {
    IrPolicy ir = c.ir();
    return new Compilation(c.lowered(), new IrPolicy(name, ir.host(), ir.sets(), ir.ipv4(),
        ir.ipv6()), c.diagnostics(), c.files(), c.passes());
  }
}
