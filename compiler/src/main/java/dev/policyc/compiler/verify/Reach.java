package dev.policyc.compiler.verify;

import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import java.util.List;

/**
 * The packets that may match a rule, as cubes, and their hull on the {@link #HULL} fields (null:
 * none): what {@link ChainEdits} tests first, since two hulls apart on one field share no packet.
 */
record Reach(List<Cube> cubes, long[] hull) {
  /** The fields of a hull, each as its smallest and largest value. */
  static final Field[] HULL = {Field.SRC, Field.DST, Field.PROTO, Field.DPORT, Field.SPORT};

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

  /** The smallest and largest value of the cubes on the {@link #HULL} fields; null if none. */
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

  static long[] hull(Cube c) {
    long[] h = new long[2 * HULL.length];
    for (int k = 0; k < HULL.length; k++) {
      IntervalSet v = (IntervalSet) c.get(HULL[k]);
      int word = v.width() > 64 ? 0 : 1;
      h[2 * k] = v.first()[word];
      h[2 * k + 1] = v.last()[word];
    }
    return h;
  }
}
