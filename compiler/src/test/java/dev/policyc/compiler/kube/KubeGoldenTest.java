package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Goldens of {@code policyc kube}: each folder under {@code kube/golden/} holds manifests.yaml
 * and, compiled with the node facts of kube/node.yaml (the IPv4 proxier), the files of each
 * mode under {@code iptables/} and {@code ipvs/}, byte for byte; a file missing or left over
 * fails. {@code kube/golden-ipv6/} is the same with kube/ipv6/node.yaml (the IPv6 proxier);
 * its dual-stack case is also under {@code golden/}. Re-record with {@code
 * -Dpolicyc.golden.update=true} and read the diff before committing.
 */
class KubeGoldenTest {
  private static final boolean UPDATE = Boolean.getBoolean("policyc.golden.update");
  private static final Path GOLDEN = KubeFiles.DIR.resolve("golden");
  private static final Path GOLDEN6 = KubeFiles.DIR.resolve("golden-ipv6");

  @TestFactory
  Stream<DynamicTest> eachCaseInEachMode() throws IOException {
    return cases(GOLDEN, KubeFiles.node(), 10);
  }

  @TestFactory
  Stream<DynamicTest> eachIpv6CaseInEachMode() throws IOException {
    return cases(GOLDEN6, KubeFiles.node6(), 7);
  }

  private static Stream<DynamicTest> cases(Path root, KubeCompiler.Input node, int least)
      throws IOException {
    List<Path> cases;
    try (Stream<Path> s = Files.list(root)) {
      cases = s.filter(Files::isDirectory).sorted().toList();
    }
    assertTrue(cases.size() >= least, "golden cases: " + cases);
    return cases.stream().flatMap(c -> Stream.of(KubeCompiler.Mode.values())
        .map(m -> DynamicTest.dynamicTest(c.getFileName() + " " + word(m),
            () -> check(c, node, m))));
  }

  private static String word(KubeCompiler.Mode m) {
    return m.name().toLowerCase(Locale.ROOT);
  }

  private static void check(Path dir, KubeCompiler.Input node, KubeCompiler.Mode mode)
      throws IOException {
    KubeCompiler.Result r = KubeFiles.compile(dir.resolve("manifests.yaml"), node, mode);
    assertTrue(r.ok(), r.diagnostics().toString());
    // Twice: the output depends on the input only.
    assertEquals(r.files(),
        KubeFiles.compile(dir.resolve("manifests.yaml"), node, mode).files());
    Path out = dir.resolve(word(mode));
    if (UPDATE) {
      Files.createDirectories(out);
      for (Map.Entry<String, String> f : r.files().entrySet()) {
        Files.writeString(out.resolve(f.getKey()), f.getValue());
      }
    }
    TreeSet<String> recorded = new TreeSet<>();
    try (Stream<Path> s = Files.list(out)) {
      s.forEach(p -> recorded.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("no goldens in " + out
          + " (record them with -Dpolicyc.golden.update=true)", e);
    }
    assertEquals(recorded, new TreeSet<>(r.files().keySet()), "files of " + out);
    for (Map.Entry<String, String> f : r.files().entrySet()) {
      assertEquals(Files.readString(out.resolve(f.getKey())), f.getValue(),
          out.resolve(f.getKey()).toString());
    }
  }
}
