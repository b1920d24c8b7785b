package dev.policyc.compiler.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RuleHulls#members} places every rule in the branches its values meet, as the cubes' own
 * test does: rules of one interval (where the hull decides), of two intervals and of none on the
 * field, non-first fragments (which the last branch of a port split takes), branches of one
 * interval and a last branch of two, and IPv6 addresses (wider than a hull's word).
 */
class RuleHullsTest {
  @Test
  void placesEveryRuleWhereItsValuesMeetTheBranches() {
    long seed = Long.getLong("policyc.seed", 20261207L);
    Random random = new Random(seed);
    Field[] fields = {Field.DST, Field.SRC, Field.DPORT, Field.SPORT, Field.PROTO};
    for (int trial = 0; trial < 2_000; trial++) {
      Family family = random.nextInt(4) == 0 ? Family.IPV6 : Family.IPV4;
      Field field = fields[random.nextInt(fields.length)];
      int width = field == Field.PROTO ? 8 : field == Field.DPORT || field == Field.SPORT ? 16
          : family == Family.IPV6 ? 128 : 32;
      long span = 300;
      List<Cube> rules = new ArrayList<>();
      for (int i = 0; i < 1 + random.nextInt(20); i++) {
        Cube c = Cube.all(family);
        int shape = random.nextInt(6);
        if (shape == 0) {
          c = c.and(field, IntervalSet.empty(width)); // matches nothing
        } else if (shape == 1) {
          long a = random.nextInt((int) span);
          long b = a + 10 + random.nextInt(50);
          c = c.and(field, range(width, a, a + random.nextInt(5))
              .union(range(width, b, b + random.nextInt(20))));
        } else if (shape < 5) {
          long a = random.nextInt((int) span);
          c = c.and(field, range(width, a, a + random.nextInt(60)));
        }
        if (random.nextInt(5) == 0) {
          c = c.and(Field.FRAGMENT, IntervalSet.point(1, 1));
        }
        rules.add(c);
      }
      // branches: consecutive intervals of [lo, hi], the last of two pieces (the rest) or one
      long lo = random.nextInt(50);
      List<ValueSet> branches = new ArrayList<>();
      long at = lo;
      int n = 2 + random.nextInt(3);
      for (int i = 0; i < n - 1; i++) {
        long end = at + random.nextInt(80);
        branches.add(range(width, at, end));
        at = end + 1;
      }
      IntervalSet last = range(width, at, at + random.nextInt(100));
      if (random.nextBoolean()) {
        last = last.union(range(width, 0, Math.max(0, lo - 1)));
      }
      branches.add(last);
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        order.add(i);
      }
      assertEquals(naive(rules, order, field, branches),
          new RuleHulls(rules).members(order, field, branches),
          "seed " + seed + ", trial " + trial + ", " + family + " " + field);
    }
  }

  /**
   * {@link RuleHulls#covered} answers as the cubes do: a decider holds the rule's packets within
   * the region when its hull holds their hull and its cube their cube; with no decider, nothing
   * is covered; with no packet of the region, everything is. Regions of one interval a field
   * (where the hulls' overlap stands in for the packets' hull) and of two, rules of one and two
   * intervals, and empty ones.
   */
  @Test
  void coversAsTheCubesDo() {
    long seed = Long.getLong("policyc.seed", 20261207L);
    Random random = new Random(seed);
    Field[] fields = {Field.DST, Field.SRC, Field.DPORT, Field.PROTO};
    for (int trial = 0; trial < 3_000; trial++) {
      List<Cube> rules = new ArrayList<>();
      int n = 2 + random.nextInt(8);
      for (int i = 0; i < n + 1; i++) {
        rules.add(cube(random, fields, i < n ? 3 : 6));
      }
      Cube region = cube(random, fields, 4);
      List<Integer> deciders = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (random.nextBoolean()) {
          deciders.add(i);
        }
      }
      int r = n; // the last cube is the rule asked about
      boolean expected = false;
      Cube within = rules.get(r).intersect(region);
      for (int d : deciders) {
        if (within.isEmpty() || rules.get(d).contains(within)) {
          expected = true;
          break;
        }
      }
      RuleHulls hulls = new RuleHulls(rules);
      assertEquals(expected, hulls.covered(deciders, r, region, region.hull(),
          RuleHulls.exact(region)), "seed " + seed + ", trial " + trial);
    }
  }

  /** An IPv4 cube of random values on a few fields, wider the larger {@code spread}. */
  private static Cube cube(Random random, Field[] fields, int spread) {
    Cube c = Cube.all(Family.IPV4);
    for (Field f : fields) {
      int width = f == Field.PROTO ? 8 : f == Field.DPORT ? 16 : 32;
      int shape = random.nextInt(8);
      if (shape < 3) {
        continue; // every value
      }
      long a = random.nextInt(40);
      IntervalSet v = range(width, a, a + random.nextInt(10 * spread));
      if (shape == 3) {
        v = v.union(range(width, a + 80, a + 80 + random.nextInt(20)));
      } else if (shape == 4 && random.nextInt(10) == 0) {
        v = IntervalSet.empty(width);
      }
      c = c.and(f, v);
    }
    return c;
  }

  /** A range of {@code width} bits, cut to the domain; IPv6 values in the address's low word. */
  private static IntervalSet range(int width, long lo, long hi) {
    long max = width >= 64 ? Long.MAX_VALUE : (1L << width) - 1;
    return IntervalSet.range(width, Math.min(lo, max), Math.min(hi, max));
  }

  /** The cubes' own test, as the tree made it before the hulls. */
  private static List<List<Integer>> naive(List<Cube> rules, List<Integer> order, Field field,
      List<ValueSet> values) {
    List<List<Integer>> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      out.add(new ArrayList<>());
    }
    boolean ports = field == Field.DPORT || field == Field.SPORT;
    int last = values.size() - 1;
    for (int r : order) {
      Cube b = rules.get(r);
      boolean placed = false;
      for (int i = 0; i < values.size(); i++) {
        if (b.get(field).intersects(values.get(i)) || i == last && ports
            && ((IntervalSet) b.get(Field.FRAGMENT)).contains(1)) {
          out.get(i).add(r);
          placed = true;
        }
      }
      if (!placed) {
        out.get(last).add(r);
      }
    }
    return out;
  }
}
