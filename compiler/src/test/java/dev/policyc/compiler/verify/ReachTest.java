package dev.policyc.compiler.verify;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cover test the prover's shortcuts rest on. */
class ReachTest {
  private static Cube dst(String range) {
    return Cube.all(Family.IPV4).and(Field.DST, IntervalSet.of(IpRange.parse(range)));
  }

  /**
   * A cube one outer cube holds is covered however many outer cubes before it cut it: 300
   * addresses within it first would cut it into more pieces than the subtraction keeps.
   */
  @Test
  void aCubeHeldByOneIsCoveredBehindManyThatCutIt() {
    List<Cube> outer = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      outer.add(dst("10.0." + (i / 100) + "." + (2 * (i % 100) + 1) + "/32"));
    }
    List<Cube> inner = List.of(dst("10.0.0.0/16"));
    assertFalse(Reach.covers(outer, inner), "the addresses alone do not cover it");
    outer.add(dst("10.0.0.0/8"));
    assertTrue(Reach.covers(outer, inner));
    // and a union of two outer cubes still covers what neither holds alone
    assertTrue(Reach.covers(List.of(dst("10.0.0.0/17"), dst("10.0.128.0/17")), inner));
    assertFalse(Reach.covers(List.of(dst("10.0.0.0/17"), dst("10.0.129.0/24")), inner));
  }

  /**
   * A cube of two address intervals (a set rule's entries), each held by an outer cube of its
   * own, behind the same 300 addresses: each interval is settled as a cube of its own.
   */
  @Test
  void eachIntervalOfACubeHeldByOneIsCovered() {
    List<Cube> outer = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      outer.add(dst("10.0." + (i / 100) + "." + (2 * (i % 100) + 1) + "/32"));
    }
    outer.add(dst("10.0.0.0/16"));
    Cube two = Cube.all(Family.IPV4).and(Field.DST, IntervalSet.of(Family.IPV4,
        List.of(IpRange.parse("10.0.0.0/24"), IpRange.parse("10.9.0.0/24"))));
    assertFalse(Reach.covers(outer, List.of(two)), "10.9.0.0/24 is not covered yet");
    outer.add(dst("10.9.0.0/16"));
    assertTrue(Reach.covers(outer, List.of(two)));
  }
  /**
   * A wide cube (UDP from port 67, any address) that no outer cube holds, behind 300 that each
   * cut it on two fields: the pieces left pass the subtraction's bound, and the cube is settled
   * piece by piece, depth first (the rules before a rule of fw5_10k that no packet reaches).
   */
  @Test
  void aWideCubeCutByManyIsSettledPieceByPiece() {
    Cube udp67 = Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 17))
        .and(Field.SPORT, IntervalSet.point(16, 67));
    List<Cube> outer = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      outer.add(dst("10.0." + (i / 100) + "." + (2 * (i % 100) + 1) + "/32")
          .and(Field.DPORT, IntervalSet.point(16, 1000 + i)));
    }
    outer.add(Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 17))
        .and(Field.SRC, IntervalSet.of(IpRange.parse("0.0.0.0/1"))));
    assertFalse(Reach.covers(outer, List.of(udp67)), "half of the sources are left");
    outer.add(Cube.all(Family.IPV4).and(Field.SRC, IntervalSet.of(IpRange.parse("128.0.0.0/1")))
        .and(Field.SPORT, IntervalSet.range(16, 1, 1023)));
    assertTrue(Reach.covers(outer, List.of(udp67)));
  }
}
