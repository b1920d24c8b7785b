package dev.policyc.compiler.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Cube#plainFragments}: for two plain cubes the hulls and the fragment bits give the
 * answers of {@link Cube#intersects} and {@link Cube#contains} (what the chain analysis asks of
 * ClassBench-like rules without walking their fields); any other cube is not plain.
 */
class PlainCubesTest {
  private static final Field[] HULL = {Field.SRC, Field.DST, Field.PROTO, Field.DPORT,
    Field.SPORT};

  @Test
  void twoPlainCubesAreDecidedByTheirHullsAndFragmentBits() {
    int[] plainPairs = new int[1];
    Property.forAll("plain cubes decided by their hulls", Property.seed(7311),
        Property.trials(2000), PlainCubesTest::cubes, cubes -> check(cubes, plainPairs),
        c -> List.of(), List::toString);
    assertTrue(plainPairs[0] > 2000, "plain pairs asked: " + plainPairs[0]);
  }

  @Test
  void aCubeOfAnotherFieldOrOfSeveralIntervalsIsNotPlain() {
    Cube tcp = Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 6));
    assertEquals(3, Cube.all(Family.IPV4).plainFragments());
    assertEquals(3, tcp.plainFragments());
    assertEquals(1, tcp.and(Field.FRAGMENT, IntervalSet.point(1, 0)).plainFragments());
    assertEquals(2, tcp.and(Field.FRAGMENT, IntervalSet.point(1, 1)).plainFragments());
    assertEquals(-1, tcp.and(Field.TTL, IntervalSet.range(8, 1, 64)).plainFragments());
    assertEquals(-1, tcp.and(Field.DPORT,
        IntervalSet.point(16, 22).union(IntervalSet.point(16, 80))).plainFragments());
    assertEquals(-1, tcp.and(Field.DPORT, IntervalSet.empty(16)).plainFragments(), "empty");
    Cube v6 = Cube.all(Family.IPV6).and(Field.SRC, IntervalSet.range(128, 0, 255));
    assertEquals(-1, v6.plainFragments(), "an IPv6 address is wider than a hull's long");
  }

  /**
   * Two to six cubes: each hull field sometimes narrowed to one interval (now and then two, or
   * empty), the fragment flag sometimes set, and now and then a field outside the hull. Values
   * are drawn from a few small ranges, so that cubes meet, hold one another and miss by one.
   */
  private static List<Cube> cubes(Random r) {
    List<Cube> out = new ArrayList<>();
    for (int n = 2 + r.nextInt(5); n > 0; n--) {
      Cube c = Cube.all(Family.IPV4);
      for (Field f : HULL) {
        if (r.nextInt(3) == 0) {
          continue;
        }
        int width = f.width(Family.IPV4);
        long a = r.nextInt(12);
        IntervalSet v = IntervalSet.range(width, a, a + r.nextInt(6));
        if (r.nextInt(12) == 0) {
          v = v.union(IntervalSet.point(width, a + 8));
        }
        if (r.nextInt(40) == 0) {
          v = IntervalSet.empty(width);
        }
        c = c.and(f, v);
      }
      int frag = r.nextInt(4);
      if (frag < 2) {
        c = c.and(Field.FRAGMENT, IntervalSet.point(1, frag));
      }
      if (r.nextInt(10) == 0) {
        c = c.and(Field.TTL, IntervalSet.range(8, 1, 1 + r.nextInt(100)));
      }
      out.add(c);
    }
    return out;
  }

  private static String check(List<Cube> cubes, int[] plainPairs) {
    for (Cube a : cubes) {
      for (Cube b : cubes) {
        int fa = a.plainFragments();
        int fb = b.plainFragments();
        if (fa < 0 || fb < 0) {
          continue;
        }
        plainPairs[0]++;
        long[] ha = a.hull();
        long[] hb = b.hull();
        boolean meet = (fa & fb) != 0;
        for (int k = 0; k < ha.length; k += 2) {
          meet &= Long.compareUnsigned(ha[k + 1], hb[k]) >= 0
              && Long.compareUnsigned(hb[k + 1], ha[k]) >= 0;
        }
        if (meet != a.intersects(b)) {
          return "intersects " + a.intersects(b) + ", the hulls say " + meet + ": " + a + " and "
              + b;
        }
        boolean holds = (fb & ~fa) == 0 && Cube.hullHolds(ha, hb);
        if (holds != a.contains(b)) {
          return "contains " + a.contains(b) + ", the hulls say " + holds + ": " + a + " and "
              + b;
        }
      }
    }
    return null;
  }
}
