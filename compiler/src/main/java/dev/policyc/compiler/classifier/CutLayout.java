package dev.policyc.compiler.classifier;

import static dev.policyc.compiler.classifier.CutTrees.LEAF;
import static dev.policyc.compiler.classifier.CutTrees.OFFSET_SHIFT;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How {@link CutTrees}' nodes are laid out and measured: the nodes of a chain in breadth-first
 * order from its roots, the ints a tree takes, the leaf entries the trees hold. A node is read
 * from a reference ({@link CutTrees#OFFSET_SHIFT}): a leaf {@code n, self, rule…}, a cut {@code
 * min, part…}.
 */
final class CutLayout {
  private CutLayout() {}

  /**
   * The nodes again in the order of a breadth-first walk from the roots (the roots' references
   * rewritten in place), each leaf's own reference filled in. The top levels of all trees are
   * then together at the start (on the 10K corpus sets no faster than the order of construction,
   * children before their parent, but no slower).
   */
  static int[] breadthFirst(int[] nodes, int[] roots) {
    int[] at = new int[nodes.length];
    Arrays.fill(at, -1);
    int[] out = new int[nodes.length];
    int[] queue = new int[nodes.length];
    int[] size = {0, 0}; // the ints placed, the references queued
    for (int i = 0; i < roots.length; i++) {
      roots[i] = place(nodes, roots[i], at, queue, size);
    }
    for (int head = 0; head < size[1]; head++) {
      int ref = queue[head];
      int o = ref >>> OFFSET_SHIFT;
      int to = at[o];
      out[to] = nodes[o];
      if ((ref >>> 9 & 7) == LEAF) {
        out[to + 1] = to << OFFSET_SHIFT | (ref & ((1 << OFFSET_SHIFT) - 1));
        System.arraycopy(nodes, o + 2, out, to + 2, nodes[o]);
      } else {
        for (int c = 1; c <= 2 << (ref & 7); c++) {
          out[to + c] = place(nodes, nodes[o + c], at, queue, size);
        }
      }
    }
    return Arrays.copyOf(out, size[0]);
  }

  /** A reference to its node's new place, given one (and queued) on first sight. */
  private static int place(int[] nodes, int ref, int[] at, int[] queue, int[] size) {
    int o = ref >>> OFFSET_SHIFT;
    if (at[o] < 0) {
      at[o] = size[0];
      size[0] += (ref >>> 9 & 7) == LEAF ? 2 + nodes[o] : 1 + (2 << (ref & 7));
      queue[size[1]++] = ref;
    }
    return at[o] << OFFSET_SHIFT | (ref & ((1 << OFFSET_SHIFT) - 1));
  }

  /** The ints of the distinct nodes reachable from a reference, in nodes as built. */
  static long stored(List<Integer> nodes, int ref) {
    return reachable(nodes, ref, null);
  }

  /**
   * The rules a lookup tests in a leaf of the tree, as an estimate: a rule's leaves weighted by
   * their rules (the sum of each distinct leaf's rules squared over the sum of its rules), since
   * the packets of a ClassBench trace come from the rules.
   */
  static double load(List<Integer> nodes, int ref) {
    long[] sums = new long[2];
    reachable(nodes, ref, sums);
    return sums[1] == 0 ? 0 : (double) sums[0] / sums[1];
  }

  private static long reachable(List<Integer> nodes, int ref, long[] load) {
    Set<Long> seen = new HashSet<>();
    ArrayDeque<Integer> todo = new ArrayDeque<>();
    todo.push(ref);
    long count = 0;
    while (!todo.isEmpty()) {
      int r = todo.pop();
      boolean leaf = (r >>> 9 & 7) == LEAF;
      int o = r >>> OFFSET_SHIFT;
      if (!seen.add((long) o << 1 | (leaf ? 1 : 0))) {
        continue;
      }
      if (leaf) {
        long n = nodes.get(o);
        count += 2 + n;
        if (load != null) {
          load[0] += n * n;
          load[1] += n;
        }
      } else {
        count += 1 + (2 << (r & 7));
        for (int c = 1; c <= 2 << (r & 7); c++) {
          todo.push(nodes.get(o + c));
        }
      }
    }
    return count;
  }

  /** The rules of all leaves reachable from the roots, each leaf once. */
  static int leafEntries(int[] nodes, int[] roots) {
    boolean[] seen = new boolean[nodes.length];
    ArrayDeque<Integer> todo = new ArrayDeque<>();
    for (int r : roots) {
      todo.push(r);
    }
    int entries = 0;
    while (!todo.isEmpty()) {
      int r = todo.pop();
      int o = r >>> OFFSET_SHIFT;
      if (seen[o]) {
        continue; // a leaf and a cut never share an offset once laid out
      }
      seen[o] = true;
      if ((r >>> 9 & 7) == LEAF) {
        entries += nodes[o];
      } else {
        for (int c = 1; c <= 2 << (r & 7); c++) {
          todo.push(nodes[o + c]);
        }
      }
    }
    return entries;
  }
}
