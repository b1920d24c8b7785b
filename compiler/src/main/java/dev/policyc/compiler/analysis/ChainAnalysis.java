package dev.policyc.compiler.analysis;

import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Coverage;
import dev.policyc.compiler.space.Coverage.Budget;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What the packet-space analyses find in one chain of one family: for each rule, whether the
 * earlier rules take every packet it matches (shadowed), whether removing it (with the other
 * rules of its policy rule) changes no decision (redundant), and which earlier rules decide part
 * of what it matches differently (conflicts). A rule is called shadowed or redundant only when it
 * is: where an opaque rule, a rewrite or the work bound stands in the way, the analysis says
 * nothing. The definitions and the bounds are in docs/checks.md.
 *
 * <p>A rule's packets are taken "as it sees them": a rule that changes a field (MARK, TOS…)
 * between an earlier rule and a later one makes the earlier rule unusable as evidence about the
 * later one when either reads that field.
 */
public final class ChainAnalysis {
  /**
   * Work units (see {@link Budget}) for each question about one rule: comparing the hulls of
   * two rules costs one, comparing their cubes {@link Coverage#TEST}.
   */
  public static final long RULE_BUDGET = 5_000_000;

  private static final int CUBE_TEST = Coverage.TEST;

  /** Whether a question was answered. */
  public enum Answer {
    YES,
    NO,
    UNKNOWN
  }

  /** The answers about one rule. */
  public static final class Result {
    private Answer shadowed = Answer.UNKNOWN;
    private List<Integer> covers = List.of();
    /**
     * The packets that reach the rule and match it, as far as the covers tell: every such
     * packet is in these pieces (null when unknown).
     */
    private List<Cube> reaching;
    /** True when {@link #reaching} holds exactly the packets that reach the rule and match it. */
    private boolean reachingExact;

    private Redundancy redundancy = Redundancy.UNKNOWN;

    private final List<Integer> conflicts = new ArrayList<>();

    private final List<Cube> overlaps = new ArrayList<>();

    /** Earlier rules that may conflict, found while looking for covers; latest first. */
    private List<Integer> mayConflict = List.of();

    /** Whether the earlier rules take every packet the rule matches. */
    public Answer shadowed() {
      return shadowed;
    }

    /** The earlier rules that together take every packet of a shadowed rule, by index. */
    public List<Integer> covers() {
      return covers;
    }

    /** Whether removing the rule changes no decision (never YES for a shadowed rule). */
    public Answer redundant() {
      return redundancy.answer();
    }

    /** The later rules that decide the same for the packets of a redundant rule, by index. */
    public List<Integer> takers() {
      return redundancy.takers();
    }

    /** True when the end of the chain (its policy, or the return of a user chain) does too. */
    public boolean endTakesOver() {
      return redundancy.endTakesOver();
    }

    /** Earlier rules whose decision differs on part of what the rule matches, by index. */
    public List<Integer> conflicts() {
      return Collections.unmodifiableList(conflicts);
    }

    /** For each of {@link #conflicts}, the packets both rules match. */
    public List<Cube> overlaps() {
      return Collections.unmodifiableList(overlaps);
    }
  }

  /**
   * Whether removing a rule changes no decision.
   *
   * @param answer YES only when proven
   * @param takers the later rules that decide the same for its packets, by index
   * @param endTakesOver true when the end of the chain (its policy, or the return of a user
   *     chain) decides the same for the packets no later rule takes
   */
  public record Redundancy(Answer answer, List<Integer> takers, boolean endTakesOver) {
    static final Redundancy UNKNOWN = new Redundancy(Answer.UNKNOWN, List.of(), false);
    static final Redundancy NO = new Redundancy(Answer.NO, List.of(), false);

    public Redundancy {
      takers = List.copyOf(takers);
    }
  }

  private final List<RuleView> rules;
  private final Verdict policy;
  private final List<Cube> entry;
  private final Budget total;
  /** The most work one question about one rule may spend. */
  private final long perRule;
  private final Result[] results;
  /** The rules' hulls side by side, for the pairwise scans. */
  private final RuleBounds bounds;
  /** Which rules' hulls may meet, so the pairwise scans skip the rest. */
  private final HullIndex index;

  /**
   * Every answer about every rule of a chain: shadowing, redundancy and conflicts.
   *
   * @param policy the chain's policy; null for a user chain
   * @param entry for a user chain, the cubes of the rules that jump or go to it (null for a
   *     built-in chain: any packet of its hook enters)
   * @param total the work left for the whole policy; each question spends from it
   */
  public ChainAnalysis(List<RuleView> rules, Verdict policy, List<Cube> entry, Budget total) {
    this(rules, policy, entry, total, RULE_BUDGET, true, null);
  }

  /**
   * Only whether each rule is shadowed; redundancy is then asked rule by rule with {@link
   * #redundancy(int, BitSet)}, as rules are removed. The parameters are the constructor's (the
   * entry cubes serve the conflicts only), and {@code perRule} bounds each question about one
   * rule in place of {@link #RULE_BUDGET}.
   */
  public static ChainAnalysis shadowing(List<RuleView> rules, Verdict policy, Budget total,
      long perRule) {
    return new ChainAnalysis(rules, policy, null, total, perRule, false, null);
  }

  /**
   * {@link #shadowing} of this chain without the rules in {@code removed}, whose views, in
   * order, are {@code rest} (the same rules, maybe with other origins). A rule keeps its answer
   * (NO, or UNKNOWN) unless a removed rule before it may meet it: its question visits only the
   * rules before it that may meet it, so it is the same question. When {@code shadowedOnly}
   * (every removed rule shadowed here), a removed exact terminal rule in a chain without
   * rewrites does not count either: it adds nothing to the union of the rules before it, so the
   * union that answers a later rule, and the packets that reach it, stay the same without it
   * (a jump, a rewrite or an opaque rule may have stood in a later rule's way). The others are
   * asked again, so a question that ran out of work is asked again only if a removed rule may
   * change it; but when most of the chain is removed every rule left is (cheaper than finding
   * which removed rule meets which, and among few rules it may be answered).
   */
  public ChainAnalysis shadowingWithout(BitSet removed, List<RuleView> rest, Budget total,
      boolean shadowedOnly) {
    if (rest.size() != rules.size() - removed.cardinality()) {
      throw new IllegalArgumentException("the rules left must be the rules not removed");
    }
    if (removed.cardinality() > rest.size()) {
      return new ChainAnalysis(rest, policy, null, total, perRule, false, null);
    }
    boolean rewrites = false;
    for (RuleView r : rules) {
      rewrites |= r.modifiesMask() != 0;
    }
    BitSet touched = new BitSet(rules.size());
    for (int i = removed.nextSetBit(0); i >= 0; i = removed.nextSetBit(i + 1)) {
      RuleView e = rules.get(i);
      if (shadowedOnly && !rewrites && e.isTerminal() && !e.opaque()) {
        continue;
      }
      for (int k : index.after(i)) {
        if (!touched.get(k) && bounds.mayMeet(i, k)) {
          touched.set(k);
        }
      }
    }
    Result[] carried = new Result[rest.size()];
    for (int j = 0, k = 0; j < rules.size(); j++) {
      if (removed.get(j)) {
        continue;
      }
      // a YES that stayed (the last conntrack rule) is asked again: its covers are indices
      if (!touched.get(j) && results[j].shadowed != Answer.YES) {
        carried[k] = results[j];
      }
      k++;
    }
    return new ChainAnalysis(rest, policy, null, total, perRule, false, carried);
  }

  private ChainAnalysis(List<RuleView> rules, Verdict policy, List<Cube> entry, Budget total,
      long perRule, boolean everything, Result[] carried) {
    this.rules = List.copyOf(rules);
    this.policy = policy;
    this.entry = entry;
    this.total = total;
    this.perRule = perRule;
    this.results = new Result[rules.size()];
    this.bounds = new RuleBounds(this.rules);
    this.index = HullIndex.of(bounds.hulls, bounds.empty, RuleBounds.HULL);
    for (int j = 0; j < results.length; j++) {
      results[j] = carried != null && carried[j] != null ? carried[j] : new Result();
    }
    for (int j = 0; j < results.length; j++) {
      if (carried == null || carried[j] == null) {
        shadow(j);
      }
    }
    if (!everything) {
      return;
    }
    for (int j = 0; j < results.length; j++) {
      if (results[j].shadowed == Answer.NO) {
        results[j].redundancy = redundancy(j, new BitSet());
      }
    }
    for (int j = 0; j < results.length; j++) {
      conflicts(j);
    }
  }

  /** The rules analysed, by index. */
  public List<RuleView> rules() {
    return rules;
  }

  /** The answers about the rule at {@code index}. */
  public Result result(int index) {
    return results[index];
  }

  private Budget budget() {
    return new Budget(Math.min(perRule, total.left()));
  }

  private void charge(Budget b) {
    total.spend(Math.min(perRule, total.left()) - b.left());
  }

  // ------------------------------------------------------------------ shadowing

  /**
   * Rule j is shadowed when the union of the earlier terminal rules that are valid evidence
   * (exact cubes, of other policy rules, not reading a field a rule in between may change in
   * the packets that reach j) holds its cube. The same pass records what of the cube is left:
   * the packets that may reach it.
   */
  private void shadow(int j) {
    RuleView r = rules.get(j);
    Result res = results[j];
    Budget b = budget();
    try {
      int changed = 0; // the fields the rules between i and j may change in j's packets
      List<Integer> candidates = new ArrayList<>();
      List<Integer> conflicting = new ArrayList<>();
      boolean mayConflict = r.isTerminal() && !r.opaque() && outcome(r) != null;
      boolean exact = true;
      int alone = -1;
      // the rules whose hulls miss j's cannot matter; each candidate costs at least one unit,
      // so no more than the budget's units plus one are ever looked at
      for (int i : index.before(j, (int) Math.min(Integer.MAX_VALUE, b.left() + 1))) {
        if (!b.spend(1)) {
          return;
        }
        RuleView e = rules.get(i);
        boolean meets = bounds.mayMeet(i, j);
        if (meets) {
          if (!b.spend(CUBE_TEST)) {
            return;
          }
          meets = bounds.plain(i, j) ? bounds.meet(i, j) : e.cube().intersects(r.cube());
        }
        if (meets && e.group() != r.group() && e.isTerminal() && !e.opaque()
            && !e.reads(changed)) {
          if (!b.spend(CUBE_TEST)) {
            return;
          }
          if (bounds.plain(i, j) ? bounds.holds(i, j) : e.cube().contains(r.cube())) {
            alone = i; // the earliest rule that covers it alone
          }
          candidates.add(i);
          if (mayConflict && conflict(e, r) && !r.reads(changed)) {
            conflicting.add(i);
          }
        } else if (meets && e.kind() != RuleView.Kind.NEUTRAL) {
          exact = false; // a jump, rewrite, opaque or unusable verdict takes some packets
        }
        if (e.modifiesMask() != 0 && bounds.mayMeet(i, j)) {
          // A rewrite reaches rule j's packets only if its cube meets j's on the fields no
          // rule from it to j changes: those fields are the same at both rules. (The hulls'
          // fields are never rewritten, so apart hulls rule a rewrite out too.)
          int after = changed | e.modifiesMask();
          if (!b.spend(CUBE_TEST)) {
            return;
          }
          if (e.meetsIgnoring(r, after)) {
            changed = after;
          }
        }
      }
      if (alone >= 0) {
        res.reaching = List.of();
        res.reachingExact = exact;
        res.shadowed = Answer.YES;
        res.covers = List.of(alone);
        return;
      }
      Collections.reverse(candidates);
      List<Cube> pieces = r.cube().isEmpty() ? List.of() : List.of(r.cube());
      List<Integer> used = new ArrayList<>();
      for (int i : candidates) {
        if (pieces.isEmpty()) {
          break;
        }
        List<Cube> next = Coverage.minus(pieces, rules.get(i).cube(), b);
        if (next == null) {
          return;
        }
        if (next != pieces) {
          used.add(i);
        }
        pieces = next;
      }
      res.reaching = pieces;
      res.reachingExact = exact;
      if (!pieces.isEmpty()) {
        res.shadowed = Answer.NO;
        res.mayConflict = conflicting;
        return;
      }
      res.shadowed = Answer.YES;
      res.covers = minimal(r.cube(), used, b);
    } finally {
      charge(b);
    }
  }

  /** The most covers {@link #minimal} tries to do without (each try redoes the union). */
  static final int MINIMIZE = 8;

  /**
   * Drops covers the others make unnecessary, latest first, while the budget lasts; more than
   * {@link #MINIMIZE} covers are kept as found.
   */
  private List<Integer> minimal(Cube target, List<Integer> used, Budget b) {
    if (used.size() > MINIMIZE) {
      return List.copyOf(used);
    }
    List<Integer> keep = new ArrayList<>(used);
    for (int k = keep.size() - 1; k >= 0 && keep.size() > 1; k--) {
      List<Cube> others = new ArrayList<>();
      for (int m = 0; m < keep.size(); m++) {
        if (m != k) {
          others.add(rules.get(keep.get(m)).cube());
        }
      }
      List<Cube> left = Coverage.remainder(target, others, b);
      if (left == null) {
        break;
      }
      if (left.isEmpty()) {
        keep.remove(k);
      }
    }
    return List.copyOf(keep);
  }

  // ------------------------------------------------------------------ redundancy

  /**
   * Whether the terminal rule j, not known to be shadowed, is redundant once the later rules in
   * {@code gone} are removed as well: every packet that may reach it and match it, were it
   * removed with the other rules of its policy rule, would meet only later rules with the same
   * target (exact ones, which take it) and rules it does not match, and then, if any is left, an
   * end of chain that decides the same. The packets that reach rule j depend on the rules
   * before it only, so the answer holds while no earlier rule is removed. When the shadowing
   * question was given up, every packet of the rule's cube stands for those that reach it.
   * (The checks report the redundancy of rules known not to be shadowed only.)
   */
  public Redundancy redundancy(int j, BitSet gone) {
    RuleView r = rules.get(j);
    Result res = results[j];
    if (!r.isTerminal() || res.shadowed == Answer.YES) {
      return Redundancy.UNKNOWN;
    }
    Budget b = budget();
    try {
      List<Cube> left = res.reaching != null ? res.reaching
          : r.cube().isEmpty() ? List.of() : List.of(r.cube());
      List<Integer> takers = new ArrayList<>();
      for (int k : index.after(j)) { // the rules whose hulls miss j's take none of it
        if (left.isEmpty()) {
          break;
        }
        RuleView s = rules.get(k);
        if (s.group() == r.group() || gone.get(k)) {
          continue; // removed with rule j, or before it
        }
        if (!b.spend(1)) {
          return Redundancy.UNKNOWN;
        }
        if (!bounds.mayMeet(j, k)) {
          continue; // the pieces are in r's cube
        }
        if (!b.spend((long) CUBE_TEST * left.size())) {
          return Redundancy.UNKNOWN;
        }
        if (!Coverage.meets(left, s.cube())) {
          continue;
        }
        if (!s.isTerminal() || s.opaque() || !s.rule().target().equals(r.rule().target())) {
          // a different decision, a rewrite, a log line, a count, or a rate limit whose state
          // the packets would change
          return Redundancy.NO;
        }
        List<Cube> next = Coverage.minus(left, s.cube(), b);
        if (next == null) {
          return Redundancy.UNKNOWN;
        }
        takers.add(k);
        left = next;
      }
      if (!left.isEmpty() && !endDecidesAs(r.rule().target())) {
        return Redundancy.NO;
      }
      return new Redundancy(Answer.YES, takers, !left.isEmpty());
    } finally {
      charge(b);
    }
  }

  /** True when falling off the end of the chain has the effect of the target. */
  private boolean endDecidesAs(Target t) {
    if (t instanceof Target.Return) {
      return true; // a built-in chain's RETURN applies its policy, as its end does
    }
    if (policy == null) {
      return false;
    }
    return policy == Verdict.ACCEPT ? t instanceof Target.Accept : t instanceof Target.Drop;
  }

  // ------------------------------------------------------------------ conflicts

  /**
   * Earlier rules i whose decision conflicts with rule j's and which decide part, but not all,
   * of what j matches, while j also matches packets outside i: the two overlap and neither
   * contains the other, so their order decides the overlap (FIREMAN's "correlation"). A later
   * rule that contains an earlier one (a default after exceptions) is the usual way to write a
   * policy and is not reported; one the earlier rule contains is shadowed or partly so. Only
   * pairs whose overlap provably reaches rule i are reported.
   */
  private void conflicts(int j) {
    RuleView r = rules.get(j);
    Result res = results[j];
    if (res.mayConflict.isEmpty()) {
      return;
    }
    Budget b = budget();
    try {
      for (int i : res.mayConflict) {
        RuleView e = rules.get(i);
        Result er = results[i];
        if (!er.reachingExact || er.reaching == null) {
          continue;
        }
        if (!b.spend(CUBE_TEST * (3L + er.reaching.size()))) {
          return;
        }
        if (e.cube().contains(r.cube()) || r.cube().contains(e.cube())
            || !looksOrdered(e.cube(), r.cube())) {
          continue;
        }
        Cube in = overlapReaching(er.reaching, r.cube());
        if (in != null) {
          res.conflicts.add(0, i);
          // for the message: what both rules match (of what the chain lets in)
          res.overlaps.add(0, e.cube().intersect(r.cube()).intersect(in));
        }
      }
    } finally {
      charge(b);
    }
  }

  /**
   * Whether the later rule reads like an exception the earlier one preempts: on some field both
   * constrain, the earlier rule's values strictly contain the later one's, or the two cross
   * (each has values the other lacks). Rules that share no constrained field (an interface rule
   * and a conntrack-state rule) are orthogonal layers, and a later rule broader on every shared
   * field is a default after its exceptions: neither is reported.
   */
  static boolean looksOrdered(Cube earlier, Cube later) {
    for (Map.Entry<Field, ValueSet> f : earlier.constrained().entrySet()) {
      ValueSet l = later.constrained().get(f.getKey());
      if (l != null && !l.containsAll(f.getValue())) {
        return true; // strictly broader, or crossing
      }
    }
    return false;
  }

  /**
   * Whether some packets of the cube reach the earlier rule (are in one of its reaching pieces)
   * and, in a user chain, some jump into the chain lets them in: the cube that lets them in
   * (every packet for a built-in chain), or null when there are none.
   */
  private Cube overlapReaching(List<Cube> reaching, Cube c) {
    for (Cube p : reaching) {
      if (!p.intersects(c)) {
        continue;
      }
      if (entry == null) {
        return Cube.all(c.family());
      }
      Cube both = p.intersect(c);
      for (Cube in : entry) {
        if (in.intersects(both)) {
          return in;
        }
      }
    }
    return null;
  }

  /** What a terminal target decides, for conflicts: null for RETURN and GOTO. */
  private static String outcome(RuleView r) {
    Target t = r.rule().target();
    if (t instanceof Target.Accept) {
      return "accept";
    } else if (t instanceof Target.Drop || t instanceof Target.Reject) {
      return "deny";
    } else if (t instanceof Target.Dnat || t instanceof Target.Snat
        || t instanceof Target.Masquerade || t instanceof Target.Redirect) {
      return "nat";
    }
    return null;
  }

  /**
   * Whether two terminal targets decide differently enough to report: accept against drop or
   * reject, a NAT target against ACCEPT (no NAT), or two different NAT targets. DROP against
   * REJECT is not reported: both refuse.
   */
  static boolean conflict(RuleView a, RuleView b) {
    String oa = outcome(a);
    String ob = outcome(b);
    if (oa == null || ob == null) {
      return false;
    }
    if (oa.equals("nat") && ob.equals("nat")) {
      return !a.rule().target().equals(b.rule().target());
    }
    return !oa.equals(ob);
  }
}
