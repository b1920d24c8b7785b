package dev.policyc.compiler.lower;

import dev.policyc.dsl.Family;
import java.util.EnumSet;
import java.util.Set;

/**
 * Family inference for one rule: the address families the rule can exist in. It starts from the
 * rule's {@code family} (or both), and each part of the rule that exists in one family only
 * narrows it (an IPv4 address, ICMPv6, {@code fragment}, an IPv6 set, …). A part that contradicts
 * an explicit {@code family} is an error where it is written (PC4001, PC4002); otherwise a rule
 * left with no family is PC4003.
 */
final class RuleFamilies {
  private final Family explicit;
  private final EnumSet<Family> possible;

  RuleFamilies(Family explicit) {
    this.explicit = explicit;
    this.possible = explicit == null ? EnumSet.allOf(Family.class) : EnumSet.of(explicit);
  }

  /** The rule's {@code family}; null when it names none. */
  Family explicit() {
    return explicit;
  }

  /** True when the rule names a family and it is not {@code f}. */
  boolean excludes(Family f) {
    return explicit != null && explicit != f;
  }

  /** True when the rule names family {@code f}. */
  boolean isExplicitly(Family f) {
    return explicit == f;
  }

  /** The rule exists in {@code f} at most. */
  void keepOnly(Family f) {
    possible.retainAll(EnumSet.of(f));
  }

  /** The rule exists in these families at most. */
  void keepOnly(Set<Family> fams) {
    possible.retainAll(fams);
  }

  /** The rule does not exist in {@code f}. */
  void remove(Family f) {
    possible.remove(f);
  }

  /** The families left, in order. */
  Set<Family> possible() {
    return EnumSet.copyOf(possible);
  }

  boolean isEmpty() {
    return possible.isEmpty();
  }
}
