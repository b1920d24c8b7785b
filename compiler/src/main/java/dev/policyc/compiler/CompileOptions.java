package dev.policyc.compiler;

import dev.policyc.compiler.optimize.OptLevel;
import java.util.Objects;

/**
 * How to compile a policy.
 *
 * @param level which optimization passes run ({@code -O0} none); legalization runs at every level
 * @param verify whether the pass manager proves each pass with the equivalence engine
 */
public record CompileOptions(OptLevel level, boolean verify) {
  public CompileOptions {
    Objects.requireNonNull(level, "level");
  }

  public CompileOptions(OptLevel level) {
    this(level, false);
  }

  /** The defaults of {@code policyc compile}: {@code -O0}. */
  public static CompileOptions defaults() {
    return new CompileOptions(OptLevel.O0);
  }

  public CompileOptions withVerify(boolean on) {
    return new CompileOptions(level, on);
  }

  public CompileOptions withLevel(OptLevel newLevel) {
    return new CompileOptions(newLevel, verify);
  }
}
