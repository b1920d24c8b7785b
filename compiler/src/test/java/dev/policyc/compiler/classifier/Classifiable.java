package dev.policyc.compiler.classifier;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.List;

/** Policies changed in one rule, for the tests of what the classifier refuses. */
final class Classifiable {
  private Classifiable() {}

  /** {@code p} with rule {@code index} of a chain replaced by {@code rule}. */
  static IrPolicy replace(IrPolicy p, Family f, Table table, String chain, int index, Rule rule) {
    Ruleset rs = p.ruleset(f);
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : rs.tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        if (t.table() == table && c.name().equals(chain)) {
          List<Rule> rules = new ArrayList<>(c.rules());
          rules.set(index, rule);
          c = new Chain(c.name(), c.policy(), rules);
        }
        chains.add(c);
      }
      tables.add(new RuleTable(t.table(), chains));
    }
    Ruleset changed = new Ruleset(f, tables);
    return new IrPolicy(p.name(), p.host(), p.sets(), f == Family.IPV4 ? changed : p.ipv4(),
        f == Family.IPV6 ? changed : p.ipv6());
  }
}
