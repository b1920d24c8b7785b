package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.emit.ipset.IpsetEmitter;
import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.Family;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden pairs: every policy in {@code policies/} compiles at {@code -O0} to exactly the files
 * recorded under {@code src/test/resources/golden/<policy>/} (the rules as written, byte for byte
 * what policyc emitted before the optimizer existed), and at {@code -O2}, the default, to those
 * under {@code src/test/resources/golden-O2/<policy>/}; compiling or emitting again gives the same
 * bytes. Re-record with {@code -Dpolicyc.golden.update=true} and read the diff before
 * committing.
 */
class GoldenTest {
  private static final boolean UPDATE = Boolean.getBoolean("policyc.golden.update");

  static Path goldenRoot() {
    return goldenRoot(OptLevel.O0);
  }

  /** Where the golden files of a level are: {@code golden} for -O0, {@code golden-O2}. */
  static Path goldenRoot(OptLevel level) {
    return Repo.root().resolve("compiler/src/test/resources/golden"
        + (level == OptLevel.O0 ? "" : "-" + level));
  }

  /** The levels with golden files. */
  private static final List<OptLevel> LEVELS = List.of(OptLevel.O0, OptLevel.O2);

  static List<Path> policyFiles() throws IOException {
    try (Stream<Path> s = Files.list(Repo.policies())) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyExampleMatchesItsGoldenFiles() throws IOException {
    return policyFiles().stream().flatMap(file -> LEVELS.stream().map(level ->
        DynamicTest.dynamicTest(file.getFileName() + " -" + level, () -> check(file, level))));
  }

  private static void check(Path file, OptLevel level) throws IOException {
    String name = file.getFileName().toString().replace(".yaml", "");
    PolicyCompiler.ReadResult read = read(file);
    assertTrue(read.diagnostics().isEmpty(), read.diagnostics().toString());
    Compilation first = PolicyCompiler.compile(read.policy(), new CompileOptions(level));
    assertTrue(first.ok(), first.diagnostics().toString());
    Map<String, String> files = first.files();

    // Deterministic and idempotent: a second compile and a second emit give the same bytes.
    Compilation second = PolicyCompiler.compile(read(file).policy(), new CompileOptions(level));
    assertEquals(files, second.files(), "compiling twice differs");
    for (Family f : Family.values()) {
      String a = IptablesEmitter.emit(first.ir().ruleset(f), first.ir().name());
      String b = IptablesEmitter.emit(first.ir().ruleset(f), first.ir().name());
      assertEquals(a, b, "emitting " + f + " twice differs");
    }
    assertEquals(IpsetEmitter.emit(first.ir().sets(), "x"), IpsetEmitter.emit(first.ir().sets(),
        "x"));

    Path dir = goldenRoot(level).resolve(name);
    if (UPDATE) {
      Files.createDirectories(dir);
      try (Stream<Path> old = Files.list(dir)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
      for (Map.Entry<String, String> e : files.entrySet()) {
        Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
      }
      return;
    }
    if (!Files.isDirectory(dir)) {
      fail("no golden files for " + file + " in " + dir
          + " (record them with -Dpolicyc.golden.update=true)");
    }
    Set<String> recorded = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> recorded.add(p.getFileName().toString()));
    }
    assertEquals(recorded, new TreeSet<>(files.keySet()),
        "the files written differ from the golden files of " + name);
    for (Map.Entry<String, String> e : files.entrySet()) {
      String golden = Files.readString(dir.resolve(e.getKey()), StandardCharsets.UTF_8);
      assertEquals(golden, e.getValue(), name + "/" + e.getKey() + " differs from its golden");
    }
  }

  /** Reads a policy under its path relative to the repository, as the README's command does. */
  private static PolicyCompiler.ReadResult read(Path file) throws IOException {
    return PolicyCompiler.read(Repo.root().relativize(file).toString(),
        Files.readString(file, StandardCharsets.UTF_8));
  }

  @Test
  void everyGoldenFolderHasAPolicy() throws IOException {
    if (UPDATE) {
      return;
    }
    Set<String> policies = new TreeSet<>();
    for (Path p : policyFiles()) {
      policies.add(p.getFileName().toString().replace(".yaml", ""));
    }
    List<String> orphans = new ArrayList<>();
    for (OptLevel level : LEVELS) {
      try (Stream<Path> s = Files.list(goldenRoot(level))) {
        s.map(p -> p.getFileName().toString()).filter(n -> !policies.contains(n))
            .forEach(n -> orphans.add(level + "/" + n));
      }
    }
    assertEquals(List.of(), orphans, "golden folders without a policy");
  }
}
