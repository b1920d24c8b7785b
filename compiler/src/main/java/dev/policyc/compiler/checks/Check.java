package dev.policyc.compiler.checks;

import dev.policyc.dsl.diag.Code;

/**
 * One lint check: looks at a lowered policy and reports one kind of problem under its own code.
 * Checks report warnings; what the kernel would refuse is an error of lowering instead.
 */
public interface Check {
  /** The code every diagnostic of this check carries. */
  Code code();

  /**
   * Whether the check can run on the partial IR of a policy with errors (see {@link
   * CheckContext#complete()}): true for checks of the chain structure, false for checks that
   * reason about which packets rules match.
   */
  boolean runsOnPartialIr();

  /**
   * Whether the check compares the rules of a chain with each other (through {@link
   * CheckContext#analysis()}): work that grows with the square of a chain's length, which
   * {@code policyc compile} leaves to {@code policyc check} (see {@link
   * CheckSettings#compareRules()}).
   */
  default boolean comparesRules() {
    return false;
  }

  /** Reports what it finds through {@link CheckContext#report}. */
  void run(CheckContext ctx);
}
