package dev.policyc.compiler;

import dev.policyc.compiler.optimize.OptLevel;
import java.util.Objects;

/**
 * How to compile a policy.
 *
 * @param level which optimization passes run ({@code -O0} none); legalization runs at every level
 */
public record CompileOptions(OptLevel level) {
  public CompileOptions {
    Objects.requireNonNull(level, "level");
  }

  /** The defaults of {@code policyc compile}: {@code -O0}. */
  public static CompileOptions defaults() {
    return new CompileOptions(OptLevel.O0);
  }

  public CompileOptions withLevel(OptLevel newLevel) {
    return new CompileOptions(newLevel);
  }
}
