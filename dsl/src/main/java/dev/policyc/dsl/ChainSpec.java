package dev.policyc.dsl;

import java.util.List;
import java.util.Objects;

/**
 * A chain of one table: a built-in chain (with an optional default policy) or a user chain.
 *
 * @param policy the default policy of a built-in chain; null for user chains and for ACCEPT left
 *     implicit
 */
public record ChainSpec(Table table, String name, Verdict policy, List<RuleSpec> rules) {
  public ChainSpec {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(name, "name");
    rules = List.copyOf(rules);
  }

  public boolean isBuiltin() {
    return table.isBuiltin(name);
  }
}
