package dev.policyc.dsl;

import java.util.Objects;

/**
 * One rule of a chain: a match, an action and an optional comment (emitted as {@code -m comment}).
 */
public record RuleSpec(MatchSpec match, Action action, String comment) {
  public RuleSpec {
    match = match == null ? MatchSpec.ANY : match;
    Objects.requireNonNull(action, "action");
  }
}
