package dev.policyc.compiler.analysis;

import dev.policyc.compiler.space.Cube;
import java.util.List;

/**
 * The hulls of a chain's rules side by side ({@link RuleView#hull()}), for the pairwise scans of
 * {@link ChainAnalysis}: whether two rules may meet, and, for two plain rules ({@link
 * Cube#plainFragments}: addresses, protocol and ports each one range, and at most the fragment
 * flag), whether they meet and whether one holds the other, exactly, without their cubes.
 */
final class RuleBounds {
  /** The longs of one rule's hull. */
  static final int HULL = 10;

  final long[] hulls;
  final boolean[] empty;
  /** Per rule, {@link Cube#plainFragments} of its cube: -1 unless its hull decides alone. */
  private final int[] fragments;

  RuleBounds(List<RuleView> rules) {
    int n = rules.size();
    hulls = new long[HULL * n];
    empty = new boolean[n];
    fragments = new int[n];
    for (int j = 0; j < n; j++) {
      long[] h = rules.get(j).hull();
      empty[j] = h == null;
      fragments[j] = rules.get(j).cube().plainFragments();
      if (h != null) {
        System.arraycopy(h, 0, hulls, HULL * j, HULL);
      }
    }
  }

  /**
   * False when the cubes of rules a and b cannot meet, as their hulls are apart on some field;
   * true when they may (the cubes then tell, or {@link #meet} for plain rules).
   */
  boolean mayMeet(int a, int b) {
    if (empty[a] || empty[b]) {
      return false;
    }
    int x = HULL * a;
    int y = HULL * b;
    for (int k = 0; k < HULL; k += 2) {
      if (Long.compareUnsigned(hulls[x + k + 1], hulls[y + k]) < 0
          || Long.compareUnsigned(hulls[y + k + 1], hulls[x + k]) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether both rules' cubes are plain: their hulls and fragment bits decide. */
  boolean plain(int a, int b) {
    return fragments[a] >= 0 && fragments[b] >= 0;
  }

  /** For two plain rules that {@link #mayMeet}: whether their cubes meet. */
  boolean meet(int a, int b) {
    return (fragments[a] & fragments[b]) != 0;
  }

  /** For two plain rules that {@link #mayMeet}: whether a's cube holds b's. */
  boolean holds(int a, int b) {
    if ((fragments[b] & ~fragments[a]) != 0) {
      return false;
    }
    int x = HULL * a;
    int y = HULL * b;
    for (int k = 0; k < HULL; k += 2) {
      if (Long.compareUnsigned(hulls[y + k], hulls[x + k]) < 0
          || Long.compareUnsigned(hulls[y + k + 1], hulls[x + k + 1]) > 0) {
        return false;
      }
    }
    return true;
  }
}
