package dev.policyc.compiler.optimize;

import dev.policyc.compiler.tree.TreeBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The registry of passes, in the order they run: the optimizations of a level, then the
 * legalization passes every level needs (DESIGN §4; docs/optimizer.md). {@code -O1} removes
 * shadowed and redundant rules, gathers address lists into ipsets and merges rules that differ
 * in one field; {@code -O2} then turns long chains into decision trees.
 */
public final class Passes {
  private Passes() {}

  /** The passes of a level, in order. */
  public static List<Pass> forLevel(OptLevel level) {
    List<Pass> out = new ArrayList<>(optimizations(level));
    out.addAll(legalization());
    return out;
  }

  /**
   * The passes of a level with thresholds small enough that the short chains of generated test
   * policies (a few dozen rules) get every optimization, decision trees included: for the
   * property and kernel-oracle tests.
   */
  public static List<Pass> forTesting(OptLevel level) {
    List<Pass> out = optimizations(level, new ExtractSets(2),
        new BuildDecisionTrees(6, new TreeBuilder.Options(2, 2.0, 8)));
    out.addAll(legalization());
    return out;
  }

  /** The optimization passes of a level, in order. */
  public static List<Pass> optimizations(OptLevel level) {
    return optimizations(level, new ExtractSets(), new BuildDecisionTrees());
  }

  /** The optimizations of a level with the given set-extraction and decision-tree passes. */
  private static List<Pass> optimizations(OptLevel level, Pass sets, Pass trees) {
    List<Pass> out = new ArrayList<>();
    if (level != OptLevel.O0) {
      out.add(new RemoveRedundantRules());
      out.add(sets);
      out.add(new MergeRules());
    }
    if (level == OptLevel.O2) {
      out.add(trees);
    }
    return out;
  }

  /** The passes that make any IR loadable, in order. */
  public static List<Pass> legalization() {
    return List.of(new SplitMultiport());
  }
}
