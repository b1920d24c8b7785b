package dev.policyc.compiler.optimize;

import java.util.ArrayList;
import java.util.List;

/**
 * The registry of passes, in the order they run: the optimizations of a level, then the
 * legalization passes every level needs. No optimization pass exists yet; the levels are in
 * place for them (DESIGN §4: {@code -O1} redundancy removal, rule merging and ipset extraction,
 * {@code -O2} also decision trees).
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
    return forLevel(level);
  }

  /** The optimization passes of a level, in order. */
  public static List<Pass> optimizations(OptLevel level) {
    return List.of();
  }

  /** The passes that make any IR loadable, in order. */
  public static List<Pass> legalization() {
    return List.of(new SplitMultiport());
  }
}
