package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The match evaluator on its own: matches decided from a {@link MatchInput}, without a trip,
 * a rule set or routing. Expected values follow {@code docs/semantics.md} ("Matches").
 */
class MatchEvaluatorTest {
  private static final MatchEvaluator NO_HOST = new MatchEvaluator(null, List.of());

  private static final Match.Ports DPORT_80 =
      new Match.Ports(Side.DST, List.of(PortRange.of(80)), false);

  private static MatchInput input(String packet) {
    return MatchInput.of(Packet.parse(packet));
  }

  private static MatchInput withState(MatchInput in, ConnState ctState) {
    return new MatchInput(in.packet(), in.inIf(), in.outIf(), ctState, in.original());
  }

  @Test
  void inputOfAPacketSeesItsInterfacesAndState() {
    MatchInput in = input("tcp 10.0.0.1:1234 -> 10.0.0.2:80 in eth0 state established");
    assertEquals("eth0", in.inIf());
    assertEquals("", in.outIf());
    assertEquals(ConnState.ESTABLISHED, in.ctState());
    assertTrue(in.hasConnection());
    assertFalse(withState(in, ConnState.UNTRACKED).hasConnection());
    assertFalse(withState(in, ConnState.INVALID).hasConnection());
  }

  @Test
  void portMatchesNeverMatchANonFirstFragmentNegatedOrNot() {
    MatchInput frag = input("tcp 10.0.0.1:1234 -> 10.0.0.2:80 in eth0 frag");
    MatchInput whole = input("tcp 10.0.0.1:1234 -> 10.0.0.2:80 in eth0");
    Match.Ports notPort80 = new Match.Ports(Side.DST, List.of(PortRange.of(80)), true);
    assertTrue(NO_HOST.matches(DPORT_80, whole));
    assertFalse(NO_HOST.matches(DPORT_80, frag));
    assertFalse(NO_HOST.matches(notPort80, frag));
    assertTrue(NO_HOST.matches(new Match.Fragment(false), frag));
  }

  @Test
  void aMissingInterfaceIsTheEmptyName() {
    MatchInput sent = input("udp 10.0.0.1:53 -> 10.0.0.2:53 out eth1");
    assertTrue(NO_HOST.matches(new Match.Iface(false, "eth0", true), sent)); // ! -i eth0
    assertTrue(NO_HOST.matches(new Match.Iface(true, "eth+", false), sent));
    assertFalse(NO_HOST.matches(new Match.Iface(false, "eth+", false), sent));
  }

  @Test
  void connmarkNeverMatchesWithoutAConnection() {
    MatchInput in = input("tcp 10.0.0.1:1234 -> 10.0.0.2:80 in eth0 ctmark 0x1");
    Match.ConnMark one = new Match.ConnMark(1, 0xff, false);
    Match.ConnMark notTwo = new Match.ConnMark(2, 0xff, true);
    assertTrue(NO_HOST.matches(one, in));
    assertTrue(NO_HOST.matches(notTwo, in));
    for (ConnState none : List.of(ConnState.INVALID, ConnState.UNTRACKED)) {
      assertFalse(NO_HOST.matches(one, withState(in, none)));
      assertFalse(NO_HOST.matches(notTwo, withState(in, none)));
    }
  }

  @Test
  void conntrackMatchSeesTheInputsStateNotThePackets() {
    MatchInput in = input("tcp 10.0.0.1:1234 -> 10.0.0.2:80 in eth0 state new");
    Match.CtState invalid = new Match.CtState(EnumSet.of(ConnState.INVALID), false);
    assertFalse(NO_HOST.matches(invalid, in));
    assertTrue(NO_HOST.matches(invalid, withState(in, ConnState.INVALID))); // e.g. in raw
  }

  @Test
  void withoutAHostModelLocalIsWhatThePacketSays() {
    Match.AddrType dstLocal = new Match.AddrType(Side.DST, EnumSet.of(AddressType.LOCAL), false);
    Match.AddrType srcLocal = new Match.AddrType(Side.SRC, EnumSet.of(AddressType.LOCAL), false);
    assertTrue(NO_HOST.matches(dstLocal, input("tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0")));
    assertFalse(NO_HOST.matches(dstLocal,
        input("tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0 out eth1")));
    assertTrue(NO_HOST.matches(srcLocal, input("tcp 10.0.0.1:1 -> 10.0.0.2:80 out eth1")));
    assertTrue(NO_HOST.matches(dstLocal, input("tcp 10.0.0.9:1 -> 127.0.0.5:80 in eth0 out x")));
  }

  @Test
  void localMeansTheOriginalPacketsAddressesAfterARewrite() {
    MatchInput arrived = input("tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0");
    Packet dnatted = arrived.packet().withDst(IpAddr.parse("10.0.0.7"), 80);
    MatchInput after = new MatchInput(dnatted, "eth0", "", ConnState.NEW, arrived.packet());
    Match.AddrType dstLocal = new Match.AddrType(Side.DST, EnumSet.of(AddressType.LOCAL), false);
    assertTrue(NO_HOST.matches(dstLocal, after)); // delivered locally: the new destination
    MatchInput forwarded = input("tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0 out eth1");
    assertFalse(NO_HOST.matches(dstLocal, new MatchInput(dnatted, "eth0", "eth1", ConnState.NEW,
        forwarded.packet())));
  }

  @Test
  void withAHostModelLocalIsItsAddresses() {
    HostModel host = new HostModel(true, List.of(new HostModel.Iface("eth0",
        List.of(new HostModel.IfAddr(IpAddr.parse("192.0.2.10"), 24)))), List.of());
    MatchEvaluator ev = new MatchEvaluator(host, List.of());
    Match.AddrType dstLocal = new Match.AddrType(Side.DST, EnumSet.of(AddressType.LOCAL), false);
    Match.AddrType dstBcast =
        new Match.AddrType(Side.DST, EnumSet.of(AddressType.BROADCAST), false);
    assertTrue(ev.matches(dstLocal, input("udp 192.0.2.1:1 -> 192.0.2.10:53 in eth0")));
    assertFalse(ev.matches(dstLocal, input("udp 192.0.2.1:1 -> 192.0.2.11:53 in eth0")));
    assertTrue(ev.matches(dstBcast, input("udp 192.0.2.1:1 -> 192.0.2.255:53 in eth0")));
  }

  @Test
  void setsAreLookedUpByNameAndAMissingOneIsAnError() {
    IpSet blocked = new IpSet("blocked", IpSet.Type.HASH_NET, Family.IPV4,
        List.of(new IpSet.Entry(IpRange.parse("10.0.0.0/8"), 0, null)), null, 65536);
    MatchEvaluator ev = new MatchEvaluator(null, List.of(blocked));
    MatchInput in = input("tcp 10.1.2.3:1 -> 192.0.2.1:80 in eth0");
    assertTrue(ev.matches(new Match.InSet("blocked", List.of(Side.SRC), false), in));
    assertFalse(ev.matches(new Match.InSet("blocked", List.of(Side.DST), false), in));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ev.matches(new Match.InSet("other", List.of(Side.SRC), false), in));
    assertEquals("rule uses missing set other", e.getMessage());
  }

  @Test
  void oneStatefulMatchFollowsThePacketsSeq() {
    Match.Limit burst3 = Match.Limit.of(1, 60, 3);
    assertTrue(NO_HOST.matches(burst3, input("udp 10.0.0.1:1 -> 10.0.0.2:2 in eth0 seq 2")));
    assertFalse(NO_HOST.matches(burst3, input("udp 10.0.0.1:1 -> 10.0.0.2:2 in eth0 seq 3")));
    Match.Statistic everyFourthFromOne = new Match.Statistic(true, 0, 4, 1, false);
    assertTrue(NO_HOST.matches(everyFourthFromOne,
        input("udp 10.0.0.1:1 -> 10.0.0.2:2 in eth0 seq 5")));
    assertFalse(NO_HOST.matches(everyFourthFromOne,
        input("udp 10.0.0.1:1 -> 10.0.0.2:2 in eth0 seq 4")));
  }

  /**
   * In a session the model counts evaluations: a limit behind a match that fails is not
   * evaluated, so it spends no token (the kernel stops at the first failing match too).
   */
  @Test
  void aRulesMatchesStopAtTheFirstThatFailsAndOnlyEvaluatedLimitsSpendTokens() {
    Rule rule = new Rule(List.of(new Match.Proto(Protocols.TCP, false), DPORT_80,
        Match.Limit.of(1, 60, 2)), new Target.Accept());
    Stateful session = new Stateful.Counting();
    MatchInput port22 = input("tcp 10.0.0.1:1 -> 10.0.0.2:22 in eth0");
    MatchInput port80 = input("tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0");
    List<Boolean> hits = new ArrayList<>();
    for (MatchInput in : List.of(port22, port22, port80, port22, port80, port80)) {
      hits.add(NO_HOST.matches(rule, in, session));
    }
    assertEquals(List.of(false, false, true, false, true, false), hits);
  }

  @Test
  void nthInASessionCountsEvaluationsFromThePacketOption() {
    Rule rule = new Rule(List.of(new Match.Statistic(true, 0, 3, 1, false)), new Target.Accept());
    Stateful session = new Stateful.Counting();
    MatchInput in = input("udp 10.0.0.1:1 -> 10.0.0.2:2 in eth0 seq 6"); // seq is ignored
    List<Boolean> hits = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      hits.add(NO_HOST.matches(rule, in, session));
    }
    assertEquals(List.of(false, true, false, false, true, false, false), hits);
    assertFalse(NO_HOST.matches(rule, in, Stateful.FROM_SEQ)); // 6 % 3 != 1
  }
}
