package dev.policyc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.policyc.dsl.SourcePos;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A merged rule's parts stand in the order of the chain as written. */
class OriginTest {
  private static Rule rule(int line) {
    return new Rule(List.of(), new Target.Drop(), String.valueOf(line),
        Origin.of(new SourcePos("p.yaml", line, 1), "rule at line " + line));
  }

  /**
   * A rule that took over an earlier rule (remove-redundant: parts a, c) gathered into a set after
   * a rule b that stood between them: the parts are a, b, c, so the first that holds a packet is
   * the rule the chain as written matched first (before 2026-12-07 they were b, a, c, and a
   * packet of a and b was told it matched b).
   */
  @Test
  void partsStandInTheOrderOfTheChainAsWritten() {
    Rule a = rule(10);
    Rule b = rule(20);
    Rule c = rule(30);
    Rule took = new Rule(List.of(), new Target.Drop(), "10, 30", Origin.merged(List.of(a, c)));
    Origin set = Origin.merged(List.of(b, took));
    assertEquals(List.of("10", "20", "30"), set.parts().stream().map(Rule::comment).toList());
    assertEquals(10, set.pos().line());
  }
}
