package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conntrack view of one packet, hook by hook (see "Conntrack and NAT" in the semantics). */
class ConntrackTest {
  private static final Packet NEW_TCP = Packet.parse("tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0");

  @Test
  void beforeTheConntrackHookAPacketHasNoEntry() {
    Conntrack ct = new Conntrack(true);
    assertEquals(ConnState.INVALID, ct.state(NEW_TCP)); // the raw table
    assertFalse(ct.hasConnection(NEW_TCP));
    ct.attach(NEW_TCP);
    assertEquals(ConnState.NEW, ct.state(NEW_TCP));
    assertTrue(ct.natEligible(NEW_TCP));
  }

  @Test
  void withoutConntrackInTheNamespaceNoPacketGetsAnEntry() {
    Conntrack ct = new Conntrack(false);
    ct.attach(NEW_TCP);
    assertFalse(ct.on());
    assertEquals(ConnState.INVALID, ct.state(NEW_TCP));
    assertFalse(ct.natEligible(NEW_TCP));
    assertEquals(ConnState.NEW, ct.finalState(NEW_TCP));
  }

  @Test
  void notrackInRawMakesThePacketUntrackedForGood() {
    Conntrack ct = new Conntrack(true);
    ct.notrack();
    ct.attach(NEW_TCP);
    assertEquals(ConnState.UNTRACKED, ct.state(NEW_TCP));
    assertFalse(ct.hasConnection(NEW_TCP));
    assertFalse(ct.natEligible(NEW_TCP));
    assertEquals(ConnState.UNTRACKED, ct.finalState(NEW_TCP));
  }

  @Test
  void notrackDoesNothingToAPacketWithAnEntry() {
    Conntrack ct = new Conntrack(true);
    ct.attach(NEW_TCP);
    ct.notrack(); // the looped-back packet's raw PREROUTING
    assertEquals(ConnState.NEW, ct.state(NEW_TCP));
  }

  @Test
  void neighbourDiscoveryIsNeverTracked() {
    Packet ns = Packet.parse("icmp fe80::1 -> ff02::1:ff00:1 in eth0 type 135");
    Packet echo = Packet.parse("icmp 2001:db8::1 -> 2001:db8::2 in eth0");
    Conntrack nd = new Conntrack(true);
    nd.attach(ns);
    assertEquals(ConnState.UNTRACKED, nd.state(ns));
    Conntrack ping = new Conntrack(true);
    ping.attach(echo);
    assertEquals(ConnState.NEW, ping.state(echo));
  }

  @Test
  void natSeesNewAndRelatedOtherThanIcmpErrors() {
    Packet relatedTcp = Packet.parse("tcp 10.0.0.1:1 -> 10.0.0.2:20 in eth0 state related");
    Packet relatedIcmp = Packet.parse("icmp 10.0.0.1 -> 10.0.0.2 in eth0 state related type 3/3");
    Packet established = Packet.parse("tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0 state established");
    for (Packet p : List.of(relatedTcp, relatedIcmp, established)) {
      Conntrack ct = new Conntrack(true);
      ct.attach(p);
      assertTrue(ct.hasConnection(p));
      assertEquals(p == relatedTcp, ct.natEligible(p), p.toString());
    }
  }

  @Test
  void conntrackIsOnlyUsedByConntrackMatchesConnmarkAndNat() {
    assertFalse(Conntrack.usedBy(ruleset(new Rule(List.of(), new Target.NoTrack()))));
    assertFalse(Conntrack.usedBy(ruleset(new Rule(List.of(), new Target.Mark(1, 1)))));
    assertTrue(Conntrack.usedBy(ruleset(new Rule(
        List.of(new Match.CtState(EnumSet.of(ConnState.NEW), false)), new Target.Accept()))));
    assertTrue(Conntrack.usedBy(ruleset(new Rule(List.of(), new Target.Masquerade(null)))));
  }

  private static Ruleset ruleset(Rule rule) {
    return new Ruleset(Family.IPV4, List.of(new RuleTable(Table.MANGLE,
        List.of(new Chain("PREROUTING", Verdict.ACCEPT, List.of(rule))))));
  }
}
