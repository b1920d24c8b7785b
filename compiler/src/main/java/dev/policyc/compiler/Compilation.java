package dev.policyc.compiler;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.optimize.PassStats;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of compiling one policy.
 *
 * @param lowered the IR as lowering built it, before any pass: the reference the passes are
 *     checked against; null when there were errors
 * @param ir the IR the files were emitted from, after every pass; null when there were errors
 * @param diagnostics every error and warning, sorted by position
 * @param files file name → content, in a fixed order; empty when there were errors
 * @param passes what each pass did, in the order they ran
 */
public record Compilation(
    IrPolicy lowered,
    IrPolicy ir,
    List<Diagnostic> diagnostics,
    Map<String, String> files,
    List<PassStats> passes) {
  public Compilation {
    diagnostics = List.copyOf(diagnostics);
    files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    passes = List.copyOf(passes);
  }

  static Compilation failed(List<Diagnostic> diagnostics) {
    return new Compilation(null, null, diagnostics, Map.of(), List.of());
  }

  public boolean ok() {
    return ir != null;
  }
}
