package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.verify.EditLineUp.Edit;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Proves a rule that took in later rules of a chain (an ipset rule and the set's members, a
 * merged rule and the rules merged into it) without exploring the chain from its start: the
 * proof of {@link ChainEdits} for such a group of edits (docs/verify.md, "Proving a pass").
 *
 * <p>The group is an edit that replaces one rule {@code m1} at position {@code j} by one rule
 * {@code S}, and later edits that each remove one rule {@code mk} (at {@code ik > j}) whose
 * packets {@code S} holds, all with the same verdict (ACCEPT, DROP or REJECT). Applying it is
 * two steps, each sound on its own:
 *
 * <ol>
 *   <li>each {@code mk} moves up to just after the members before it, one rule at a time. A
 *       move past a rule {@code q} keeps every packet's decision when no packet arriving there
 *       may match both (the rules' cubes, which leave out what targets may rewrite, share no
 *       packet: a packet that may match one never matches the other, in any state); when
 *       {@code q} ends the table as {@code mk} does (the same verdict, no counter such as
 *       {@code limit}, which the packets that skip it would no longer touch); or when no packet
 *       of both reaches {@code j}: earlier rules decide them all (explored from the chain's
 *       first rule, but only for the packets of both rules). The rules passed are those of the
 *       chain as it is now between {@code j} and {@code ik}.
 *   <li>the members, now one run from {@code j}, are replaced by {@code S}: both end the table
 *       with the verdict for the same packets (explored through the two short runs, a packet
 *       falling off either going on to the same rules), so they are equal wherever they stand.
 * </ol>
 *
 * <p>The cost is a look-up in the rule index per member and a short exploration per member
 * that meets a rule of another verdict, not an exploration of the members' packets through
 * every earlier rule of the chain.
 */
final class MovedMembers {
  /** Members beyond which a group is not tried (a set has at most the pass's window). */
  private static final int MAX_MEMBERS = 1024;

  /** Explorers of the chains as they are now, as {@link ChainEdits} makes them. */
  @FunctionalInterface
  interface Explorers {
    /** An explorer at {@code hook}, a packet falling off the chain ending with {@code end}. */
    TableExplorer at(Hook hook, Verdict end, Budget step);
  }

  private final Chain chain;
  private final List<Rule> ra;
  private final List<Rule> rb;
  private final List<Edit> edits;
  /** The edits proved so far: the caller's array, read as it changes. */
  private final boolean[] done;
  private final RuleIndex index;
  private final Function<Rule, Reach> reach;
  private final List<Hook> hooks;
  private final Explorers explorers;
  /** Whether a target of the table changes a field a match reads (marks, TOS…). */
  private final boolean rewrites;
  /**
   * The cubes of which every packet is decided before the group's first rule, in the chain as
   * it is while one group is tried (a proved edit before it may let packets through).
   */
  private final Map<Cube, Boolean> decided = new HashMap<>();


  MovedMembers(Chain chain, List<Rule> ra, List<Rule> rb, List<Edit> edits, boolean[] done,
      RuleIndex index, Function<Rule, Reach> reach, List<Hook> hooks, Explorers explorers,
      boolean rewrites) {
    this.chain = chain;
    this.ra = ra;
    this.rb = rb;
    this.edits = edits;
    this.done = done;
    this.index = index;
    this.reach = reach;
    this.hooks = hooks;
    this.explorers = explorers;
    this.rewrites = rewrites;
  }

  /**
   * The edits of the group edit {@code h} heads (itself first), proved applied together within
   * {@code step}, or an empty list when the group is not proved this way.
   */
  List<Integer> prove(int h, Budget step) {
    Edit head = edits.get(h);
    // an edit that only inserts rules before the head would stand where its rule stands
    if (head.wide() || head.ja() - head.ia() != 1 || head.jb() - head.ib() != 1
        || done[h] || h > 0 && edits.get(h - 1).ia() == head.ia()) {
      return List.of();
    }
    decided.clear();
    Rule first = ra.get(head.ia());
    Rule s = rb.get(head.ib());
    Target t = s.target();
    if (!ends(t) || !t.equals(first.target()) || s.hasStatefulMatch()
        || first.hasStatefulMatch()) {
      return List.of();
    }
    Reach rs = reach.apply(s);
    if (rs.hull() == null) {
      return List.of();
    }
    int j = head.ia();
    List<Integer> members = new ArrayList<>();
    for (int k = h + 1; k < edits.size() && members.size() < MAX_MEMBERS; k++) {
      Edit e = edits.get(k);
      if (done[k] || e.wide() || e.ja() - e.ia() != 1 || e.jb() != e.ib()) {
        continue;
      }
      Rule m = ra.get(e.ia());
      Reach rm = reach.apply(m);
      if (!m.target().equals(t) || m.hasStatefulMatch() || rm.hull() == null
          || !Cube.hullHolds(rs.hull(), rm.hull()) || !Reach.covers(rs.cubes(), rm.cubes())) {
        continue;
      }
      if (movesUp(m, rm, j, e.ia(), t, step)) {
        members.add(k);
      }
    }
    List<Rule> run = new ArrayList<>();
    run.add(first);
    List<Cube> region = new ArrayList<>(rs.cubes());
    region.addAll(reach.apply(first).cubes());
    for (int k : members) {
      Rule m = ra.get(edits.get(k).ia());
      run.add(m);
      region.addAll(reach.apply(m).cubes());
    }
    if (!sameRun(run, s, region, j, step)) {
      return List.of();
    }
    List<Integer> out = new ArrayList<>();
    out.add(h);
    out.addAll(members);
    return out;
  }

  /** Targets that end the table alike wherever the rule stands. */
  private static boolean ends(Target t) {
    return t instanceof Target.Accept || t instanceof Target.Drop || t instanceof Target.Reject;
  }

  /**
   * Whether rule {@code m} (of target {@code t}) at the first version's position {@code at} may
   * move up past every rule of the chain as it is now after position {@code j} and before it.
   */
  private boolean movesUp(Rule m, Reach rm, int j, int at, Target t, Budget step) {
    for (Cube mc : rm.cubes()) {
      long[] mh = Reach.hull(mc);
      // up to and with the rule itself: the rules an edit at its place inserts stand before it
      for (Rule q : index.only(mc, mh, j + 1, at + 1, Set.of())) {
        if (q.target().equals(t) && !q.hasStatefulMatch()) {
          continue;
        }
        for (Cube qc : reach.apply(q).cubes()) {
          Cube both = qc.intersect(mc);
          if (!both.isEmpty() && !decidedBefore(both, j, step)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /**
   * Whether every packet of {@code x} arriving at the chain's first rule (in any state) is
   * decided by the rules before the first version's rule {@code j} (as the chain is now), at
   * every hook.
   */
  private boolean decidedBefore(Cube x, int j, Budget step) {
    Boolean known = decided.get(x);
    if (known != null) {
      return known;
    }
    boolean out = decides(x, j, step);
    decided.put(x, out);
    return out;
  }

  private boolean decides(Cube x, int j, Budget step) {
    List<Rule> before = index.only(x, Reach.hull(x), 0, j, Set.of());
    if (before.isEmpty()) {
      return false;
    }
    if (ended(before, x)) {
      return true;
    }
    Chain run = new Chain(chain.name(), chain.policy(), before);
    for (Hook hook : hooks) {
      TableExplorer xp = explorers.at(hook, chain.policy(), step);
      if (!xp.through(Term.of(x), run, l -> l.pending() == null)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether rules of {@code rules} that end the table for exactly the packets of their cubes
   * ({@link LeafRules#ends}) hold every packet of {@code x} together: a packet of {@code x}
   * that gets to them ends at the first that holds it, wherever they stand and whatever rules
   * stand between (no target changes the fields such rules read), at every hook.
   */
  private boolean ended(List<Rule> rules, Cube x) {
    List<Cube> ending = new ArrayList<>();
    for (Rule q : rules) {
      if (!LeafRules.ends(q)) {
        continue;
      }
      for (Cube k : reach.apply(q).cubes()) {
        Cube in = k.intersect(x);
        if (in.equals(x)) {
          return true;
        }
        if (!in.isEmpty()) {
          ending.add(in);
        }
      }
    }
    return !ending.isEmpty() && Reach.covers(ending, List.of(x));
  }

  /**
   * Whether the rules {@code run} (one after the other) and the rule {@code s} end the table
   * alike for every packet of {@code region} arriving at them, a packet that falls off either
   * going on alike, at every hook; packets for which they differ may be decided before the
   * first version's rule {@code j} (a member of this set that an earlier set took in), when no
   * target of the table rewrites a field (the class's cube then holds the packets as they
   * entered the chain, not only as they arrive at {@code j}).
   */
  private boolean sameRun(List<Rule> run, Rule s, List<Cube> region, int j, Budget step) {
    Chain many = new Chain(chain.name(), null, run);
    Chain one = new Chain(chain.name(), null, List.of(s));
    for (Hook hook : hooks) {
      TableExplorer xa = explorers.at(hook, null, step);
      TableExplorer xb = explorers.at(hook, null, step);
      for (Cube r : region) {
        boolean same = xa.each(Term.of(r), SymState.ENTRY, many,
            la -> la.pending() == null && xb.each(la.region(), SymState.ENTRY, one,
                lb -> lb.pending() == null
                    && (Equivalence.same(la.outcome(), lb.outcome(), lb.region())
                        || !rewrites && decidedBefore(lb.region().cube(), j, step))));
        if (!same) {
          return false;
        }
      }
    }
    return true;
  }
}
