package dev.policyc.compiler.space;

/**
 * A set of values of one packet field, closed under the set operations the analyses need. Each
 * field has one representation: intervals for ordered values, bit patterns for masked ones,
 * name patterns for interfaces. Operands of an operation are of the same kind and domain.
 */
public sealed interface ValueSet permits IntervalSet, MaskSet, NameSet {
  ValueSet intersect(ValueSet other);

  ValueSet union(ValueSet other);

  /** Every value of the domain not in this set. */
  ValueSet complement();

  boolean isEmpty();

  /** True when the set holds every value of its domain. */
  default boolean isFull() {
    return complement().isEmpty();
  }

  /** True when some value is in both sets. */
  default boolean intersects(ValueSet other) {
    return !intersect(other).isEmpty();
  }

  /** True when every value of {@code other} is in this set. */
  default boolean containsAll(ValueSet other) {
    return other.intersect(complement()).isEmpty();
  }

  /** This set minus {@code other}. */
  default ValueSet minus(ValueSet other) {
    return intersect(other.complement());
  }
}
