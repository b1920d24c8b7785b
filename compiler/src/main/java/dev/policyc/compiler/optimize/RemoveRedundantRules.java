package dev.policyc.compiler.optimize;

import dev.policyc.compiler.analysis.ChainAnalysis;
import dev.policyc.compiler.analysis.ChainAnalysis.Answer;
import dev.policyc.compiler.analysis.ChainAnalysis.Redundancy;
import dev.policyc.compiler.analysis.ChainEffects;
import dev.policyc.compiler.analysis.RuleView;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.space.Coverage.Budget;
import dev.policyc.compiler.space.Field;
import dev.policyc.dsl.Family;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes, in every chain, the rules the chain analysis ({@link ChainAnalysis}) proves useless:
 * <em>shadowed</em> rules, whose every packet the union of earlier rules takes (so no packet
 * reaches them), and <em>redundant</em> rules, whose packets the later rules or the end of the
 * chain would decide the same way without them. What the analysis cannot prove (an opaque match
 * or a rewrite in the way, the work budget spent) stays. See docs/passes/remove-redundant.md.
 *
 * <p>Removing a rule changes what the analysis can say of the others, so the pass removes in an
 * order where each removal is proven on the chain as it is then: every shadowed rule at once
 * (none is reached, so removing them changes no packet's path through the others), again until
 * none is left; then, from the last rule to the first, each rule redundant among the rules that
 * remain after it (what reaches a rule depends on the rules before it only, which are all still
 * there). It repeats until a round removes nothing, so a second run changes nothing.
 *
 * <p>Two things the kernel keeps beyond a chain's decisions: a family's rules switch conntrack
 * on while one of them matches a conntrack state or mark or uses a NAT or CONNMARK target, so the
 * last such rule stays even when useless; and a removed rule's origin goes to the report with
 * the rules that take its packets instead.
 */
final class RemoveRedundantRules implements Pass {
  /**
   * Work units (see {@link Budget}: about one comparison of two numbers each) for one run over a
   * whole policy, shared by every question the analysis asks. The analysis of a chain compares
   * every rule with the rules before it (most pairs are told apart by their bounds in one unit),
   * and each round of removals analyses the chain again, so this is enough for chains of ten
   * thousand rules (ClassBench acl1 and fw1: about 2 s and 3 s of one core) and for the first
   * tens of thousands of rules of a longer one (a 100,000-rule chain: about 6 s). Beyond it,
   * every answer is unknown and the rules stay.
   */
  static final long BUDGET = 500_000_000;

  /**
   * The most work one question about one rule may spend (is it shadowed; is it redundant), in
   * place of the checks' {@link ChainAnalysis#RULE_BUDGET}: a rule that many earlier or later
   * rules overlap in many pieces (the wide port ranges of a firewall set) is given up quickly, so
   * that the budget serves every rule of a long chain rather than its first few hundred. At 20,000
   * the pass removes 9,375 of ClassBench fw1_10k's 9,379 rules; at 200,000, 6.
   */
  static final long RULE_BUDGET = 20_000;

  private final long budget;

  RemoveRedundantRules() {
    this(BUDGET);
  }

  /** A pass with its own work budget, for tests of what happens when it runs out. */
  RemoveRedundantRules(long budget) {
    this.budget = budget;
  }

  @Override
  public String name() {
    return "remove-redundant";
  }

  @Override
  public Kind kind() {
    return Kind.OPTIMIZATION;
  }

  @Override
  public IrPolicy run(IrPolicy in, PassContext ctx) {
    Budget work = new Budget(budget);
    Ruleset v4 = new FamilyRun(in, in.ipv4(), ctx, work).run();
    Ruleset v6 = new FamilyRun(in, in.ipv6(), ctx, work).run();
    if (v4 == in.ipv4() && v6 == in.ipv6()) {
      return in;
    }
    return new IrPolicy(in.name(), in.host(), in.sets(), v4, v6);
  }

  /** A chain's analysis, the rules of it found redundant, and the rules kept. */
  private record Analysed(ChainAnalysis analysis, BitSet gone, List<Rule> kept) {}

  /** The removals in the rules of one family. */
  private static final class FamilyRun {
    private final IrPolicy policy;
    private final Ruleset rules;
    private final Family family;
    private final PassContext ctx;
    private final Budget work;
    /** By chain, the last round's analysis, the rules it removed as redundant and the rest. */
    private final Map<String, Analysed> last = new HashMap<>();
    /** The rules left that switch conntrack on: the last one stays. */
    private int conntrackUsers;

    FamilyRun(IrPolicy policy, Ruleset rules, PassContext ctx, Budget work) {
      this.policy = policy;
      this.rules = rules;
      this.family = rules.family();
      this.ctx = ctx;
      this.work = work;
      for (RuleTable t : rules.tables()) {
        for (Chain c : t.chains()) {
          for (Rule r : c.rules()) {
            if (Interpreter.usesConntrack(r)) {
              conntrackUsers++;
            }
          }
        }
      }
    }

    Ruleset run() {
      List<RuleTable> tables = new ArrayList<>();
      boolean changed = false;
      for (RuleTable t : rules.tables()) {
        RuleTable out = table(t);
        changed |= out != t;
        tables.add(out);
      }
      return changed ? new Ruleset(family, tables) : rules;
    }

    /** The table after rounds of removals, until one removes nothing. */
    private RuleTable table(RuleTable in) {
      RuleTable t = in;
      last.clear();
      // (the analysis spends at most what is left, so a spent budget is at 0, not overdrawn)
      while (work.left() > 0) {
        RuleTable next = round(t);
        if (next == t) {
          break;
        }
        t = next;
      }
      return t;
    }

    /** One round over every chain of the table: shadowed rules, then redundant ones. */
    private RuleTable round(RuleTable t) {
      Map<String, Set<Field>> modifies = ChainEffects.modifiedFields(t);
      List<Chain> chains = new ArrayList<>();
      boolean changed = false;
      for (Chain c : t.chains()) {
        List<Rule> kept = withoutRedundant(t, c, withoutShadowed(t, c, modifies));
        changed |= kept.size() != c.rules().size();
        chains.add(kept.size() == c.rules().size() ? c : new Chain(c.name(), c.policy(), kept));
      }
      return changed ? t.withChains(chains) : t;
    }

    /**
     * The analysis of the chain's rules without the shadowed ones: none of them is reached, so
     * removing them all at once changes no packet's path; again on what is left, until none is
     * shadowed.
     */
    private ChainAnalysis withoutShadowed(RuleTable t, Chain c,
        Map<String, Set<Field>> modifies) {
      List<Rule> rs = c.rules();
      ChainAnalysis a = carried(c);
      if (a == null) {
        a = analyse(rs, c, modifies);
      }
      while (true) {
        List<Rule> kept = new ArrayList<>();
        List<RuleView> views = new ArrayList<>();
        BitSet removed = new BitSet(rs.size());
        for (int j = 0; j < rs.size(); j++) {
          ChainAnalysis.Result res = a.result(j);
          if (res.shadowed() == Answer.YES && mayRemove(rs.get(j))) {
            ctx.removed(family, t.table(), c.name(), rs.get(j), "shadowed",
                rules(rs, res.covers()));
            ctx.count("shadowed", 1);
            removed.set(j);
          } else {
            views.add(a.rules().get(j).at(kept.size(), kept.size(), rs.get(j)));
            kept.add(rs.get(j));
          }
        }
        if (kept.size() == rs.size()) {
          return a;
        }
        rs = kept;
        a = a.shadowingWithout(removed, views, work, true);
      }
    }

    /**
     * The analysis of the chain's rules from the last round's, when the chain is what that
     * round left of it and has no jumps (whose views depend on the other chains): the answers of
     * the rules no removed rule may meet stay (see {@link ChainAnalysis#shadowingWithout}).
     */
    private ChainAnalysis carried(Chain c) {
      Analysed prev = last.remove(c.name());
      if (prev == null || prev.kept().size() != c.rules().size()) {
        return null;
      }
      List<RuleView> views = new ArrayList<>();
      List<RuleView> old = prev.analysis().rules();
      for (int j = 0; j < old.size(); j++) {
        if (old.get(j).kind() == RuleView.Kind.JUMP) {
          return null;
        }
        if (!prev.gone().get(j)) {
          Rule r = c.rules().get(views.size());
          if (r != prev.kept().get(views.size())) {
            return null;
          }
          views.add(old.get(j).at(views.size(), views.size(), r));
        }
      }
      return prev.analysis().shadowingWithout(prev.gone(), views, work, false);
    }

    /**
     * The analysed rules without the redundant ones, asked from the last rule to the first so
     * that each is judged among the rules left after it, with every rule before it in place. A
     * rule that takes over a removed rule's packets gets it as a part of its origin (before its
     * own, in first-match order), so explain and the kernel's counters still name the rule a
     * packet matched first in the chain as written.
     */
    private List<Rule> withoutRedundant(RuleTable t, Chain c, ChainAnalysis a) {
      List<RuleView> views = a.rules();
      BitSet gone = new BitSet(views.size());
      // the rules each taker takes over, in first-match order; its rule is built once at the
      // end (building it at every takeover copied its parts and comments again each time: a
      // final wildcard rule that takes over ten thousand rules made that quadratic)
      Map<Integer, ArrayDeque<Rule>> taken = new HashMap<>();
      for (int j = views.size() - 1; j >= 0; j--) {
        if (!views.get(j).isTerminal() || a.result(j).shadowed() == Answer.YES) {
          continue;
        }
        Redundancy red = a.redundancy(j, gone);
        Rule r = views.get(j).rule();
        if (red.answer() == Answer.YES && mayRemove(r)) {
          gone.set(j);
          List<Rule> takers = new ArrayList<>();
          for (int k : red.takers()) {
            takers.add(views.get(k).rule());
          }
          ctx.removed(family, t.table(), c.name(), r, "redundant", takers);
          ctx.count("redundant", 1);
          for (int k : red.takers()) {
            taken.computeIfAbsent(k, x -> new ArrayDeque<>()).addFirst(r);
          }
        }
      }
      List<Rule> kept = new ArrayList<>();
      for (int j = 0; j < views.size(); j++) {
        if (!gone.get(j)) {
          Rule r = views.get(j).rule();
          ArrayDeque<Rule> parts = taken.get(j);
          if (parts != null) {
            List<Rule> all = new ArrayList<>(parts);
            all.add(r);
            r = Merged.rule(r.matches(), r.target(), all);
          }
          kept.add(r);
        }
      }
      last.put(c.name(), new Analysed(a, gone, kept));
      return kept;
    }

    /**
     * False for the last rule of the family that switches conntrack on; true otherwise, and then
     * the rule is counted as gone.
     */
    private boolean mayRemove(Rule r) {
      if (!Interpreter.usesConntrack(r)) {
        return true;
      }
      if (conntrackUsers <= 1) {
        return false;
      }
      conntrackUsers--;
      return true;
    }

    private ChainAnalysis analyse(List<Rule> rs, Chain c, Map<String, Set<Field>> modifies) {
      List<RuleView> views = new ArrayList<>();
      for (int i = 0; i < rs.size(); i++) {
        views.add(view(i, rs.get(i), modifies));
      }
      return ChainAnalysis.shadowing(views, c.policy(), work, RULE_BUDGET);
    }

    /** The rule's view; each rule is its own group, as the pass removes rules one by one. */
    private RuleView view(int index, Rule r, Map<String, Set<Field>> modifies) {
      String to = ChainEffects.jumpTarget(r.target());
      return RuleView.of(index, r, family, policy,
          to == null ? Set.of() : modifies.getOrDefault(to, Set.of()), index);
    }

    private static List<Rule> rules(List<Rule> rs, List<Integer> indices) {
      List<Rule> out = new ArrayList<>();
      for (int i : indices) {
        out.add(rs.get(i));
      }
      return out;
    }
  }
}
