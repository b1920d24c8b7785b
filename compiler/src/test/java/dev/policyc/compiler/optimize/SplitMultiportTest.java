package dev.policyc.compiler.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.IrValidator;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.testing.InterpreterEquality;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The legalization pass that cuts port lists into multiport matches of at most 15 slots. */
class SplitMultiportTest {
  @Test
  void aLongPortListBecomesRulesOfFifteenSlotsInPortOrder() {
    IrPolicy in = PassTester.lowered("""
        policy: ports
        filter:
          INPUT:
            rules:
              - match:
                  proto: tcp
                  dport: ["10", "20", "30", "40", "50", "60", "70", "80", "90", "100", "110",
                          "120", "5000", "3000:4000", "130", "1000:2000"]
                action: accept
        """);
    assertEquals(1, in.ipv4().ruleCount(), "lowering keeps the list whole");
    IrPolicy out = PassTester.run(new SplitMultiport(), in);
    assertEquals("""
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m multiport --dports 10,20,30,40,50,60,70,80,90,100,110,120,130,1000:2000 -j ACCEPT
        -A INPUT -p tcp -m multiport --dports 3000:4000,5000 -j ACCEPT
        COMMIT
        """, PassTester.text(out));
  }

  @Test
  void sourcePiecesAreOutsideDestinationPieces() {
    List<Rule> pieces = SplitMultiport.split(new Rule(List.of(
        new Match.Proto(17, false),
        new Match.Ports(Side.SRC, ports(20), false),
        new Match.Ports(Side.DST, ports(16), false)),
        new Target.Accept()));
    assertEquals(4, pieces.size());
    assertEquals(ports(20).subList(0, 15), ((Match.Ports) pieces.get(0).matches().get(1)).ranges());
    assertEquals(ports(16).subList(15, 16),
        ((Match.Ports) pieces.get(1).matches().get(2)).ranges());
    assertEquals(ports(20).subList(15, 20),
        ((Match.Ports) pieces.get(2).matches().get(1)).ranges());
  }

  @Test
  void aRuleThatFitsIsLeftAlone() {
    IrPolicy in = PassTester.read("""
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m multiport --dports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15 -j DROP
        COMMIT
        """);
    PassTester.assertPass(new SplitMultiport(), PassTester.text(in), PassTester.text(in));
  }

  /** Random policies whose port lists are widened past 15 slots mean the same after the pass. */
  @Test
  void splittingKeepsTheMeaningOfRandomPolicies() {
    Property.forAll("split-multiport keeps the meaning", Property.seed(9301),
        Property.trials(150), r -> widened(new RandomPolicies(r).policy(
            new RandomPolicies.Options(true, false, 6, false)), r),
        p -> {
          PassManager pm = new PassManager(List.of(new SplitMultiport()),
              new InterpreterEquality(11, 300));
          IrPolicy out = pm.run(p, new Reporter()).ir();
          List<String> problems = IrValidator.problems(out, true);
          return problems.isEmpty() ? null : problems.toString();
        }, p -> List.of(), IrPolicy::toString);
  }

  private static List<PortRange> ports(int n) {
    List<PortRange> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(PortRange.of(1000 + 3 * i));
    }
    return out;
  }

  /** The policy with every positive port match replaced by a list of 16 to 40 slots. */
  private static IrPolicy widened(IrPolicy p, Random r) {
    return new IrPolicy(p.name(), p.host(), p.sets(), widened(p.ipv4(), r),
        widened(p.ipv6(), r));
  }

  private static Ruleset widened(Ruleset rs, Random r) {
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : rs.tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        List<Rule> rules = new ArrayList<>();
        for (Rule rule : c.rules()) {
          List<Match> ms = new ArrayList<>();
          for (Match m : rule.matches()) {
            if (m instanceof Match.Ports p && !p.negated() && r.nextBoolean()) {
              List<PortRange> wide = new ArrayList<>(p.ranges());
              int base = 2000 + r.nextInt(20000);
              for (int i = 0; i < 16 + r.nextInt(25); i++) {
                wide.add(i % 5 == 0 ? new PortRange(base + 10 * i, base + 10 * i + 3)
                    : PortRange.of(base + 10 * i));
              }
              ms.add(new Match.Ports(p.side(), IntervalSet.ofPorts(wide).portRanges(), false));
            } else {
              ms.add(m);
            }
          }
          rules.add(rule.withMatches(ms));
        }
        chains.add(new Chain(c.name(), c.policy(), rules));
      }
      tables.add(t.withChains(chains));
    }
    return new Ruleset(rs.family(), tables);
  }

  @Test
  void everyPieceFits() {
    for (List<PortRange> chunk : SplitMultiport.chunks(ports(50))) {
      assertTrue(new Match.Ports(Side.DST, chunk, false).slots()
          <= Netfilter.MULTIPORT_SLOTS);
    }
  }
}
