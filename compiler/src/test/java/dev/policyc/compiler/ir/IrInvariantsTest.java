package dev.policyc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** IR records refuse values the kernel cannot hold, at construction. */
class IrInvariantsTest {
  @Test
  void natTargetsNameAnAddressOrAPort() {
    assertThrows(IllegalArgumentException.class, () -> new Target.Dnat(null, null));
    assertThrows(IllegalArgumentException.class, () -> new Target.Snat(null, null));
  }

  @Test
  void byteAndSixBitFieldsStayInRange() {
    assertThrows(IllegalArgumentException.class, () -> new Match.Dscp(64, false));
    assertThrows(IllegalArgumentException.class, () -> new Target.Dscp(-1));
    assertThrows(IllegalArgumentException.class, () -> new Match.Tos(256, 0xff, false));
    assertThrows(IllegalArgumentException.class, () -> new Target.Tos(0, 0x100));
    assertThrows(IllegalArgumentException.class, () -> new Match.Ttl(Match.Ttl.Op.EQ, 256));
    assertThrows(IllegalArgumentException.class, () -> new Target.Ttl(Target.Ttl.Op.SET, 300));
    assertThrows(IllegalArgumentException.class, () -> new Match.TcpFlags(0x100, 0, false));
  }

  @Test
  void icmpCodesFormARangeOfOneType() {
    assertThrows(IllegalArgumentException.class,
        () -> new Match.Icmp(Family.IPV4, 256, 0, 0, false));
    assertThrows(IllegalArgumentException.class,
        () -> new Match.Icmp(Family.IPV4, 3, 4, 2, false));
  }

  @Test
  void marksAreThirtyTwoBits() {
    assertThrows(IllegalArgumentException.class, () -> new Match.Mark(0x1_0000_0000L, 1, false));
    assertThrows(IllegalArgumentException.class, () -> new Target.Mark(1, -1));
    assertThrows(IllegalArgumentException.class, () -> new Target.ConnMark(
        Target.ConnMark.Mode.SAVE, 0, 0, 0x1_0000_0000L, 0));
  }

  @Test
  void matchesAndTargetsAreNotEmpty() {
    assertThrows(IllegalArgumentException.class, () -> new Match.CtState(Set.of(), false));
    assertThrows(IllegalArgumentException.class, () -> new Match.Length(10, 5, false));
    assertThrows(IllegalArgumentException.class, () -> new Match.Statistic(true, 0, 0, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new Match.Statistic(true, 0, 3, 3, false));
    assertThrows(IllegalArgumentException.class, () -> new Target.Jump(""));
    assertThrows(IllegalArgumentException.class, () -> new Target.Log(null, 8));
    assertThrows(IllegalArgumentException.class, () -> new Match.Iface(false, "", false));
  }

  @Test
  void aTableHoldsEachChainOnce() {
    assertThrows(IllegalArgumentException.class, () -> new RuleTable(Table.FILTER, List.of(
        new Chain("x", null, List.of()), new Chain("x", null, List.of()))));
    assertThrows(NullPointerException.class, () -> new Chain(null, Verdict.ACCEPT, List.of()));
  }
}
