package dev.policyc.compiler.ir;

import dev.policyc.dsl.Verdict;
import java.util.List;
import java.util.Objects;

/** A chain: built-in (with a policy) or user-defined ({@code policy} null). */
public record Chain(String name, Verdict policy, List<Rule> rules) {
  public Chain {
    Objects.requireNonNull(name, "name");
    rules = List.copyOf(rules);
  }

  public boolean isBuiltin() {
    return policy != null;
  }
}
