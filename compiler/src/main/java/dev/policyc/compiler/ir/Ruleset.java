package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The tables of one family: what one iptables-restore (or ip6tables-restore) file loads. */
public record Ruleset(Family family, List<RuleTable> tables) {
  public Ruleset {
    Objects.requireNonNull(family, "family");
    tables = List.copyOf(tables);
  }

  public Optional<RuleTable> table(Table t) {
    for (RuleTable rt : tables) {
      if (rt.table() == t) {
        return Optional.of(rt);
      }
    }
    return Optional.empty();
  }

  public int ruleCount() {
    return tables.stream().mapToInt(RuleTable::ruleCount).sum();
  }

  /** True when loading it would change nothing: no rules and every policy ACCEPT. */
  public boolean isTrivial() {
    for (RuleTable t : tables) {
      for (Chain c : t.chains()) {
        if (!c.rules().isEmpty() || (c.policy() != null && c.policy() != Verdict.ACCEPT)) {
          return false;
        }
        if (c.policy() == null) {
          return false;
        }
      }
    }
    return true;
  }
}
