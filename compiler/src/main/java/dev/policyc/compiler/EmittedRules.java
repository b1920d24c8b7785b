package dev.policyc.compiler;

import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;

/**
 * The lines of the emitted {@code iptables-restore} files, one rule at a time: what {@code
 * iptables-save -c} prints for the rule, so a rule the interpreter names can be found in the
 * kernel's dump without counting lines.
 */
public final class EmittedRules {
  private EmittedRules() {}

  /**
   * The {@code -A CHAIN …} line of rule number {@code number} (from 1) of a chain of {@code
   * ir}, as the emitter writes it.
   *
   * @throws IllegalArgumentException when the policy has no such rule
   */
  public static String line(IrPolicy ir, Family family, Table table, String chain, int number) {
    Rule r = ir.ruleset(family).table(table)
        .flatMap(t -> t.chain(chain))
        .filter(c -> number >= 1 && number <= c.rules().size())
        .map(c -> c.rules().get(number - 1))
        .orElseThrow(() -> new IllegalArgumentException("no rule " + table.iptablesName() + "/"
            + chain + " #" + number + " in the " + family + " rules"));
    return IptablesEmitter.rule(chain, r, family);
  }

  /** The command whose rules a family's emitted file holds: iptables or ip6tables. */
  public static String command(Family family) {
    return family == Family.IPV4 ? "iptables" : "ip6tables";
  }
}
