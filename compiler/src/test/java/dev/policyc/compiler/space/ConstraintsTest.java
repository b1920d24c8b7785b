package dev.policyc.compiler.space;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Constraints#of} means what the interpreter means: every rule of random policies is put
 * alone in filter INPUT, and for packets biased to the policy's boundaries the interpreter
 * matches it exactly when the packet's point is in the rule's cube (for an opaque rule: only
 * when the point is in its bound).
 */
class ConstraintsTest {
  /** Packets compared, and of those matched by their rule: the test must see both outcomes. */
  private static final int[] SEEN = new int[2];

  @Test
  void cubesMatchExactlyThePacketsTheInterpreterMatches() {
    SEEN[0] = 0;
    SEEN[1] = 0;
    Property.forAll("constraints agree with the interpreter", Property.seed(20261205),
        Property.trials(300), r -> r.nextLong(), ConstraintsTest::check, s -> List.of(),
        s -> "policy seed " + s);
    assertTrue(SEEN[0] > 5000 && SEEN[1] > 500 && SEEN[0] - SEEN[1] > 500,
        "compared " + SEEN[0] + " packets, " + SEEN[1] + " matched");
  }

  private static String check(long seed) {
    Random r = new Random(seed);
    IrPolicy policy = new RandomPolicies(r).policy(RandomPolicies.Options.ALL);
    RandomPackets packets = new RandomPackets(r, policy);
    for (Family f : Family.values()) {
      for (RuleTable t : policy.ruleset(f).tables()) {
        for (Chain c : t.chains()) {
          for (Rule rule : c.rules()) {
            String failure = checkRule(policy, f, rule, packets);
            if (failure != null) {
              return failure + "\n  rule: " + rule;
            }
          }
        }
      }
    }
    return null;
  }

  private static String checkRule(IrPolicy policy, Family f, Rule rule, RandomPackets packets) {
    RuleAlone alone = new RuleAlone(rule, f, policy.sets());
    Constraint c = Constraints.of(rule, f, policy);
    for (int i = 0; i < 30; i++) {
      Packet p = packets.next(f);
      Boolean matched = alone.matches(p);
      if (matched == null) {
        continue;
      }
      SEEN[0]++;
      SEEN[1] += matched ? 1 : 0;
      Point pt = alone.point(p);
      if (c instanceof Cube cube && pt.in(cube) != matched) {
        return "packet " + p + ": interpreter " + (matched ? "matches" : "does not match")
            + ", cube " + cube + (matched ? " does not hold it" : " holds it");
      }
      if (c instanceof Opaque o && matched && !pt.in(o.bound())) {
        return "packet " + p + " matches, outside the bound " + o.bound();
      }
    }
    return null;
  }

  @Test
  void statefulAndHostDependentMatchesAreOpaque() {
    List<Rule> rules = new ArrayList<>();
    Random r = new Random(3);
    IrPolicy policy = new RandomPolicies(r).policy(RandomPolicies.Options.ALL);
    int opaque = 0;
    for (Family f : Family.values()) {
      for (RuleTable t : policy.ruleset(f).tables()) {
        for (Chain c : t.chains()) {
          rules.addAll(c.rules());
          for (Rule rule : c.rules()) {
            boolean hasOpaque = rule.matches().stream().anyMatch(m ->
                m instanceof Match.Limit
                    || m instanceof Match.Statistic
                    || m instanceof Match.AddrType);
            Constraint k = Constraints.of(rule, f);
            if (hasOpaque && !(k instanceof Opaque)) {
              throw new AssertionError("not opaque: " + rule);
            }
            opaque += k instanceof Opaque ? 1 : 0;
          }
        }
      }
    }
    if (rules.isEmpty()) {
      throw new AssertionError("no rules generated");
    }
  }
}
