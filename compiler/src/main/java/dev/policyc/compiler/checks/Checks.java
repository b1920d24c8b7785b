package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Reporter;
import java.util.List;

/** The registry of lint checks, in the order they run; {@code policyc check} runs them all. */
public final class Checks {
  private Checks() {}

  /** Every check, in order. */
  public static List<Check> all() {
    return List.of(new UnusedChain(), new InterfaceOnSomePaths(), new ShadowedRule(),
        new RedundantRule(), new UnreachableChain(), new ConflictingOverlap(),
        new LargeExpansion(), new LockoutRisk(), new OneFamilyOnly(),
        new Nat66OfGlobalAddresses());
  }

  /**
   * Runs every check that applies: all of them on a complete IR, those that read only the chain
   * structure on a partial one.
   */
  public static List<Diagnostic> run(Policy policy, IrPolicy ir, boolean complete) {
    return run(policy, ir, complete, CheckSettings.defaults());
  }

  /**
   * As {@link #run(Policy, IrPolicy, boolean)}, with other settings; without {@link
   * CheckSettings#compareRules()}, the checks that compare rules do not run.
   */
  public static List<Diagnostic> run(Policy policy, IrPolicy ir, boolean complete,
      CheckSettings settings) {
    Reporter rep = new Reporter();
    CheckContext ctx = new CheckContext(policy, ir, complete, settings, rep);
    for (Check c : all()) {
      if ((complete || c.runsOnPartialIr()) && (settings.compareRules() || !c.comparesRules())) {
        c.run(ctx);
      }
    }
    return rep.diagnostics();
  }
}
