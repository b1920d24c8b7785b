package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Coverage;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.SetCubes;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;

/**
 * The packets that may match a rule, as cubes, and their hull on the fields of {@link
 * Cube#hull} (null: none): what {@link ChainEdits} tests first, since two hulls apart on
 * one field share no packet.
 */
record Reach(List<Cube> cubes, long[] hull) {
  /**
   * Every packet arriving at the rule that may match it, whatever earlier targets of the
   * table did (as {@link Focus}): the cubes of its matches, without interfaces, without
   * rewritable fields when a target of the table rewrites ({@code rewrites}), with the entries
   * of the sets of {@code policy}.
   */
  static Reach of(Rule r, Family family, IrPolicy policy, boolean rewrites) {
    List<Cube> cubes = List.of(Cube.all(family));
    for (Match m : r.matches()) {
      if (m instanceof Match.Iface || rewrites && (m instanceof Match.Mark
          || m instanceof Match.ConnMark || m instanceof Match.CtState
          || m instanceof Match.Dscp || m instanceof Match.Tos || m instanceof Match.Ttl
          || m instanceof Match.Length)) {
        continue;
      }
      List<Cube> with;
      Cube mc = Constraints.ofMatch(m, family, policy);
      if (mc != null) {
        with = List.of(mc);
      } else if (m instanceof Match.InSet s && !s.negated() && policy.set(s.name()).isPresent()) {
        with = SetCubes.of(policy.set(s.name()).get(), s.dirs(), family);
      } else {
        continue; // opaque: may hold for any packet
      }
      List<Cube> next = new ArrayList<>();
      for (Cube x : cubes) {
        for (Cube y : with) {
          Cube both = x.intersect(y);
          if (!both.isEmpty()) {
            next.add(both);
          }
        }
      }
      cubes = next;
    }
    return new Reach(cubes, hull(cubes));
  }

  /**
   * Whether the union of {@code outer} holds every cube of {@code inner} (false: unknown). A cube
   * one outer cube holds is settled first, and so is each address interval of a cube of several
   * (a set's entries, each shadowed by its own rule): cut by the other outer cubes first, their
   * pieces could pass the bound on pieces (a rule shadowed by one far before it, with many rules
   * between them). When the pieces left still pass that bound, the cubes are settled one by
   * one with {@link Coverage#holds}.
   */
  static boolean covers(List<Cube> outer, List<Cube> inner) {
    List<Cube> left = new ArrayList<>();
    for (Cube c : inner) {
      if (heldByOne(outer, c)) {
        continue;
      }
      for (Cube box : boxes(c)) {
        if (!heldByOne(outer, box)) {
          left.add(box);
        }
      }
    }
    List<Cube> rest = Coverage.remainder(left, outer, new Coverage.Budget(Long.MAX_VALUE));
    if (rest != null) {
      return rest.isEmpty();
    }
    // too many pieces at once: piece by piece, depth first
    Coverage.Budget budget = new Coverage.Budget(HOLDS_BUDGET);
    for (Cube c : left) {
      if (!Boolean.TRUE.equals(Coverage.holds(outer, c, budget))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The work {@link #covers} may spend on a union that {@link Coverage#remainder} gives up on
   * (in the units of {@link Coverage.Budget}: up to about 0.15 s here; the unions settled in
   * the ClassBench sets take at most a quarter of it, one that runs out costs that time).
   */
  private static final long HOLDS_BUDGET = 2_000_000L;

  /**
   * The cube cut into one cube per interval of each address field that has several, when that
   * makes at most 64 of them; else the cube alone.
   */
  private static List<Cube> boxes(Cube c) {
    List<Cube> out = List.of(c);
    for (Field f : List.of(Field.SRC, Field.DST)) {
      IntervalSet v = (IntervalSet) c.get(f);
      if (v.intervals() < 2) {
        continue;
      }
      if ((long) out.size() * v.intervals() > 64) {
        return List.of(c);
      }
      List<Cube> next = new ArrayList<>();
      for (Cube k : out) {
        for (IpRange r : v.ipRanges(c.family())) {
          next.add(k.and(f, IntervalSet.of(r)));
        }
      }
      out = next;
    }
    return out;
  }

  private static boolean heldByOne(List<Cube> outer, Cube c) {
    for (Cube o : outer) {
      if (o.contains(c)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a packet of {@code c} (whose hull is {@code h}) may match the rule. */
  boolean meets(Cube c, long[] h) {
    if (hull == null || h == null || apart(hull, h)) {
      return false;
    }
    for (Cube x : cubes) {
      if (x.intersects(c)) {
        return true;
      }
    }
    return false;
  }

  /** Whether two hulls are apart on some field. */
  static boolean apart(long[] x, long[] y) {
    for (int k = 0; k < x.length; k += 2) {
      if (Long.compareUnsigned(x[k + 1], y[k]) < 0 || Long.compareUnsigned(y[k + 1], x[k]) < 0) {
        return true;
      }
    }
    return false;
  }

  /** The smallest and largest value of the cubes on the fields of {@link Cube#hull}; null: none. */
  static long[] hull(List<Cube> cubes) {
    long[] h = null;
    for (Cube c : cubes) {
      if (c.isEmpty()) {
        continue;
      }
      long[] one = hull(c);
      if (h == null) {
        h = one;
      } else {
        for (int k = 0; k < h.length; k += 2) {
          if (Long.compareUnsigned(one[k], h[k]) < 0) {
            h[k] = one[k];
          }
          if (Long.compareUnsigned(one[k + 1], h[k + 1]) > 0) {
            h[k + 1] = one[k + 1];
          }
        }
      }
    }
    return h;
  }

  /** The hull of one cube ({@link Cube#hull}); null for an empty cube. */
  static long[] hull(Cube c) {
    return c.hull();
  }
}
