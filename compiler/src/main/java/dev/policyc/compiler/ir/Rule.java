package dev.policyc.compiler.ir;

import java.util.List;
import java.util.Objects;

/** One rule: all of its matches must hold; then its target applies. */
public record Rule(List<Match> matches, Target target, String comment, Origin origin) {
  public Rule {
    matches = List.copyOf(matches);
    Objects.requireNonNull(target, "target");
    origin = origin == null ? Origin.NONE : origin;
  }

  public Rule(List<Match> matches, Target target) {
    this(matches, target, null, Origin.NONE);
  }

  public Rule withMatches(List<Match> newMatches) {
    return new Rule(newMatches, target, comment, origin);
  }

  /**
   * True when the rule has a match with state that each evaluation changes (a rate limit,
   * nth-packet sampling, a recent list): copying, merging or moving the rule would change what
   * it counts.
   */
  public boolean hasStatefulMatch() {
    for (Match m : matches) {
      if (m instanceof Match.Limit || m instanceof Match.Statistic
          || m instanceof Match.Recent) {
        return true;
      }
    }
    return false;
  }

  /** The protocol this rule requires, or 0 when it matches any (or a negated one). */
  public int protocol() {
    for (Match m : matches) {
      if (m instanceof Match.Proto p && !p.negated()) {
        return p.number();
      }
    }
    return 0;
  }
}
