package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Target;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * How {@link ChainEdits} cuts the change between two versions of a chain into edits: rules
 * with the same matches and target lined up in order, and the runs between them.
 */
final class EditLineUp {
  private EditLineUp() {}

  /**
   * An edit: rules {@code [ia, ja)} of the first version replaced by {@code [ib, jb)} of the
   * second; {@code wide} when the second calls a chain the first policy does not have.
   */
  record Edit(int ia, int ja, int ib, int jb, boolean wide) {}

  /** A rule as the line-up sees it: what it does, not where it comes from. */
  private record Key(List<Match> matches, Target target) {
    static Key of(Rule r) {
      return new Key(r.matches(), r.target());
    }
  }

  /**
   * Pairs of rules (one of each version) beyond which the line-up is greedy: the longest one
   * costs a binary search per pair.
   */
  private static final long MAX_PAIRS = 4_000_000L;

  /**
   * The edits between the two versions: a line-up of rules with the same matches and target,
   * in order, and the runs between, each cut as {@link #split} says. From the first rule of
   * the second version that calls a chain only it has (one of {@code added}), everything to
   * the end is one wide edit.
   *
   * <p>The line-up is a longest one (as many rules kept as can be in order): a greedy one may
   * pair a rule with an earlier copy of it that a pass took into a set, and so leave the set's
   * rule, and every rule kept between, in one edit with rules far from their own (fw1_10k-alt,
   * docs/verify.md). It is greedy when the versions share too many pairs of equal rules.
   */
  static List<Edit> edits(List<Rule> ra, List<Rule> rb, Set<String> added,
      BiPredicate<Rule, Rule> takes) {
    int firstNew = rb.size();
    for (int q = 0; q < rb.size(); q++) {
      String to = jumpTarget(rb.get(q).target());
      if (to != null && added.contains(to)) {
        firstNew = q;
        break;
      }
    }
    List<int[]> kept = longest(ra, rb, firstNew);
    if (kept == null) {
      kept = greedy(ra, rb, firstNew);
    }
    List<Edit> out = new ArrayList<>();
    int si = 0;
    int sj = 0;
    for (int[] p : kept) {
      split(out, ra, rb, takes, si, p[0], sj, p[1]);
      si = p[0] + 1;
      sj = p[1] + 1;
    }
    if (firstNew < rb.size()) {
      out.add(new Edit(si, ra.size(), sj, rb.size(), true));
    } else {
      split(out, ra, rb, takes, si, ra.size(), sj, rb.size());
    }
    return out;
  }

  /**
   * A longest line-up of the first version's rules with the second's before {@code endB}, as
   * pairs of positions in order (Hunt and Szymanski: a longest increasing run of the first
   * version's positions over the pairs of equal rules), or null when there are more than
   * {@link #MAX_PAIRS} pairs.
   */
  private static List<int[]> longest(List<Rule> ra, List<Rule> rb, int endB) {
    Map<Key, List<Integer>> inA = positions(ra);
    long pairs = 0;
    List<List<Integer>> at = new ArrayList<>(endB);
    for (int j = 0; j < endB; j++) {
      List<Integer> l = inA.getOrDefault(Key.of(rb.get(j)), List.of());
      pairs += l.size();
      at.add(l);
    }
    if (pairs > MAX_PAIRS) {
      return null;
    }
    // tail[n]: the pair ending the run of n + 1 pairs found so far with the least position in
    // the first version; a pair's link is the pair before it in its run
    int[] pi = new int[(int) pairs];
    int[] pj = new int[(int) pairs];
    int[] link = new int[(int) pairs];
    int[] tail = new int[Math.min(ra.size(), endB) + 1];
    int len = 0;
    int made = 0;
    for (int j = 0; j < endB; j++) {
      List<Integer> l = at.get(j);
      // the first version's positions from the last, so that one rule of the second version
      // ends at most one run's step
      for (int x = l.size() - 1; x >= 0; x--) {
        int i = l.get(x);
        int lo = 0;
        int hi = len;
        while (lo < hi) {
          int mid = (lo + hi) >>> 1;
          if (pi[tail[mid]] < i) {
            lo = mid + 1;
          } else {
            hi = mid;
          }
        }
        pi[made] = i;
        pj[made] = j;
        link[made] = lo > 0 ? tail[lo - 1] : -1;
        tail[lo] = made++;
        if (lo == len) {
          len++;
        }
      }
    }
    List<int[]> out = new ArrayList<>(len);
    for (int p = len > 0 ? tail[len - 1] : -1; p >= 0; p = link[p]) {
      out.add(new int[] {pi[p], pj[p]});
    }
    Collections.reverse(out);
    return out;
  }

  /**
   * A line-up of rules with the same matches and target, in order, before {@code endB} of the
   * second version: at a mismatch the side whose rule comes back sooner on the other side
   * waits.
   */
  private static List<int[]> greedy(List<Rule> ra, List<Rule> rb, int endB) {
    Map<Key, List<Integer>> inA = positions(ra);
    Map<Key, List<Integer>> inB = positions(rb);
    List<int[]> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < ra.size() && j < endB) {
      Key ka = Key.of(ra.get(i));
      Key kb = Key.of(rb.get(j));
      if (ka.equals(kb)) {
        out.add(new int[] {i++, j++});
        continue;
      }
      int nextB = next(inB.get(ka), j);
      int nextA = next(inA.get(kb), i);
      if (nextB < 0 || nextA >= 0 && nextA - i <= nextB - j) {
        i++; // the first version's rule is gone, or the other comes back sooner
      } else {
        j++;
      }
    }
    return out;
  }

  /**
   * The edit of {@code [ia, ja)} for {@code [ib, jb)} as edits of one rule of the first
   * version each (the first with every rule of the second), so that each removed rule is
   * proved where it was (a run of rules redundant before a final wildcard rule is as many
   * small proofs, not one of their union). A new rule goes with the first old rule it {@code
   * takes} (whose packets it holds, with its target) where there is one: a set's rule with the
   * first member it replaces, after the members of earlier sets (docs/verify.md).
   */
  private static void split(List<Edit> out, List<Rule> ra, List<Rule> rb,
      BiPredicate<Rule, Rule> takes, int ia, int ja, int ib, int jb) {
    if (ia == ja && ib == jb) {
      return;
    }
    if (ia == ja) {
      out.add(new Edit(ia, ja, ib, jb, false));
      return;
    }
    // each new rule goes with the first old rule at or after the last one's that it takes and
    // whose shape it has, else with the last one's: the new rules stay in order, each old rule
    // with a run of them
    int[] at = new int[jb - ib];
    int pos = ia;
    for (int q = ib; q < jb; q++) {
      int took = -1;
      for (int k = pos; k < ja && took < 0; k++) {
        if (member(rb.get(q), ra.get(k)) && takes.test(rb.get(q), ra.get(k))) {
          took = k;
        }
      }
      pos = took < 0 ? pos : took;
      at[q - ib] = pos;
    }
    int q = ib;
    for (int k = ia; k < ja; k++) {
      int from = q;
      while (q < jb && at[q - ib] == k) {
        q++;
      }
      out.add(new Edit(k, k + 1, from, q, false));
    }
  }

  /**
   * Whether {@code old} has the shape of a member of a set or merged rule {@code set}: they
   * differ only in addresses, ports or set matches (of two set rules, one for any protocol,
   * the other's member is the one that also names its protocol).
   */
  private static boolean member(Rule set, Rule old) {
    for (Match m : old.matches()) {
      if (!set.matches().contains(m) && !(m instanceof Match.Addr || m instanceof Match.Ports)) {
        return false;
      }
    }
    for (Match m : set.matches()) {
      if (!old.matches().contains(m)
          && !(m instanceof Match.InSet || m instanceof Match.Addr || m instanceof Match.Ports)) {
        return false;
      }
    }
    return true;
  }

  private static Map<Key, List<Integer>> positions(List<Rule> rules) {
    Map<Key, List<Integer>> out = new HashMap<>();
    for (int k = 0; k < rules.size(); k++) {
      out.computeIfAbsent(Key.of(rules.get(k)), x -> new ArrayList<>()).add(k);
    }
    return out;
  }

  /** The first position at or after {@code from}, or -1. */
  private static int next(List<Integer> at, int from) {
    if (at == null) {
      return -1;
    }
    int k = Collections.binarySearch(at, from);
    if (k < 0) {
      k = -k - 1;
    }
    return k < at.size() ? at.get(k) : -1;
  }

  /** The chain a jump or goto goes to, else null. */
  static String jumpTarget(Target t) {
    if (t instanceof Target.Jump j) {
      return j.chain();
    } else if (t instanceof Target.Goto g) {
      return g.chain();
    }
    return null;
  }
}
