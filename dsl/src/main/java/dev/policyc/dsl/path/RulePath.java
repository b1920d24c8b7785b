package dev.policyc.dsl.path;

/** The path of a rule, such as {@code filter.INPUT.rules[2]}. */
public final class RulePath extends SourcePath {
  RulePath(ListPath rules, int index) {
    super(rules, index);
  }

  /** {@code match}. */
  public MatchPath match() {
    return new MatchPath(this);
  }

  /**
   * {@code action}: its value, a word such as {@code accept} or a mapping such as {@code {jump:
   * CHAIN}}.
   */
  public ActionPath action() {
    return new ActionPath(this);
  }

  /** {@code comment}. */
  public SourcePath comment() {
    return child("comment");
  }
}
