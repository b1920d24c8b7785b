package dev.policyc.compiler.verify;

import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.verify.EditLineUp.Edit;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Proves that a policy rewritten chain by chain (what an optimization pass does) means what it
 * meant, one edit at a time, without exploring whole tables: the proof {@code compile --verify}
 * runs for every pass (docs/verify.md, "Proving a pass").
 *
 * <p>The two versions of each chain are lined up: rules with the same matches and target, in
 * the same order, are kept; what lies between is an <em>edit</em> (some rules of the first
 * version replaced by some of the second). The edits are applied one at a time, from the last
 * to the first, and each is proved on its own: the policy before it and the policy after it
 * differ in that edit alone, so for a packet arriving at the edit's first rule, only the rules
 * from there on decide, and only the packets that may match a rule of the edit (in either
 * version) can meet different rules. The engine explores exactly those packets, from the edit
 * on, through both versions of the rest of the chain, each restricted to the rules that may
 * match them, and compares how the rest of the table ends for them, falling off the chain
 * included (its policy, or the return to the caller of a user chain). When that does not
 * prove the edit (a rule removed because earlier rules take its packets), it tries again from
 * the chain's first rule, and then together with up to {@link #PARTNERS} earlier edits whose
 * packets meet it (a rule moved up and merged into an earlier one is two edits that only hold
 * together). A chain of equal policies leads from the first policy to the second, so the two
 * are equal. Nothing of the pass is trusted: the edits come from comparing its input and
 * output, and each is explored by the checker's own {@link TableExplorer}.
 *
 * <p>An edit that calls a chain the first policy does not have (a decision tree) is explored
 * from the edit to the end of the chain for every packet, stopping where a packet enters a new
 * chain that calls no other new chain (a leaf); each such class is then explored through the
 * first version (the rules that may match it) and, for each class of that, on through the leaf.
 *
 * <p>Edits are first tried where they stand; the others from the last earlier rule that takes
 * all their packets, from the chain's first rule, or with earlier edits. Rules before the
 * first edited one are the same in both versions: they are explored once, and only the classes
 * that go on past them are compared.
 *
 * <p>It answers EQUAL or UNKNOWN, never DIFFERENT: a difference one edit shows may be hidden by
 * the rest of the policy. The caller then decides with {@link Equivalence}.
 */
public final class ChainEdits {
  /** Rule evaluations one attempt at proving one edit may spend. */
  static final long STEP_BUDGET = 20_000_000L;

  /** Earlier edits tried together with one that cannot be proved alone. */
  static final int PARTNERS = 4;

  /** Region cubes of one edit beyond which the edit is explored for every packet. */
  private static final int MAX_REGION = 4096;

  private final IrPolicy a;
  private final IrPolicy b;
  private final long budget;
  private long spent;
  private long edits;

  private ChainEdits(IrPolicy a, IrPolicy b, long budget) {
    this.a = a;
    this.b = b;
    this.budget = budget;
  }

  /**
   * EQUAL when every edit from {@code a} to {@code b} is proved, else UNKNOWN with the reason
   * (then {@link Equivalence#compare} decides); {@code budget} bounds the rule evaluations of
   * every edit together.
   */
  public static Result prove(IrPolicy a, IrPolicy b, long budget) {
    ChainEdits p = new ChainEdits(a, b, budget);
    String why;
    try {
      why = p.run();
    } catch (Unsupported u) {
      why = u.getMessage();
    }
    return new Result(why == null ? Result.Status.EQUAL : Result.Status.UNKNOWN, List.of(), why,
        p.edits, p.spent);
  }

  /** Null when proved, else why not. */
  private String run() {
    if (!Objects.equals(a.host(), b.host())) {
      return "the host models differ";
    }
    for (IpSet s : a.sets()) {
      if (!b.set(s.name()).map(s::equals).orElse(false)) {
        return "set " + s.name() + " differs";
      }
    }
    for (Family f : Family.values()) {
      if (Interpreter.usesConntrack(a.ruleset(f)) != Interpreter.usesConntrack(b.ruleset(f))) {
        return "one policy uses conntrack in " + f + ", the other not";
      }
      for (Table t : Table.values()) {
        RuleTable ta = a.ruleset(f).table(t).orElse(null);
        RuleTable tb = b.ruleset(f).table(t).orElse(null);
        if (ta == null && tb == null) {
          continue;
        }
        if (ta == null || tb == null) {
          return "table " + t.iptablesName() + " is in one policy only";
        }
        String why = new TableRun(f, ta, tb).run();
        if (why != null) {
          return why;
        }
      }
    }
    return null;
  }

  /** The edits of one table. */
  private final class TableRun {
    private final Family family;
    private final RuleTable ta;
    private final RuleTable tb;
    private final boolean rewrites;
    /** The chains as they are between edits: the first version until its edits are done. */
    private final Map<String, Chain> current = new HashMap<>();
    private final Set<String> added = new HashSet<>();
    /**
     * The chains only the second version has that call none of them (a decision tree's
     * leaves): where the second version's classes stop before the first is explored.
     */
    private final Set<String> ends = new HashSet<>();
    private final Map<Hook, MatchSpace> spaces = new HashMap<>();
    private final Map<Rule, Reach> reach = new IdentityHashMap<>();

    TableRun(Family family, RuleTable ta, RuleTable tb) {
      this.family = family;
      this.ta = ta;
      this.tb = tb;
      this.rewrites = Focus.rewrites(ta) || Focus.rewrites(tb);
    }

    String run() {
      if (Focus.hasState(ta) || Focus.hasState(tb)) {
        // NOTRACK and TCPMSS leave a state the packet does not show (untracked, a longer
        // packet): a packet in the middle of a chain is then not any packet
        return "a NOTRACK or TCPMSS target in " + ta.table().iptablesName();
      }
      for (Chain c : ta.chains()) {
        Chain d = tb.chain(c.name()).orElse(null);
        if (d == null || !Objects.equals(c.policy(), d.policy())) {
          return "chain " + c.name() + " is not in both policies alike";
        }
        current.put(c.name(), c);
      }
      for (Chain d : tb.chains()) {
        if (!current.containsKey(d.name())) {
          if (d.isBuiltin()) {
            return "built-in chain " + d.name() + " is in one policy only";
          }
          added.add(d.name());
          current.put(d.name(), d);
        }
      }
      for (String name : added) {
        boolean calls = false;
        for (Rule r : current.get(name).rules()) {
          String to = EditLineUp.jumpTarget(r.target());
          calls |= to != null && added.contains(to);
        }
        if (!calls) {
          ends.add(name);
        }
      }
      Map<String, List<Hook>> hooks = Focus.hooks(ta, tb);
      for (Chain c : ta.chains()) {
        Chain d = tb.chain(c.name()).get();
        List<Hook> from = hooks.getOrDefault(c.name(), List.of());
        if (!from.isEmpty()) {
          String why = new ChainRun(c, d, from).run();
          if (why != null) {
            return why;
          }
        }
        current.put(c.name(), d);
      }
      return null;
    }

    MatchSpace space(Hook h) {
      return spaces.computeIfAbsent(h, x -> new MatchSpace(b, family, x));
    }

    Reach reach(Rule r) {
      return reach.computeIfAbsent(r, this::reachOf);
    }

    private Reach reachOf(Rule r) {
      return Reach.of(r, family, b, rewrites);
    }

    /** The edits of one chain, proved from the last to the first. */
    private final class ChainRun {
      private final Chain ca;
      private final List<Rule> ra;
      private final List<Rule> rb;
      private final List<Hook> hooks;
      private final List<Edit> edits;
      private final boolean[] done;
      private final RuleIndex index;
      private final MovedMembers moved;

      ChainRun(Chain ca, Chain cb, List<Hook> hooks) {
        this.ca = ca;
        this.ra = ca.rules();
        this.rb = cb.rules();
        this.hooks = hooks;
        this.edits = EditLineUp.edits(ra, rb, added, (n, o) -> n.target().equals(o.target())
            && Reach.covers(reach(n).cubes(), reach(o).cubes()));
        this.done = new boolean[edits.size()];
        this.index = new RuleIndex(family, ra, rb, edits, done, TableRun.this::reach);
        this.moved = new MovedMembers(ca, ra, rb, edits, done, index, TableRun.this::reach, hooks,
            (hook, end, step) -> new TableExplorer(space(hook), family,
                name -> name.equals(ca.name()) ? null : current.get(name), end, step, x -> false),
            rewrites);
      }

      /**
       * Proves the edits from the last to the first; those not proved yet (an edit whose proof
       * needs one before it: a rule moved up into a set that an earlier set's rule then takes
       * packets from) are tried again in the other direction, sweep after sweep while one
       * proves something.
       */
      String run() {
        List<Integer> todo = new ArrayList<>();
        for (int k = edits.size() - 1; k >= 0; k--) {
          todo.add(k);
        }
        // first the rules that took in later rules (a set's rule and its members), from the
        // first to the last, so that the members of an earlier set are gone from between
        for (int h = 0; h < edits.size(); h++) {
          group(h);
        }
        // then every edit that holds where it stands: a rule an earlier one shadows is then
        // proved from the chain's start through fewer rules (those removed before it are gone)
        for (int k : todo) {
          if (!done[k] && !edits.get(k).wide()) {
            ChainEdits.this.edits++;
            if (proveFrom(List.of(k), edits.get(k).ia())) {
              settle(k);
            }
          }
        }
        while (!todo.isEmpty()) {
          List<Integer> left = new ArrayList<>();
          for (int k : todo) {
            if (!done[k] && !prove(k)) {
              left.add(k);
            }
          }
          left.removeIf(k -> done[k]);
          if (left.size() == todo.size()) {
            Edit e = edits.get(left.get(0));
            return "the edit of " + ta.table().iptablesName() + "/" + ca.name() + " at rule "
                + (e.ia() + 1) + " (" + (e.ja() - e.ia()) + " rules for " + (e.jb() - e.ib())
                + ") is not proved";
          }
          Collections.reverse(left);
          todo = left;
        }
        return null;
      }

      /** Proves the group edit {@code h} heads with {@link MovedMembers}, if it is one. */
      private void group(int h) {
        Budget step = new Budget(Math.max(0, Math.min(STEP_BUDGET, budget - spent)));
        try {
          for (int k : moved.prove(h, step)) {
            settle(k);
          }
        } catch (Unsupported u) {
          if (spent + step.spent() > budget) {
            throw new Unsupported("more than " + budget
                + " rule evaluations (the checker's budget)");
          }
        } finally {
          spent += step.spent();
        }
      }

      private void settle(int k) {
        done[k] = true;
        index.proved(k);
      }

      /** Tries edit k alone, then with earlier edits whose packets meet its own. */
      private boolean prove(int k) {
        List<Integer> with = new ArrayList<>(List.of(k));
        ChainEdits.this.edits++;
        if (proveFrom(with, edits.get(k).ia())) {
          settle(k);
          return true;
        }
        // packets an earlier rule takes whole (a rule it shadows, a member of a set whose rule
        // stands before it): from there
        int cover = covering(with);
        if (cover >= 0 && proveFrom(with, cover)) {
          settle(k);
          return true;
        }
        Side gone0 = gave(k);
        for (int h = k - 1, seen = 0; h >= 0 && seen < PARTNERS && !gone0.cubes().isEmpty();
            h--) {
          if (!done[h] || edits.get(h).wide() || !took(h).meets(gone0)) {
            continue;
          }
          seen++;
          if (Reach.covers(took(h).cubes(), gone0.cubes())) {
            if (proveFrom(with, edits.get(h).ia())) {
              settle(k);
              return true;
            }
            break;
          }
        }
        if (edits.get(k).ia() > 0 && proveFrom(with, 0)) {
          settle(k);
          return true;
        }
        Side gone = gave(k);
        Side come = took(k);
        // earlier edits that took this one's packets (their new rules hold them all) first, then
        // those that took or gave some, nearest first
        List<Integer> covering = new ArrayList<>();
        List<Integer> meeting = new ArrayList<>();
        for (int h = k - 1; h >= 0 && covering.size() < PARTNERS; h--) {
          if (done[h] || edits.get(h).wide()) {
            continue;
          }
          Side took = took(h);
          boolean meetsGone = took.meets(gone);
          if (meetsGone && !gone.cubes().isEmpty() && Reach.covers(took.cubes(), gone.cubes())) {
            covering.add(h);
          } else if (meeting.size() < PARTNERS && (meetsGone || gave(h).meets(come))) {
            meeting.add(h);
          }
        }
        covering.addAll(meeting);
        for (int h : covering.subList(0, Math.min(PARTNERS, covering.size()))) {
          with.add(h);
          if (attempt(with)) {
            return true;
          }
        }
        return false;
      }

      /**
       * The first version's rule from which the packets of the edits {@code with} are each
       * taken whole by one rule at or after it, before the edits (-1: none is).
       */
      private int covering(List<Integer> with) {
        List<Cube> region = region(with);
        int at = Integer.MAX_VALUE;
        int first = Integer.MAX_VALUE;
        for (int h : with) {
          first = Math.min(first, edits.get(h).ia());
        }
        if (region.size() > 64) {
          return -1;
        }
        for (Cube c : region) {
          int p = index.lastCovering(c, Reach.hull(c), first);
          if (p < 0) {
            return -1;
          }
          at = Math.min(at, p);
        }
        return at;
      }

      /** The packets of the rules of one side of an edit. */
      private record Side(List<Cube> cubes, long[] hull) {
        boolean meets(Side o) {
          if (hull == null || o.hull == null || Reach.apart(hull, o.hull)) {
            return false;
          }
          for (Cube c : cubes) {
            for (Cube d : o.cubes) {
              if (c.intersects(d)) {
                return true;
              }
            }
          }
          return false;
        }
      }

      private final Map<Integer, Side> gave = new HashMap<>();
      private final Map<Integer, Side> took = new HashMap<>();

      /** The packets the rules an edit removes may match. */
      private Side gave(int k) {
        return gave.computeIfAbsent(k, x -> side(ra.subList(edits.get(x).ia(),
            edits.get(x).ja())));
      }

      /** The packets the rules an edit puts in their place may match. */
      private Side took(int k) {
        return took.computeIfAbsent(k, x -> side(rb.subList(edits.get(x).ib(),
            edits.get(x).jb())));
      }

      private Side side(List<Rule> rules) {
        List<Cube> c = cubes(rules);
        return new Side(c, Reach.hull(c));
      }

      /** Proves the edits {@code with} together, from the first of them, else from rule 1. */
      private boolean attempt(List<Integer> with) {
        ChainEdits.this.edits++;
        int start = Integer.MAX_VALUE;
        for (int h : with) {
          start = Math.min(start, edits.get(h).ia());
        }
        if (proveFrom(with, start) || start > 0 && proveFrom(with, 0)) {
          for (int h : with) {
            if (!done[h]) {
              settle(h);
            }
          }
          return true;
        }
        return false;
      }

      private boolean proveFrom(List<Integer> with, int start) {
        Set<Integer> flip = new HashSet<>(with);
        List<Cube> region = region(with);
        Budget step = new Budget(Math.max(0, Math.min(STEP_BUDGET, budget - spent)));
        try {
          for (Hook h : hooks) {
            for (Cube c : region) {
              if (!same(h, start, flip, c, step)) {
                return false;
              }
            }
          }
          return true;
        } catch (Unsupported u) {
          if (spent + step.spent() > budget) {
            throw new Unsupported("more than " + budget
                + " rule evaluations (the checker's budget)");
          }
          return false;
        } finally {
          spent += step.spent();
        }
      }

      /**
       * Whether the rules {@code before} and {@code after} end the table alike for the packets
       * of {@code c} arriving at their first rule.
       */
      private boolean same(Hook hook, int from, Set<Integer> flip, Cube c, Budget step) {
        long[] h = Reach.hull(c);
        MatchSpace space = space(hook);
        // the rules before the first edit are the same in both versions: the packets they
        // decide are decided alike, and only those that go on are explored through both
        int at = Integer.MAX_VALUE;
        for (int k : flip) {
          at = Math.min(at, edits.get(k).ia());
        }
        if (from < at) {
          List<Rule> before = index.only(c, h, from, at, Set.of());
          if (!before.isEmpty()) {
            int first = at;
            TableExplorer xp = explorer(space, step, name -> false);
            return xp.through(Term.of(c), new Chain(ca.name(), ca.policy(), before),
                l -> l.pending() == null
                    || sameFrom(space, first, flip, l.region(), l.pending().state(), step));
          }
          // no rule before the edits may match these packets: they all arrive there
          return sameFrom(space, at, flip, Term.of(c), SymState.ENTRY, step);
        }
        return sameFrom(space, Math.min(from, at), flip, Term.of(c), SymState.ENTRY, step);
      }

      private TableExplorer explorer(MatchSpace space, Budget step, Predicate<String> stopAt) {
        return new TableExplorer(space, family,
            name -> name.equals(ca.name()) ? null : current.get(name), ca.policy(), step,
            stopAt);
      }

      /**
       * Whether the rules {@code before} and {@code after} end the table alike for the packets
       * of {@code start} arriving in state {@code state} at the first version's rule
       * {@code from}.
       */
      private boolean sameFrom(MatchSpace space, int from, Set<Integer> flip, Term start,
          SymState state, Budget step) {
        Cube c = start.cube();
        long[] h = Reach.hull(c);
        List<Rule> la = index.only(c, h, from, Set.of());
        List<Rule> lb = index.only(c, h, from, flip);
        TableExplorer xa = explorer(space, step, name -> false);
        TableExplorer xb = explorer(space, step, ends::contains).tails(this::tail);
        Chain chainB = new Chain(ca.name(), ca.policy(), lb);
        return xb.each(start, state, chainB, lbl -> {
          Term r = lbl.region();
          List<Rule> narrow = la.size() > 64
              ? index.only(r.cube(), Reach.hull(r.cube()), from, Set.of())
              : la;
          if (lbl.pending() != null
              && LeafRules.same(narrow, lbl.pending(), state, r, TableRun.this::reach)) {
            return true;
          }
          return xa.each(r, state, new Chain(ca.name(), ca.policy(), narrow),
              lal -> lbl.pending() == null
                  ? Equivalence.same(lal.outcome(), lbl.outcome(), lal.region())
                  : xb.resume(lal.region(), lbl.pending(),
                      more -> Equivalence.same(lal.outcome(), more.outcome(), more.region())));
        });
      }

      private final Map<Chain, Integer> tails = new IdentityHashMap<>();

      /**
       * Where the rules of a chain that calls a chain only the second version has end (after
       * its last such call: a tree's leaf written inline), else -1.
       */
      private int tail(Chain c) {
        return tails.computeIfAbsent(c, x -> {
          List<Rule> rules = x.rules();
          for (int k = rules.size() - 1; k >= 0; k--) {
            String to = EditLineUp.jumpTarget(rules.get(k).target());
            if (to != null && added.contains(to)) {
              return k + 1;
            }
          }
          return -1;
        });
      }

      /** The packets the rules of the edits may match (every packet for a wide one). */
      private List<Cube> region(List<Integer> with) {
        List<Cube> out = new ArrayList<>();
        for (int k : with) {
          Edit e = edits.get(k);
          if (e.wide()) {
            return List.of(Cube.all(family));
          }
          for (Cube c : gave(k).cubes()) {
            add(out, c);
          }
          for (Cube c : took(k).cubes()) {
            add(out, c);
          }
        }
        return out.size() > MAX_REGION ? List.of(Cube.all(family)) : out;
      }

      /** Adds a cube unless a short list has it already. */
      private void add(List<Cube> out, Cube c) {
        if (out.size() > 32 || !out.contains(c)) {
          out.add(c);
        }
      }

      private List<Cube> cubes(List<Rule> rules) {
        List<Cube> out = new ArrayList<>();
        for (Rule r : rules) {
          out.addAll(reach(r).cubes());
        }
        return out;
      }
    }
  }
}
