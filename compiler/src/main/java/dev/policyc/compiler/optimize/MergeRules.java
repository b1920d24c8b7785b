package dev.policyc.compiler.optimize;

import dev.policyc.compiler.analysis.Footprint;
import dev.policyc.compiler.analysis.TargetKind;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Optimization: two rules of a chain with the same target whose matches are the same but for one
 * port list or one address range become one rule matching the union, at the place of the
 * earlier: ports as one list of at most 15 multiport slots, addresses when their union is one
 * range (a prefix, emitted as {@code -s}/{@code -d}, or else an {@code iprange}).
 *
 * <p>The later rule's packets move up to the earlier rule's place. That is safe when no rule in
 * between can see them: every rule between is terminal or neutral (never rewrites the packet, so
 * no packet can turn into one of the later rule's on its way down), not opaque, and its packets
 * are disjoint from the later rule's. The look-back stops at the first rule that is not so, and
 * after {@link #REACH} rules, so long chains stay linear.
 *
 * <p>Only terminal targets (verdicts, RETURN, GOTO, NAT) and neutral ones (LOG, counting rules)
 * merge: a rewrite or a jump could make a packet the earlier rule matched match the later one
 * too. For a neutral target the two value sets must be disjoint, so no packet that took both
 * rules (logged twice) takes the merged one once. Negated matches, and rules with a stateful
 * match ({@code limit}, {@code statistic}: one counter would stand for two), never merge.
 *
 * <p>Sweeps run until one merges nothing, so the pass run on its own output changes nothing.
 * Counters: {@code merged} (rules removed), {@code ports} and {@code addresses} (merges of each
 * kind), {@code movedUp} (merges past at least one rule in between). The rationale and figures
 * are in docs/passes/merge-rules.md.
 */
final class MergeRules implements Pass {
  /** The rules looked back over for a rule to merge with. */
  static final int REACH = 2000;

  @Override
  public String name() {
    return "merge-rules";
  }

  @Override
  public Kind kind() {
    return Kind.OPTIMIZATION;
  }

  @Override
  public IrPolicy run(IrPolicy in, PassContext ctx) {
    Ruleset v4 = ruleset(in.ipv4(), in, ctx);
    Ruleset v6 = ruleset(in.ipv6(), in, ctx);
    if (v4 == in.ipv4() && v6 == in.ipv6()) {
      return in;
    }
    return new IrPolicy(in.name(), in.host(), in.sets(), v4, v6);
  }

  /** The ruleset with every chain merged, or {@code rs} itself when nothing merged. */
  private static Ruleset ruleset(Ruleset rs, IrPolicy policy, PassContext ctx) {
    boolean changed = false;
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : rs.tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        List<Rule> rules = c.rules();
        List<Rule> merged = merge(rules, rs.family(), policy, ctx);
        while (merged.size() < rules.size()) {
          changed = true;
          rules = merged;
          merged = merge(rules, rs.family(), policy, ctx);
        }
        chains.add(rules == c.rules() ? c : new Chain(c.name(), c.policy(), rules));
      }
      tables.add(t.withChains(chains));
    }
    return changed ? new Ruleset(rs.family(), tables) : rs;
  }

  /** A rule as the look-back sees it: the rule and its packets. */
  private record Seen(Rule rule, Footprint footprint) {
    static Seen of(Rule r, Family f, IrPolicy policy) {
      return new Seen(r, Footprint.of(r, f, policy));
    }
  }

  /**
   * What two rules that may merge share: the target and every match but the one at {@code
   * position}, a port list or an address range of one side.
   */
  private record Key(Target target, int position, Class<? extends Match> kind, Side side,
      List<Match> others) {
    /** The keys of a rule: one per match it may merge on. */
    static List<Key> of(Rule r) {
      if (!mayMerge(r)) {
        return List.of();
      }
      List<Key> out = new ArrayList<>();
      for (int i = 0; i < r.matches().size(); i++) {
        Match m = r.matches().get(i);
        List<Match> others = new ArrayList<>(r.matches());
        others.remove(i);
        if (m instanceof Match.Ports p && !p.negated()) {
          out.add(new Key(r.target(), i, Match.Ports.class, p.side(), others));
        } else if (m instanceof Match.Addr a && !a.negated()) {
          out.add(new Key(r.target(), i, Match.Addr.class, a.side(), others));
        }
      }
      return out;
    }
  }

  /**
   * One sweep over a chain: each rule merges into the nearest earlier rule it can, found through
   * the {@link Key}s of the rules so far.
   */
  static List<Rule> merge(List<Rule> rules, Family f, IrPolicy policy, PassContext ctx) {
    List<Seen> out = new ArrayList<>();
    // lookups only, never iterated: the order of the output does not depend on it
    Map<Key, TreeSet<Integer>> byKey = new HashMap<>();
    for (Rule r : rules) {
      Seen later = Seen.of(r, f, policy);
      TreeSet<Integer> candidates = new TreeSet<>();
      for (Key key : Key.of(r)) {
        TreeSet<Integer> at = byKey.get(key);
        if (at != null) {
          candidates.addAll(at.tailSet(out.size() - REACH, true));
        }
      }
      boolean placed = false;
      int lowest = candidates.isEmpty() ? out.size() : candidates.first();
      for (int k = out.size() - 1; k >= lowest; k--) {
        Seen earlier = out.get(k);
        Merge m = candidates.contains(k) ? merge(earlier.rule(), r) : null;
        if (m != null) {
          Rule merged = Merged.rule(m.matches(), r.target(), List.of(earlier.rule(), r));
          index(byKey, earlier.rule(), k, false);
          index(byKey, merged, k, true);
          out.set(k, Seen.of(merged, f, policy));
          ctx.count("merged", 1);
          ctx.count(m.field(), 1);
          if (k < out.size() - 1) {
            ctx.count("movedUp", 1);
          }
          placed = true;
          break;
        }
        if (!later.footprint().mayMoveUpPast(earlier.footprint())) {
          break; // the later rule's packets cannot move up past this rule
        }
      }
      if (!placed) {
        index(byKey, r, out.size(), true);
        out.add(later);
      }
    }
    List<Rule> result = new ArrayList<>(out.size());
    for (Seen s : out) {
      result.add(s.rule());
    }
    return result;
  }

  /** Adds the rule at {@code index} to the index by key, or takes it out. */
  private static void index(Map<Key, TreeSet<Integer>> byKey, Rule r, int index, boolean add) {
    for (Key key : Key.of(r)) {
      if (add) {
        byKey.computeIfAbsent(key, x -> new TreeSet<>()).add(index);
      } else {
        byKey.get(key).remove(index);
      }
    }
  }

  /** The matches of a merged rule and the counter of its kind of merge. */
  private record Merge(List<Match> matches, String field) {}

  /** False for a rule that never merges: its target may rewrite or come back, or it counts. */
  private static boolean mayMerge(Rule r) {
    TargetKind kind = TargetKind.of(r.target());
    return (kind == TargetKind.TERMINAL || kind == TargetKind.NEUTRAL) && !r.hasStatefulMatch();
  }

  /**
   * The merge of {@code a} and the later {@code b} (both {@link #mayMerge}), or null when they
   * have different targets or differ in anything but one port list or one address range, or
   * when the union does not fit one match.
   */
  static Merge merge(Rule a, Rule b) {
    if (!a.target().equals(b.target()) || a.matches().size() != b.matches().size()) {
      return null;
    }
    int differ = -1;
    for (int i = 0; i < a.matches().size(); i++) {
      if (!a.matches().get(i).equals(b.matches().get(i))) {
        if (differ >= 0) {
          return null;
        }
        differ = i;
      }
    }
    if (differ < 0) {
      return null; // duplicates are for the redundancy pass
    }
    boolean mayOverlap = TargetKind.of(a.target()) == TargetKind.TERMINAL;
    Match ma = a.matches().get(differ);
    Match mb = b.matches().get(differ);
    Match union;
    String field;
    if (ma instanceof Match.Ports pa && mb instanceof Match.Ports pb) {
      union = ports(pa, pb, mayOverlap);
      field = "ports";
    } else if (ma instanceof Match.Addr aa && mb instanceof Match.Addr ab) {
      union = addresses(aa, ab, mayOverlap);
      field = "addresses";
    } else {
      return null;
    }
    if (union == null) {
      return null;
    }
    List<Match> ms = new ArrayList<>(a.matches());
    ms.set(differ, union);
    return new Merge(ms, field);
  }

  /** One port match for both lists, or null when it would not fit 15 multiport slots. */
  private static Match.Ports ports(Match.Ports a, Match.Ports b, boolean mayOverlap) {
    if (a.negated() || b.negated() || a.side() != b.side()) {
      return null;
    }
    IntervalSet sa = IntervalSet.ofPorts(a.ranges());
    IntervalSet sb = IntervalSet.ofPorts(b.ranges());
    if (!mayOverlap && sa.intersects(sb)) {
      return null;
    }
    List<PortRange> ranges = sa.union(sb).portRanges();
    Match.Ports out = new Match.Ports(a.side(), ranges, false);
    return out.slots() <= Netfilter.MULTIPORT_SLOTS ? out : null;
  }

  /**
   * One address match for both ranges, or null when their union is not one range (or is every
   * address, which is no match at all and for the redundancy pass to see).
   */
  private static Match.Addr addresses(Match.Addr a, Match.Addr b, boolean mayOverlap) {
    if (a.negated() || b.negated() || a.side() != b.side()
        || a.range().family() != b.range().family()) {
      return null;
    }
    IntervalSet sa = IntervalSet.of(a.range());
    IntervalSet sb = IntervalSet.of(b.range());
    if (!mayOverlap && sa.intersects(sb)) {
      return null;
    }
    List<IpRange> union = sa.union(sb).ipRanges(a.range().family());
    if (union.size() != 1 || union.get(0).isAll()) {
      return null;
    }
    return new Match.Addr(a.side(), union.get(0), false);
  }
}
