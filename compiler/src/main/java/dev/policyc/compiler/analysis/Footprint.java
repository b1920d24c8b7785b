package dev.policyc.compiler.analysis;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.dsl.Family;

/**
 * A rule's packets as the passes that move rules up a chain see them (extract-sets,
 * merge-rules): a cube holding every packet the rule may match (for an opaque rule, a bound of
 * them), and the smallest and largest value of its addresses, protocol and ports, compared
 * before the cubes since most rules of a long chain are apart on one of them.
 *
 * <p>A rule B may be tested before an earlier rule A ("move up past A") when no packet may match
 * both ({@link #meets}) and A is {@link #passable()}: A's target leaves the packet as it was
 * (a verdict, or LOG), so a packet A matches never becomes one B matches, and A keeps no state
 * that B's packets could change; and when B is {@link #movable()}: it keeps no state either, so
 * the packets that reach it may change.
 */
public final class Footprint {
  private static final Field[] HULL = {Field.SRC, Field.DST, Field.PROTO, Field.DPORT,
    Field.SPORT};

  private final Cube cube;
  private final boolean passable;
  private final boolean movable;
  /** Per field of {@link #HULL}: first (high, low), last (high, low); null for no packet. */
  private final long[] hull;

  private Footprint(Cube cube, boolean passable, boolean movable, long[] hull) {
    this.cube = cube;
    this.passable = passable;
    this.movable = movable;
    this.hull = hull;
  }

  public static Footprint of(Rule r, Family f, IrPolicy policy) {
    Constraint c = Constraints.of(r, f, policy);
    Cube cube = c instanceof Opaque o ? o.bound() : (Cube) c;
    TargetKind kind = TargetKind.of(r.target());
    boolean passable = !(c instanceof Opaque)
        && (kind == TargetKind.TERMINAL || kind == TargetKind.NEUTRAL);
    long[] hull = null;
    if (!cube.isEmpty()) {
      hull = new long[4 * HULL.length];
      for (int k = 0; k < HULL.length; k++) {
        IntervalSet v = (IntervalSet) cube.get(HULL[k]);
        System.arraycopy(v.first(), 0, hull, 4 * k, 2);
        System.arraycopy(v.last(), 0, hull, 4 * k + 2, 2);
      }
    }
    return new Footprint(cube, passable, !r.hasStatefulMatch(), hull);
  }

  /** Every packet the rule may match (more, for an opaque rule). */
  public Cube cube() {
    return cube;
  }

  /** True when a rule that shares no packet with this one may be moved up past it. */
  public boolean passable() {
    return passable;
  }

  /** True when this rule may be moved up past a passable rule it shares no packet with. */
  public boolean movable() {
    return movable;
  }

  /** True when some packet may match both rules. */
  public boolean meets(Footprint o) {
    if (hull == null || o.hull == null) {
      return false;
    }
    for (int k = 0; k < hull.length; k += 4) {
      if (below(hull, k + 2, o.hull, k) || below(o.hull, k + 2, hull, k)) {
        return false;
      }
    }
    return cube.intersects(o.cube);
  }

  /** True when this rule may be tested before {@code earlier} (see the class comment). */
  public boolean mayMoveUpPast(Footprint earlier) {
    return movable && earlier.passable && !meets(earlier);
  }

  /** True when the 128-bit value at {@code a[i]} is below the one at {@code b[j]}. */
  private static boolean below(long[] a, int i, long[] b, int j) {
    int c = Long.compareUnsigned(a[i], b[j]);
    return c < 0 || c == 0 && Long.compareUnsigned(a[i + 1], b[j + 1]) < 0;
  }
}
