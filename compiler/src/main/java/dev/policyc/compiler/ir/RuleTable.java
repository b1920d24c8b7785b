package dev.policyc.compiler.ir;

import dev.policyc.dsl.Table;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The chains of one table: its built-in chains in hook order, then user chains sorted by name
 * (the order iptables-save prints them in).
 *
 * <p>A value class rather than a record so that it can keep an index of its chains by name:
 * every jump the interpreter and the analyses follow looks its chain up there.
 */
public final class RuleTable {
  private final Table table;
  private final List<Chain> chains;
  private final Map<String, Chain> byName;

  public RuleTable(Table table, List<Chain> chains) {
    this.table = Objects.requireNonNull(table, "table");
    this.chains = List.copyOf(chains);
    this.byName = new HashMap<>();
    for (Chain c : this.chains) {
      if (byName.put(c.name(), c) != null) {
        throw new IllegalArgumentException("chain " + c.name() + " twice in table "
            + table.iptablesName());
      }
    }
  }

  public Table table() {
    return table;
  }

  public List<Chain> chains() {
    return chains;
  }

  public Optional<Chain> chain(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public int ruleCount() {
    return chains.stream().mapToInt(c -> c.rules().size()).sum();
  }

  /** The same table with other chains. */
  public RuleTable withChains(List<Chain> newChains) {
    return new RuleTable(table, newChains);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RuleTable t && t.table == table && t.chains.equals(chains);
  }

  @Override
  public int hashCode() {
    return Objects.hash(table, chains);
  }

  @Override
  public String toString() {
    return "RuleTable[table=" + table + ", chains=" + chains + "]";
  }
}
