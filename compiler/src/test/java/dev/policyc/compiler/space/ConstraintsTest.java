package dev.policyc.compiler.space;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Constraints#of} means what the interpreter means: every rule of random policies is put
 * alone in filter INPUT, and for packets biased to the policy's boundaries the interpreter
 * matches it exactly when the packet's point is in the rule's cube (for an opaque rule: only
 * when the point is in its bound).
 */
class ConstraintsTest {
  private static final Set<Integer> ICMPV6_UNTRACKED =
      Set.of(130, 131, 132, 133, 134, 135, 136, 143);

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
    Rule alone = new Rule(rule.matches(), new Target.Accept());
    Ruleset rs = new Ruleset(f, List.of(new RuleTable(Table.FILTER, List.of(
        new Chain("INPUT", Verdict.DROP, List.of(alone)),
        new Chain("FORWARD", Verdict.ACCEPT, List.of()),
        new Chain("OUTPUT", Verdict.ACCEPT, List.of())))));
    Ruleset empty = new Ruleset(f == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
    IrPolicy one = new IrPolicy("one", null, policy.sets(), f == Family.IPV4 ? rs : empty,
        f == Family.IPV4 ? empty : rs);
    // conntrack is on when a rule uses it (Interpreter.usesConntrack); alone, this rule decides
    boolean conntrack = rule.matches().stream()
        .anyMatch(m -> m instanceof Match.CtState || m instanceof Match.ConnMark);
    Constraint c = Constraints.of(rule, f, policy);
    for (int i = 0; i < 30; i++) {
      Packet p = packets.next(f);
      String in = p.in() == null ? "eth0" : p.in();
      p = p.withRoute(in, null);
      Decision d = Interpreter.decide(one, p);
      boolean ranChain = d.path().stream().anyMatch(s -> s.chain().equals("INPUT"));
      if (!ranChain) {
        continue; // held or dropped before filter INPUT (fragments, martians)
      }
      boolean matched = d.path().stream().anyMatch(s -> s.rule() == 1);
      SEEN[0]++;
      SEEN[1] += matched ? 1 : 0;
      Point pt = point(p, conntrack);
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

  /** The packet as filter INPUT's matches see it. */
  private static Point point(Packet p, boolean conntrack) {
    Map<Field, Long> n = new EnumMap<>(Field.class);
    n.put(Field.PROTO, (long) p.proto());
    n.put(Field.SPORT, (long) p.sport());
    n.put(Field.DPORT, (long) p.dport());
    n.put(Field.ICMP, (long) (p.icmpType() << 8 | p.icmpCode()));
    n.put(Field.TCP_FLAGS, (long) p.tcpFlags());
    ConnState st = !conntrack ? ConnState.INVALID
        : p.family() == Family.IPV6 && p.proto() == Protocols.ICMPV6
            && ICMPV6_UNTRACKED.contains(p.icmpType()) ? ConnState.UNTRACKED : p.state();
    n.put(Field.CT_STATE, (long) st.ordinal());
    n.put(Field.MARK, p.mark());
    n.put(Field.CT_MARK, p.ctmark());
    n.put(Field.TOS, (long) p.tos());
    n.put(Field.LENGTH, (long) p.length());
    n.put(Field.TTL, (long) p.ttl());
    n.put(Field.FRAGMENT, p.fragment() ? 1L : 0L);
    return new Point(p.family(), p.src(), p.dst(), n, p.in(), "");
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
