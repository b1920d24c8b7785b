package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Decision.Nat;
import dev.policyc.compiler.interp.Stateful.Binding;
import dev.policyc.compiler.interp.Stateful.Tuple;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Targets on their own: what each does to the packet and to the trip's state, through the
 * {@link TargetEffects.Scope} a {@link TripState} gives them.
 */
class TargetEffectsTest {
  private static final TargetEffects NO_HOST = new TargetEffects(null);

  /** A trip state for {@code packet} in {@code hook}, past the conntrack hook. */
  private static TripState at(Hook hook, String packet, Binding binding) {
    Packet p = Packet.parse(packet);
    TripState s = new TripState(p, binding, new Conntrack(true));
    s.conntrack.attach(p);
    s.hook = hook;
    s.inIf = p.in() == null ? "" : p.in();
    return s;
  }

  private static TripState at(Hook hook, String packet) {
    return at(hook, packet, null);
  }

  @Test
  void markSetsTheMaskedBitsAndConnmarkNeedsAConnection() {
    TripState s = at(Hook.PREROUTING, "tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0 mark 0xf0");
    assertTrue(NO_HOST.apply(new Target.Mark(0x5, 0x0f), s));
    assertEquals(0xf5, s.packet().mark());
    assertTrue(NO_HOST.apply(new Target.ConnMark(Target.ConnMark.Mode.SAVE, 0, 0, 0xff,
        0xffffffffL), s));
    assertEquals(0xf5, s.packet().ctmark());

    TripState invalid = at(Hook.PREROUTING, "tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0 state invalid");
    assertTrue(NO_HOST.apply(new Target.ConnMark(Target.ConnMark.Mode.SET, 7, 0xff, 0, 0),
        invalid));
    assertEquals(0, invalid.packet().ctmark());
  }

  @Test
  void logRecordsItsPrefixAndNotrackReachesTheConntrackView() {
    Packet p = Packet.parse("udp 10.0.0.1:1 -> 10.0.0.2:53 in eth0");
    TripState raw = new TripState(p, null, new Conntrack(true)); // before the conntrack hook
    raw.hook = Hook.PREROUTING;
    assertTrue(NO_HOST.apply(new Target.Log("in: ", 4), raw));
    assertTrue(NO_HOST.apply(new Target.Log(null, 4), raw));
    assertTrue(NO_HOST.apply(new Target.NoTrack(), raw));
    assertEquals(List.of("in: ", ""), raw.logs);
    assertFalse(raw.conntrack.hasConnection(raw.packet()));
  }

  @Test
  void theFirstTcpmssAddsAnOptionAndLaterOnesOnlyLowerIt() {
    TripState s = at(Hook.FORWARD, "tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0 flags syn");
    assertTrue(NO_HOST.apply(new Target.TcpMss(1400), s));
    assertEquals(44, s.packet().length());
    assertTrue(NO_HOST.apply(new Target.TcpMss(1300), s));
    assertTrue(NO_HOST.apply(new Target.TcpMss(1360), s));
    assertEquals(1300, s.mss());
    assertEquals(44, s.packet().length());

    TripState payload = at(Hook.FORWARD, "tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0 len 100");
    assertTrue(NO_HOST.apply(new Target.TcpMss(1400), payload));
    assertNull(payload.mss());
    TripState runt = at(Hook.FORWARD, "tcp 10.0.0.1:1 -> 10.0.0.2:80 in eth0 len 30");
    assertFalse(NO_HOST.apply(new Target.TcpMss(1400), runt)); // dropped
  }

  @Test
  void dnatTakesTheRangesFirstPortUnlessThePortIsInside() {
    TripState s = at(Hook.PREROUTING, "tcp 10.0.0.1:1 -> 192.0.2.10:80 in eth0");
    assertTrue(NO_HOST.nat(new Target.Dnat(IpRange.parse("10.9.9.9"), new PortRange(8080,
        8089)), s));
    assertEquals(new Nat(Nat.Kind.DNAT, IpAddr.parse("10.9.9.9"), PortRange.of(8080)), s.dnat);
    assertEquals(8080, s.packet().dport());
    assertFalse(s.redirected);
  }

  @Test
  void redirectDeliversToTheHostAndDropsWithoutAnAddressOnTheInputDevice() {
    TripState s = at(Hook.PREROUTING, "tcp 10.0.0.1:1 -> 192.0.2.10:80 in eth0");
    assertTrue(NO_HOST.nat(new Target.Redirect(PortRange.of(3128)), s));
    assertTrue(s.redirected);
    assertEquals(new Nat(Nat.Kind.REDIRECT, null, PortRange.of(3128)), s.dnat);

    HostModel bare = new HostModel(true, List.of(new HostModel.Iface("eth0", List.of())),
        List.of());
    TripState t = at(Hook.PREROUTING, "tcp 10.0.0.1:1 -> 192.0.2.10:80 in eth0");
    assertFalse(new TargetEffects(bare).nat(new Target.Redirect(null), t));
  }

  @Test
  void snatKeepsATupleAlreadyInTheRange() {
    TripState s = at(Hook.POSTROUTING, "tcp 192.0.2.5:1000 -> 198.51.100.1:80 in eth0");
    assertTrue(NO_HOST.nat(new Target.Snat(IpRange.parse("192.0.2.0/24"), null), s));
    assertEquals(new Nat(Nat.Kind.SNAT, IpAddr.parse("192.0.2.5"), PortRange.of(1000)), s.snat);
    assertEquals(s.original, s.packet());
  }

  @Test
  void masqueradeTakesTheLeavingDevicesAddress() {
    HostModel host = new HostModel(true, List.of(new HostModel.Iface("wan0",
        List.of(new HostModel.IfAddr(IpAddr.parse("203.0.113.2"), 24)))), List.of());
    TripState s = at(Hook.POSTROUTING, "udp 10.0.0.5:5000 -> 198.51.100.1:53 in lan0");
    s.leaving = new Route.Forward("wan0", IpAddr.parse("203.0.113.1"));
    assertTrue(new TargetEffects(host).nat(new Target.Masquerade(null), s));
    assertEquals(IpAddr.parse("203.0.113.2"), s.packet().src());
    assertEquals(Nat.Kind.MASQUERADE, s.snat.kind());

    TripState unknown = at(Hook.POSTROUTING, "udp 10.0.0.5:5000 -> 198.51.100.1:53 in lan0");
    assertTrue(NO_HOST.nat(new Target.Masquerade(null), unknown));
    assertNull(unknown.snat.addr()); // "an address of the interface"
    assertEquals(unknown.original, unknown.packet());
  }

  @Test
  void answersOfAKnownConnectionGetTheirNatUndone() {
    Tuple original = Tuple.of(Packet.parse("tcp 10.0.0.5:4000 -> 198.51.100.1:80 in lan0"));
    Tuple translated = Tuple.of(Packet.parse("tcp 203.0.113.2:4000 -> 198.51.100.1:80 in lan0"));
    Binding reply = new Binding(original, translated, true);
    TripState s = at(Hook.PREROUTING,
        "tcp 198.51.100.1:80 -> 203.0.113.2:4000 in wan0 state established", reply);
    TargetEffects.boundDst(reply, s);
    assertEquals(new Nat(Nat.Kind.CONNECTION_UNSNAT, IpAddr.parse("10.0.0.5"),
        PortRange.of(4000)), s.dnat);
    assertEquals(IpAddr.parse("10.0.0.5"), s.packet().dst());
    TargetEffects.boundSrc(reply, s); // the original destination was not rewritten
    assertNull(s.snat);

    Binding forward = new Binding(original, translated, false);
    TripState later = at(Hook.POSTROUTING,
        "tcp 10.0.0.5:4000 -> 198.51.100.1:80 in lan0 state established", forward);
    TargetEffects.boundSrc(forward, later);
    assertEquals(Nat.Kind.CONNECTION_SNAT, later.snat.kind());
    assertEquals(IpAddr.parse("203.0.113.2"), later.packet().src());
  }
}
