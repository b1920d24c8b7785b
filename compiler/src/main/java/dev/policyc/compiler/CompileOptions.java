package dev.policyc.compiler;

import dev.policyc.compiler.optimize.OptLevel;
import java.util.Objects;

/**
 * How to compile a policy.
 *
 * @param level which optimization passes run ({@code -O0} none); legalization runs at every level
 * @param verify whether the pass manager proves each pass with the equivalence engine
 * @param timings whether {@code report.json} gives each pass's time (off by default: with it the
 *     report differs from run to run)
 */
public record CompileOptions(OptLevel level, boolean verify, boolean timings) {
  public CompileOptions {
    Objects.requireNonNull(level, "level");
  }

  public CompileOptions(OptLevel level) {
    this(level, false, false);
  }

  /** The defaults of {@code policyc compile}: {@code -O2}, no proofs, no timings. */
  public static CompileOptions defaults() {
    return new CompileOptions(OptLevel.O2);
  }

  public CompileOptions withVerify(boolean on) {
    return new CompileOptions(level, on, timings);
  }

  public CompileOptions withLevel(OptLevel newLevel) {
    return new CompileOptions(newLevel, verify, timings);
  }

  public CompileOptions withTimings(boolean on) {
    return new CompileOptions(level, verify, on);
  }
}
