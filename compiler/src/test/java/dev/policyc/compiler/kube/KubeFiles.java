package dev.policyc.compiler.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The test files under src/test/resources/kube. */
final class KubeFiles {
  static final Path DIR = Path.of("src/test/resources/kube");

  private KubeFiles() {}

  static String text(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static KubeCompiler.Input input(Path p) {
    return new KubeCompiler.Input(p.toString(), text(p));
  }

  static KubeCompiler.Input node() {
    return input(DIR.resolve("node.yaml"));
  }

  /** The facts of an IPv6 proxier (kube/ipv6/node.yaml). */
  static KubeCompiler.Input node6() {
    return input(DIR.resolve("ipv6/node.yaml"));
  }

  static KubeCompiler.Result compile(Path manifests, KubeCompiler.Mode mode) {
    return KubeCompiler.compile(List.of(input(manifests)), node(), mode);
  }

  static KubeCompiler.Result compile(Path manifests, KubeCompiler.Input node,
      KubeCompiler.Mode mode) {
    return KubeCompiler.compile(List.of(input(manifests)), node, mode);
  }
}
