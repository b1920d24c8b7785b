package dev.policyc.compiler.kube;

import java.util.List;

/** Placeholder while the report is written. */
public final class KubeReport {
  public static final List<Integer> SIZES = List.of(100, 1000, 10000);

  private KubeReport() {}

  /** A printed table. */
  public record Table(String text) {}

  public static Table measure(List<KubeCompiler.Input> manifests, KubeCompiler.Input node,
      List<Integer> sizes, long seed) {
    return new Table("");
  }
}
