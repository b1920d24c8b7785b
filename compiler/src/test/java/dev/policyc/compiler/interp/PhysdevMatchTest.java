package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.policyc.compiler.ir.Match;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code -m physdev} in the interpreter, which models no bridges: as {@code physdev_mt} for a
 * packet without bridge info, the match holds exactly when every option given is negated, on
 * every hook (arriving, forwarded and locally sent packets alike).
 */
class PhysdevMatchTest {
  private static final MatchEvaluator EV = new MatchEvaluator(null, List.of());
  private static final int[] BITS = {Match.Physdev.IN, Match.Physdev.OUT, Match.Physdev.BRIDGED,
      Match.Physdev.IS_IN, Match.Physdev.IS_OUT};

  @Test
  void aPacketIsNeverBridged() {
    List<MatchInput> packets = List.of(
        MatchInput.of(Packet.parse("tcp 10.0.0.1:1234 -> 203.0.113.5:80 in eth0")),
        MatchInput.of(Packet.parse("udp 10.0.0.1:53 -> 10.0.0.2:53 out eth1")),
        MatchInput.of(Packet.parse("tcp [2001:db8::1]:1234 -> [2001:db8::2]:80 in eth0")));
    int checked = 0;
    for (int bitmask = 1; bitmask < 32; bitmask++) {
      for (int invert = bitmask; ; invert = (invert - 1) & bitmask) {
        Match.Physdev m = new Match.Physdev(bitmask, invert,
            (bitmask & Match.Physdev.IN) != 0 ? "eth0" : null,
            (bitmask & Match.Physdev.OUT) != 0 ? "eth+" : null);
        for (MatchInput in : packets) {
          assertEquals(invert == bitmask, EV.matches(m, in), m + " on " + in.packet());
          checked++;
        }
        if (invert == 0) {
          break;
        }
      }
    }
    assertEquals(3 * 242, checked); // five options each absent, given or negated: 3^5 - 1
  }

  @Test
  void kubeProxysNotBridgedInMatchesAndItsPositiveFormDoesNot() {
    MatchInput in = MatchInput.of(Packet.parse("tcp 10.0.0.1:1234 -> 203.0.113.5:80 in eth0"));
    for (int bit : BITS) {
      String name = bit == Match.Physdev.IN ? "br0" : null;
      String out = bit == Match.Physdev.OUT ? "br0" : null;
      assertEquals(true, EV.matches(new Match.Physdev(bit, bit, name, out), in));
      assertEquals(false, EV.matches(new Match.Physdev(bit, 0, name, out), in));
    }
  }
}
