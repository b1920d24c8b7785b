package dev.policyc.compiler.ir;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.path.RulePath;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an IR rule came from: a position in a policy file or a line of an iptables-save dump.
 *
 * <p>Provenance is not meaning: every origin equals every other, so rules and rule sets compare
 * by what they do.
 */
public final class Origin {
  public static final Origin NONE = new Origin(SourcePos.UNKNOWN, "", null);

  private final SourcePos pos;
  private final String what;
  private final RulePath path;

  private Origin(SourcePos pos, String what, RulePath path) {
    this.pos = pos;
    this.what = what;
    this.path = path;
  }

  /** An origin outside a policy, such as a line of an iptables-save dump. */
  public static Origin of(SourcePos pos, String what) {
    return new Origin(pos, what, null);
  }

  /** The origin of a rule written in a policy, at {@code path} in its document. */
  public static Origin of(SourcePos pos, String what, RulePath path) {
    return new Origin(pos, what, Objects.requireNonNull(path, "path"));
  }

  /**
   * The path of the policy rule, such as {@code filter.INPUT.rules[2]}, so that analyses can
   * place a diagnostic on a part of the rule; empty when the rule does not come from a policy.
   */
  public Optional<RulePath> path() {
    return Optional.ofNullable(path);
  }

  public SourcePos pos() {
    return pos;
  }

  /** A short description of the source element, such as {@code filter/INPUT rule 3}. */
  public String what() {
    return what;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Origin;
  }

  @Override
  public int hashCode() {
    return 0;
  }

  @Override
  public String toString() {
    return pos.known() ? pos + (what.isEmpty() ? "" : " (" + what + ")") : what;
  }
}
