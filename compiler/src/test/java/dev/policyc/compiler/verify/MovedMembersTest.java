package dev.policyc.compiler.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IrPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A set's member moved up to the set's rule past a rule of the other action that meets it
 * ({@link MovedMembers}): proved only when earlier rules decide every packet the two share,
 * which rules on an interface (their cubes leave the interface out) do not.
 */
class MovedMembersTest {
  /** The input of {@link EditLineUpTest}, with {@code before} first and {@code between}. */
  private static String input(String before, String between) {
    return before + EditLineUpTest.INPUT.replace(
        "-A INPUT -p tcp -m tcp --dport 21 -j ACCEPT\n",
        between + "-A INPUT -p tcp -m tcp --dport 21 -j ACCEPT\n");
  }

  /** The output of {@link EditLineUpTest}, with {@code before} first and {@code between}. */
  private static String output(String before, String between) {
    return before + EditLineUpTest.OUTPUT.replace(
        "-A INPUT -p udp -m udp --dport 53 -j DROP\n",
        between + "-A INPUT -p udp -m udp --dport 53 -j DROP\n");
  }

  /** A rule the port set's member for 21 moves up past: it drops what the member accepts. */
  private static final String BETWEEN = "-A INPUT -p tcp -m tcp --dport 21 -j DROP\n";

  @Test
  void aMemberMovesPastARuleOfTheOtherActionWhoseSharedPacketsEarlierRulesDecide() {
    // two rules before the set's, each for half of the sources, decide every TCP packet to 21
    String before = """
        -A INPUT -s 0.0.0.0/1 -p tcp -m tcp --dport 21 -j ACCEPT
        -A INPUT -s 128.0.0.0/1 -p tcp -m tcp --dport 21 -j DROP
        """;
    IrPolicy a = EditLineUpTest.policy(input(before, BETWEEN), List.of());
    IrPolicy b = EditLineUpTest.policy(output(before, BETWEEN), EditLineUpTest.SETS);
    Result whole = Equivalence.compare(a, b, 2_000_000, 1);
    assertEquals(Result.Status.EQUAL, whole.status(), whole.toString());
    Result local = ChainEdits.prove(a, b, 2_000_000);
    assertTrue(local.equal(), local.toString());
  }

  @Test
  void aMemberDoesNotMovePastARuleOfTheOtherActionThatMeetsIt() {
    notProvedAndDifferent("");
  }

  @Test
  void anEarlierRuleOnAnInterfaceDoesNotDecideTheSharedPackets() {
    // as above, but the second half only from eth0: from elsewhere the member's packets meet
    // the rule it moved past
    notProvedAndDifferent("""
        -A INPUT -s 0.0.0.0/1 -p tcp -m tcp --dport 21 -j ACCEPT
        -A INPUT -i eth0 -s 128.0.0.0/1 -p tcp -m tcp --dport 21 -j DROP
        """);
  }

  private static void notProvedAndDifferent(String before) {
    IrPolicy a = EditLineUpTest.policy(input(before, BETWEEN), List.of());
    IrPolicy b = EditLineUpTest.policy(output(before, BETWEEN), EditLineUpTest.SETS);
    Result whole = Equivalence.compare(a, b, 2_000_000, 1);
    assertEquals(Result.Status.DIFFERENT, whole.status(), whole.toString());
    Result local = ChainEdits.prove(a, b, 2_000_000);
    assertEquals(Result.Status.UNKNOWN, local.status(), local.toString());
  }
}
