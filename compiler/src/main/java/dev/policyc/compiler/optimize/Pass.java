package dev.policyc.compiler.optimize;

import dev.policyc.compiler.ir.IrPolicy;

/**
 * One pass over the IR: a whole policy in, a whole policy out, with the same meaning for every
 * packet. A pass is named by what it does ({@code RemoveShadowedRules}) and reports its own
 * counters through the context.
 */
public interface Pass {
  /** The pass's name in reports and on the command line, such as {@code split-multiport}. */
  String name();

  /** What the pass is for. */
  Kind kind();

  /** The policy after the pass; {@code in} is not changed (IR values are immutable). */
  IrPolicy run(IrPolicy in, PassContext ctx);

  /** Why a pass runs. */
  enum Kind {
    /** Makes the rules smaller or faster; runs from the levels that list it. */
    OPTIMIZATION,
    /**
     * Makes the IR fit what the kernel and iptables can load (such as the 15 ports of one
     * multiport match); runs at every level, after the optimizations.
     */
    LEGALIZATION
  }
}
