package dev.policyc.compiler.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Cube#intersects}, {@link Cube#contains}, {@link Coverage#remainder} and {@link
 * Coverage#holds} agree with membership of
 * points: random cubes over three small fields (protocol, TTL, conntrack state), every point of
 * that space checked.
 */
class CoverageTest {
  private static final Field[] FIELDS = {Field.PROTO, Field.TTL, Field.CT_STATE};
  private static final int[] SIZES = {16, 16, 5};

  @Test
  void cubeQuestionsAgreeWithPoints() {
    Property.forAll("cube questions agree with points", Property.seed(7201),
        Property.trials(300), CoverageTest::cubes, CoverageTest::check, c -> List.of(),
        List::toString);
  }

  /** A target and up to five covers, each field a small set within the first values. */
  private static List<Cube> cubes(Random r) {
    List<Cube> out = new ArrayList<>();
    for (int n = 1 + r.nextInt(6); n > 0; n--) {
      Cube c = Cube.all(Family.IPV4);
      for (int k = 0; k < FIELDS.length; k++) {
        if (r.nextInt(3) != 0) {
          IntervalSet v = IntervalSet.empty(FIELDS[k] == Field.CT_STATE ? 3 : 8);
          for (int i = 1 + r.nextInt(2); i > 0; i--) {
            int a = r.nextInt(SIZES[k]);
            v = v.union(IntervalSet.range(v.width(), a, Math.min(SIZES[k] - 1,
                a + r.nextInt(SIZES[k] / 2))));
          }
          c = c.and(FIELDS[k], v);
        }
      }
      out.add(c);
    }
    return out;
  }

  private static String check(List<Cube> cubes) {
    Cube target = cubes.get(0);
    List<Cube> covers = cubes.subList(1, cubes.size());
    for (Cube c : covers) {
      if (target.intersects(c) == target.intersect(c).isEmpty()) {
        return "intersects differs from intersect for " + c;
      }
      boolean contains = true;
      for (long[] p : points()) {
        contains &= !in(target, p) || in(c, p);
      }
      if (c.contains(target) != contains) {
        return "contains of " + c;
      }
    }
    List<Cube> left = Coverage.remainder(target, covers, new Coverage.Budget(1_000_000));
    if (left == null) {
      return "gave up within a large budget";
    }
    for (long[] p : points()) {
      boolean expected = in(target, p) && covers.stream().noneMatch(c -> in(c, p));
      int holding = 0;
      for (Cube piece : left) {
        holding += in(piece, p) ? 1 : 0;
      }
      if (holding > 1 || (holding == 1) != expected) {
        return "point " + java.util.Arrays.toString(p) + " is in " + holding + " pieces of "
            + left;
      }
    }
    Boolean holds = Coverage.holds(covers, target, new Coverage.Budget(1_000_000));
    boolean all = left.isEmpty();
    if (holds == null || holds != all) {
      return "holds says " + holds + ", the points " + all;
    }
    return null;
  }

  /** Every point of the small space (values outside it are in no cube's sets but the full). */
  private static List<long[]> points() {
    List<long[]> out = new ArrayList<>();
    for (long a = 0; a <= SIZES[0]; a++) {
      for (long b = 0; b <= SIZES[1]; b++) {
        for (long c = 0; c < SIZES[2]; c++) {
          out.add(new long[] {a, b, c});
        }
      }
    }
    return out;
  }

  private static boolean in(Cube c, long[] p) {
    for (int k = 0; k < FIELDS.length; k++) {
      if (!((IntervalSet) c.get(FIELDS[k])).contains(p[k])) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aQuestionGivesUpWhenItsBudgetRunsOut() {
    Cube target = Cube.all(Family.IPV4);
    List<Cube> covers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      covers.add(Cube.all(Family.IPV4).and(Field.TTL, IntervalSet.point(8, 2 * i))
          .and(Field.PROTO, IntervalSet.point(8, i)));
    }
    assertNull(Coverage.remainder(target, covers, new Coverage.Budget(1000)));
    List<Cube> left = Coverage.remainder(target, covers, new Coverage.Budget(10_000_000));
    assertTrue(left == null || !left.isEmpty());
  }

  @Test
  void aRemainderOfTooManyPiecesIsGivenUp() {
    // covers that overlap each other on three fields split the pieces they meet again and
    // again: the remainder would pass the bound
    List<Cube> covers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      covers.add(Cube.all(Family.IPV4).and(Field.TTL, IntervalSet.range(8, i * 7, i * 7 + 40))
          .and(Field.PROTO, IntervalSet.range(8, (i * 37) % 200, (i * 37) % 200 + 50))
          .and(Field.LENGTH, IntervalSet.range(16, (i * 997) % 60000,
              (i * 997) % 60000 + 3000)));
    }
    assertNull(Coverage.remainder(Cube.all(Family.IPV4), covers,
        new Coverage.Budget(Long.MAX_VALUE)));
    // piece by piece, the same union is settled: with four covers that tile the space after
    // them it holds everything; with a hole left in the tiles, not
    List<Cube> tiled = new ArrayList<>(covers);
    List<Cube> holed = new ArrayList<>(covers);
    for (int t = 0; t < 4; t++) {
      Cube tile = Cube.all(Family.IPV4).and(Field.TTL, IntervalSet.range(8, 64 * t, 64 * t + 63));
      tiled.add(tile);
      holed.add(t == 2 ? tile.and(Field.PROTO, IntervalSet.range(8, 1, 255)) : tile);
    }
    assertNull(Coverage.remainder(Cube.all(Family.IPV4), tiled,
        new Coverage.Budget(Long.MAX_VALUE)));
    assertEquals(Boolean.TRUE, Coverage.holds(tiled, Cube.all(Family.IPV4),
        new Coverage.Budget(10_000_000)));
    assertEquals(Boolean.FALSE, Coverage.holds(holed, Cube.all(Family.IPV4),
        new Coverage.Budget(10_000_000)));
    assertNull(Coverage.holds(tiled, Cube.all(Family.IPV4), new Coverage.Budget(100)));
    List<Cube> two = Coverage.remainder(Cube.all(Family.IPV4), covers.subList(0, 2),
        new Coverage.Budget(Long.MAX_VALUE));
    assertTrue(two != null && two.size() > 2 && two.size() < Coverage.MAX_PIECES, "" + two);
    assertEquals(List.of(), Coverage.remainder(Cube.all(Family.IPV4),
        List.of(Cube.all(Family.IPV4)), new Coverage.Budget(1000)));
  }
}
