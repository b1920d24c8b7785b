package dev.policyc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The words {@code explain} uses for decisions. */
class DecisionTextTest {
  @Test
  void theFirstRuleLabelSkipsADecisionTreesDispatchRules() {
    Rule dispatch = new Rule(List.of(new Match.Addr(Side.DST, IpRange.parse("10.0.0.0/8"), false)),
        new Target.Goto("INPUT_dt"), null, Origin.dispatch("decision tree of filter/INPUT"));
    Rule policyRule = new Rule(List.of(), new Target.Drop(), "rule 7",
        Origin.of(SourcePos.UNKNOWN, "filter/INPUT rule 7"));
    RuleTable filter = new RuleTable(Table.FILTER, List.of(
        new Chain("INPUT", Verdict.ACCEPT, List.of(dispatch)),
        new Chain("FORWARD", Verdict.ACCEPT, List.of()),
        new Chain("OUTPUT", Verdict.ACCEPT, List.of()),
        new Chain("INPUT_dt", null, List.of(policyRule))));
    IrPolicy ir = new IrPolicy("tree", null, List.of(),
        new Ruleset(Family.IPV4, List.of(filter)), new Ruleset(Family.IPV6, List.of()));
    Packet p = Packet.parse("tcp 192.0.2.1:1000 -> 10.1.2.3:22 in eth0");
    assertEquals("rule 7", DecisionText.firstRuleLabel(ir, p, Interpreter.decide(ir, p)));
  }
}
