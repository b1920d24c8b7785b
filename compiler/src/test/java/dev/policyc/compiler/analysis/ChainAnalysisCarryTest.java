package dev.policyc.compiler.analysis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.analysis.ChainAnalysis.Answer;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.space.Coverage.Budget;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link ChainAnalysis#shadowingWithout} answers as a fresh analysis of the rules left does: on
 * random chains, without their shadowed rules and without rules picked at random, every rule is
 * shadowed, or redundant, exactly when the fresh analysis says so (with budgets that never run
 * out, so every answer is known). The test counts the answers it kept rather than asked again,
 * so that an analysis that asks everything again fails it too.
 */
class ChainAnalysisCarryTest {
  private static final long BUDGET = 1L << 40;

  /** Answers compared, and of them answers kept from the analysis before. */
  private static final int[] COUNTS = new int[2];

  @Test
  void keptAnswersAreTheFreshAnswers() {
    COUNTS[0] = 0;
    COUNTS[1] = 0;
    Property.forAll("answers kept after removals are fresh answers", Property.seed(20261207),
        Property.trials(400), r -> r.nextLong(), ChainAnalysisCarryTest::check, s -> List.of(),
        s -> "policy seed " + s);
    assertTrue(COUNTS[0] > 2000 && COUNTS[1] > 500,
        "compared " + COUNTS[0] + " answers, " + COUNTS[1] + " of them kept");
  }

  private static String check(long seed) {
    Random r = new Random(seed);
    IrPolicy policy = new RandomPolicies(r).policy(RandomPolicies.Options.OPTIMIZER);
    for (Ruleset rs : List.of(policy.ipv4(), policy.ipv6())) {
      for (RuleTable t : rs.tables()) {
        for (Chain c : t.chains()) {
          List<RuleView> views = new ArrayList<>();
          for (int i = 0; i < c.rules().size(); i++) {
            views.add(RuleView.of(i, c.rules().get(i), rs.family(), policy, Set.of(), i));
          }
          ChainAnalysis a = ChainAnalysis.shadowing(views, c.policy(), new Budget(BUDGET),
              BUDGET);
          BitSet shadowed = new BitSet();
          BitSet any = new BitSet();
          for (int j = 0; j < views.size(); j++) {
            if (a.result(j).shadowed() == Answer.YES) {
              shadowed.set(j);
            }
            if (r.nextInt(4) == 0) {
              any.set(j);
            }
          }
          String at = rs.family() + " " + t.table() + " " + c.name();
          String d = compare(a, views, shadowed, true, c, at + " without its shadowed rules");
          if (d == null) {
            d = compare(a, views, any, false, c, at + " without rules " + any);
          }
          if (d != null) {
            return d;
          }
        }
      }
    }
    return null;
  }

  private static String compare(ChainAnalysis a, List<RuleView> views, BitSet removed,
      boolean shadowedOnly, Chain c, String at) {
    List<RuleView> rest = new ArrayList<>();
    List<Integer> was = new ArrayList<>();
    for (int j = 0; j < views.size(); j++) {
      if (!removed.get(j)) {
        was.add(j);
        rest.add(views.get(j).at(rest.size(), rest.size(), views.get(j).rule()));
      }
    }
    ChainAnalysis kept = a.shadowingWithout(removed, rest, new Budget(BUDGET), shadowedOnly);
    ChainAnalysis fresh = ChainAnalysis.shadowing(rest, c.policy(), new Budget(BUDGET), BUDGET);
    for (int k = 0; k < rest.size(); k++) {
      COUNTS[0]++;
      if (kept.result(k) == a.result(was.get(k))) {
        COUNTS[1]++;
      }
      Answer s = kept.result(k).shadowed();
      if (s != fresh.result(k).shadowed()) {
        return at + ": rule " + k + " shadowed " + s + ", fresh " + fresh.result(k).shadowed();
      }
      Answer red = kept.redundancy(k, new BitSet()).answer();
      Answer freshRed = fresh.redundancy(k, new BitSet()).answer();
      if (red != freshRed) {
        return at + ": rule " + k + " redundant " + red + ", fresh " + freshRed;
      }
    }
    return null;
  }
}
