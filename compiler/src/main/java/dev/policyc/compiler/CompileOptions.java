package dev.policyc.compiler;

import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.verify.Equivalence;
import java.util.Objects;

/**
 * How to compile a policy.
 *
 * @param level which optimization passes run ({@code -O0} none); legalization runs at every level
 * @param verify whether the pass manager proves each pass with the equivalence engine
 * @param timings whether {@code report.json} gives each pass's time (off by default: with it the
 *     report differs from run to run)
 * @param verifyBudget the rule evaluations the equivalence engine may spend on each pass with
 *     {@code verify} ({@link Equivalence#DEFAULT_BUDGET} by default); a pass it cannot prove
 *     within them stops the compilation (PC0012)
 * @param refuseLockout whether a policy that locks its administrators out is refused (PC0013,
 *     {@link dev.policyc.compiler.checks.LockoutGuard}); off by default, on in {@code policyc
 *     compile} unless {@code --allow-lockout}
 */
public record CompileOptions(OptLevel level, boolean verify, boolean timings, long verifyBudget,
    boolean refuseLockout) {
  public CompileOptions {
    Objects.requireNonNull(level, "level");
    if (verifyBudget <= 0) {
      throw new IllegalArgumentException("a verify budget of " + verifyBudget);
    }
  }

  public CompileOptions(OptLevel level, boolean verify, boolean timings, long verifyBudget) {
    this(level, verify, timings, verifyBudget, false);
  }

  public CompileOptions(OptLevel level, boolean verify, boolean timings) {
    this(level, verify, timings, Equivalence.DEFAULT_BUDGET);
  }

  public CompileOptions(OptLevel level) {
    this(level, false, false);
  }

  /** The defaults of {@code policyc compile}: {@code -O2}, no proofs, no timings. */
  public static CompileOptions defaults() {
    return new CompileOptions(OptLevel.O2);
  }

  public CompileOptions withVerify(boolean on) {
    return new CompileOptions(level, on, timings, verifyBudget, refuseLockout);
  }

  public CompileOptions withLevel(OptLevel newLevel) {
    return new CompileOptions(newLevel, verify, timings, verifyBudget, refuseLockout);
  }

  public CompileOptions withTimings(boolean on) {
    return new CompileOptions(level, verify, on, verifyBudget, refuseLockout);
  }

  public CompileOptions withVerifyBudget(long evaluations) {
    return new CompileOptions(level, verify, timings, evaluations, refuseLockout);
  }

  public CompileOptions withRefuseLockout(boolean on) {
    return new CompileOptions(level, verify, timings, verifyBudget, on);
  }
}
