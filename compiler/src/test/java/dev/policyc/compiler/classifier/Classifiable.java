package dev.policyc.compiler.classifier;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.List;

/**
 * A policy made one the classifier models ({@link Unsupported} empty): without its host model
 * (packets then say where they go), NAT targets made ACCEPT, TCPMSS made a rule without target.
 * Every other rule stays as it was.
 */
final class Classifiable {
  private Classifiable() {}

  static IrPolicy of(IrPolicy p) {
    return new IrPolicy(p.name(), null, p.sets(), of(p.ipv4()), of(p.ipv6()));
  }

  private static Ruleset of(Ruleset rs) {
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : rs.tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        List<Rule> rules = new ArrayList<>();
        for (Rule r : c.rules()) {
          rules.add(of(r, t.table()));
        }
        chains.add(new Chain(c.name(), c.policy(), rules));
      }
      tables.add(new RuleTable(t.table(), chains));
    }
    return new Ruleset(rs.family(), tables);
  }

  private static Rule of(Rule r, Table table) {
    Target t = r.target();
    if (t instanceof Target.Dnat || t instanceof Target.Snat || t instanceof Target.Masquerade
        || t instanceof Target.Redirect) {
      t = new Target.Accept();
    } else if (t instanceof Target.TcpMss) {
      t = new Target.None();
    }
    return new Rule(r.matches(), t, r.comment(), r.origin().parts().isEmpty() ? r.origin() : null);
  }
}
