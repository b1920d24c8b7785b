package dev.policyc.compiler.ir;

import dev.policyc.dsl.Table;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The chains of one table: its built-in chains in hook order, then user chains sorted by name
 * (the order iptables-save prints them in).
 */
public record RuleTable(Table table, List<Chain> chains) {
  public RuleTable {
    Objects.requireNonNull(table, "table");
    chains = List.copyOf(chains);
  }

  public Optional<Chain> chain(String name) {
    for (Chain c : chains) {
      if (c.name().equals(name)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  public int ruleCount() {
    return chains.stream().mapToInt(c -> c.rules().size()).sum();
  }
}
