package dev.policyc.dsl.path;

/** The path of a chain, such as {@code filter.INPUT}; its position is that of the chain's name. */
public final class ChainPath extends SourcePath {
  ChainPath(SourcePath table, String name) {
    super(table, name);
  }

  /** {@code policy}: the default policy of a built-in chain. */
  public SourcePath policy() {
    return child("policy");
  }

  /** {@code rules}. */
  public ListPath rules() {
    return list("rules");
  }

  /** {@code rules[index]}. */
  public RulePath rule(int index) {
    return new RulePath(rules(), index);
  }
}
