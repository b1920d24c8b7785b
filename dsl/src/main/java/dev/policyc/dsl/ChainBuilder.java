package dev.policyc.dsl;

import java.util.ArrayList;
import java.util.List;

/** Builds the rules of one chain, in order. */
public final class ChainBuilder {
  private final Table table;
  private final String name;
  private Verdict policy;
  private final List<RuleSpec> rules = new ArrayList<>();

  ChainBuilder(Table table, String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("chain name must not be blank");
    }
    this.table = table;
    this.name = name;
  }

  /** Sets the default policy of a built-in chain. */
  public ChainBuilder policy(Verdict verdict) {
    this.policy = verdict;
    return this;
  }

  /** Appends a rule. */
  public ChainBuilder rule(MatchBuilder match, Action action) {
    return rule(match, action, null);
  }

  /** Appends a rule with a comment. */
  public ChainBuilder rule(MatchBuilder match, Action action, String comment) {
    rules.add(new RuleSpec(match.build(), action, comment));
    return this;
  }

  /**
   * Appends rules built elsewhere, such as a {@link PolicyLibrary}'s fragment: {@code
   * c.rules(shared.fragment("admin-in"))}.
   */
  public ChainBuilder rules(List<RuleSpec> more) {
    rules.addAll(more);
    return this;
  }

  public ChainBuilder accept(MatchBuilder match) {
    return rule(match, Action.accept());
  }

  public ChainBuilder accept(MatchBuilder match, String comment) {
    return rule(match, Action.accept(), comment);
  }

  public ChainBuilder drop(MatchBuilder match) {
    return rule(match, Action.drop());
  }

  public ChainBuilder drop(MatchBuilder match, String comment) {
    return rule(match, Action.drop(), comment);
  }

  public ChainBuilder reject(MatchBuilder match) {
    return rule(match, Action.reject());
  }

  public ChainBuilder reject(MatchBuilder match, String with) {
    return rule(match, Action.reject(with));
  }

  public ChainBuilder returns(MatchBuilder match) {
    return rule(match, Action.returns());
  }

  public ChainBuilder jump(MatchBuilder match, String chain) {
    return rule(match, Action.jump(chain));
  }

  public ChainBuilder goTo(MatchBuilder match, String chain) {
    return rule(match, Action.goTo(chain));
  }

  public ChainBuilder log(MatchBuilder match, String prefix) {
    return rule(match, Action.log(prefix));
  }

  public ChainBuilder dnat(MatchBuilder match, String to) {
    return rule(match, Action.dnat(to));
  }

  public ChainBuilder snat(MatchBuilder match, String to) {
    return rule(match, Action.snat(to));
  }

  public ChainBuilder masquerade(MatchBuilder match) {
    return rule(match, Action.masquerade());
  }

  public ChainBuilder redirect(MatchBuilder match, String ports) {
    return rule(match, Action.redirect(ports));
  }

  public ChainBuilder notrack(MatchBuilder match) {
    return rule(match, Action.notrack());
  }

  ChainSpec build() {
    return new ChainSpec(table, name, policy, rules);
  }
}
