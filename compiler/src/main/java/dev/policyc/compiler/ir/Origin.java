package dev.policyc.compiler.ir;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.path.RulePath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where an IR rule came from: a position in a policy file or a line of an iptables-save dump.
 *
 * <p>A rule an optimizer pass made of several (merged, gathered into a set, or standing in for a
 * redundant rule it takes over) keeps them as its {@link #parts()}: the rules it replaces, in
 * their first-match order, each with its own origin and matches. Of the parts, the first whose
 * matches hold for a packet is the rule of the unoptimized chain that packet matched first.
 *
 * <p>Provenance is not meaning: every origin equals every other, so rules and rule sets compare
 * by what they do.
 */
public final class Origin {
  public static final Origin NONE = new Origin(SourcePos.UNKNOWN, "", null, List.of(), false,
      -1);

  /**
   * Numbers origins in the order they are made: lowering and reading make a chain's rules in
   * their order, so of two parts of one chain the one numbered lower comes first in it.
   */
  private static final AtomicLong MADE = new AtomicLong();

  private final SourcePos pos;
  private final String what;
  private final RulePath path;
  private final List<Rule> parts;
  private final boolean dispatch;
  /** Where the rule stood among the rules made before it ({@link #MADE}); -1: not known. */
  private final long seq;

  private Origin(SourcePos pos, String what, RulePath path, List<Rule> parts,
      boolean dispatch, long seq) {
    this.pos = pos;
    this.what = what;
    this.path = path;
    this.parts = parts;
    this.dispatch = dispatch;
    this.seq = seq;
  }

  /**
   * The origin of a rule an optimizer pass made to send packets on to the chain holding the
   * policy rules that can match them (a decision tree's dispatch), described by {@code what}
   * such as {@code decision tree of filter/INPUT}. It stands for no policy rule: explanations
   * skip it and name the rule the packet matched after it.
   */
  public static Origin dispatch(String what) {
    return new Origin(SourcePos.UNKNOWN, what, null, List.of(), true, -1);
  }

  /** True for the origin of a dispatch rule (see {@link #dispatch(String)}). */
  public boolean isDispatch() {
    return dispatch;
  }

  /**
   * The origin of a rule that stands for {@code rules}: the position and description of the
   * first, and every rule (with its own origin) as a part. A rule that is itself made of parts
   * contributes its parts. The parts are put in the order the chain as written had them when
   * each was made by lowering or reading (their rules may come in another: a set gathers rules
   * that stand in for earlier rules they took over), so the first part that holds a packet is
   * the rule the chain as written matched first.
   */
  public static Origin merged(List<Rule> rules) {
    List<Rule> flat = new ArrayList<>();
    for (Rule r : rules) {
      if (r.origin().parts.isEmpty()) {
        flat.add(r);
      } else {
        flat.addAll(r.origin().parts);
      }
    }
    if (flat.isEmpty()) {
      throw new IllegalArgumentException("a merged origin of no rules");
    }
    if (flat.size() == 1) {
      return flat.get(0).origin();
    }
    if (flat.stream().allMatch(r -> r.origin().seq >= 0)) {
      flat.sort(Comparator.comparingLong(r -> r.origin().seq)); // stable: equal keep their order
    }
    Origin first = flat.get(0).origin();
    return new Origin(first.pos, first.what, first.path, List.copyOf(flat), false, first.seq);
  }

  /**
   * The rules this one stands for, in first-match order (see the class comment); empty for a
   * rule that stands for itself only.
   */
  public List<Rule> parts() {
    return parts;
  }

  /** The rules this one stands for: its parts, or itself alone. */
  public static List<Rule> partsOf(Rule r) {
    return r.origin().parts.isEmpty() ? List.of(r) : r.origin().parts;
  }

  /** An origin outside a policy, such as a line of an iptables-save dump. */
  public static Origin of(SourcePos pos, String what) {
    return new Origin(pos, what, null, List.of(), false, MADE.getAndIncrement());
  }

  /** The origin of a rule written in a policy, at {@code path} in its document. */
  public static Origin of(SourcePos pos, String what, RulePath path) {
    return new Origin(pos, what, Objects.requireNonNull(path, "path"), List.of(), false,
        MADE.getAndIncrement());
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
    String one = pos.known() ? pos + (what.isEmpty() ? "" : " (" + what + ")") : what;
    return parts.isEmpty() ? one : one + " and " + (parts.size() - 1) + " more merged";
  }
}
