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
   * The edits between the two versions: a line-up of rules with the same matches and
   * target, in order (greedy: at a mismatch the side whose rule comes back sooner on the
   * other side waits), and the runs between, each cut as {@link #split} says. From the first
   * rule of the second version that calls a chain only it has (one of {@code added}),
   * everything to the end is one wide edit.
   */
  static List<Edit> edits(List<Rule> ra, List<Rule> rb, Set<String> added) {
    Map<Key, List<Integer>> inA = positions(ra);
    Map<Key, List<Integer>> inB = positions(rb);
    List<Edit> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    int si = 0;
    int sj = 0;
    int firstNew = rb.size();
    for (int q = 0; q < rb.size(); q++) {
      String to = ChainEdits.jumpTarget(rb.get(q).target());
      if (to != null && added.contains(to)) {
        firstNew = q;
        break;
      }
    }
    while (i < ra.size() && j < rb.size() && j < firstNew) {
      Key ka = Key.of(ra.get(i));
      Key kb = Key.of(rb.get(j));
      if (ka.equals(kb)) {
        split(out, si, i, sj, j);
        i++;
        j++;
        si = i;
        sj = j;
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
    if (firstNew < rb.size()) {
      out.add(new Edit(si, ra.size(), sj, rb.size(), true));
    } else {
      split(out, si, ra.size(), sj, rb.size());
    }
    return out;
  }

  /**
   * The edit of {@code [ia, ja)} for {@code [ib, jb)} as edits of one rule of the first
   * version each (the first with every rule of the second), so that each removed rule is
   * proved where it was (a run of rules redundant before a final wildcard rule is as many
   * small proofs, not one of their union).
   */
  private static void split(List<Edit> out, int ia, int ja, int ib, int jb) {
    if (ia == ja && ib == jb) {
      return;
    }
    if (ia == ja) {
      out.add(new Edit(ia, ja, ib, jb, false));
      return;
    }
    out.add(new Edit(ia, ia + 1, ib, jb, false));
    for (int k = ia + 1; k < ja; k++) {
      out.add(new Edit(k, k + 1, jb, jb, false));
    }
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
}
