package dev.policyc.compiler.classifier;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.dsl.Family;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What of a policy the generated classifier does not model yet: rules an optimizer pass merged
 * (the classifier is generated from rules as lowered; sessions are refused where they are asked
 * for). The generator refuses such a policy rather than decide some packets differently from
 * the interpreter.
 */
final class Unsupported {
  private Unsupported() {}

  /** One line per feature the policy uses that the classifier lacks, in order of first use. */
  static List<String> of(IrPolicy policy) {
    Set<String> out = new LinkedHashSet<>();
    for (Family f : Family.values()) {
      for (RuleTable t : policy.ruleset(f).tables()) {
        for (Chain c : t.chains()) {
          for (Rule r : c.rules()) {
            String where = " (" + t.table().name().toLowerCase() + "/" + c.name() + ")";
            if (!r.origin().parts().isEmpty()) {
              out.add("rules merged by an optimizer pass" + where);
            }
          }
        }
      }
    }
    return List.copyOf(out);
  }
}
