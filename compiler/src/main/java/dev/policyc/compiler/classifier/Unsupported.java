package dev.policyc.compiler.classifier;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Family;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What of a policy the generated classifier does not model yet: a host model (routing), NAT and
 * TCPMSS targets, rules an optimizer pass merged. The generator
 * refuses such a policy rather than decide some packets differently from the interpreter.
 */
final class Unsupported {
  private Unsupported() {}

  /** One line per feature the policy uses that the classifier lacks, in order of first use. */
  static List<String> of(IrPolicy policy) {
    Set<String> out = new LinkedHashSet<>();
    if (policy.host() != null) {
      out.add("a host model (routing is not in the classifier yet)");
    }
    for (Family f : Family.values()) {
      for (RuleTable t : policy.ruleset(f).tables()) {
        for (Chain c : t.chains()) {
          for (Rule r : c.rules()) {
            String where = " (" + t.table().name().toLowerCase() + "/" + c.name() + ")";
            String tg = target(r.target());
            if (tg != null) {
              out.add(tg + where);
            }
            if (!r.origin().parts().isEmpty()) {
              out.add("rules merged by an optimizer pass" + where);
            }
          }
        }
      }
    }
    return List.copyOf(out);
  }

  private static String target(Target t) {
    if (t instanceof Target.Dnat || t instanceof Target.Snat || t instanceof Target.Masquerade
        || t instanceof Target.Redirect) {
      return "NAT targets";
    } else if (t instanceof Target.TcpMss) {
      return "TCPMSS";
    }
    return null;
  }
}
