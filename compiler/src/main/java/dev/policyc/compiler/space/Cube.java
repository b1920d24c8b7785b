package dev.policyc.compiler.space;

import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The packets of one family whose every field is in its value set: the packets a rule of plain
 * matches accepts. A field not constrained holds every value. Cubes are immutable.
 */
public final class Cube implements Constraint {
  private final Family family;
  private final Map<Field, ValueSet> fields;

  private Cube(Family family, Map<Field, ValueSet> fields) {
    this.family = family;
    this.fields = fields;
  }

  /** Every packet of a family. */
  public static Cube all(Family f) {
    return new Cube(f, new EnumMap<>(Field.class));
  }

  public Family family() {
    return family;
  }

  /** The values of a field (every value when unconstrained). */
  public ValueSet get(Field f) {
    ValueSet v = fields.get(f);
    return v != null ? v : f.full(family);
  }

  /** The fields this cube constrains. */
  public Map<Field, ValueSet> constrained() {
    return Collections.unmodifiableMap(fields);
  }

  /** This cube with one field narrowed to its values that are also in {@code values}. */
  public Cube and(Field f, ValueSet values) {
    Map<Field, ValueSet> m = new EnumMap<>(Field.class);
    m.putAll(fields);
    put(m, f, get(f).intersect(values));
    return new Cube(family, m);
  }

  public Cube intersect(Cube o) {
    check(o);
    if (o.fields.isEmpty()) {
      return this;
    }
    Map<Field, ValueSet> m = new EnumMap<>(Field.class);
    m.putAll(fields);
    for (Map.Entry<Field, ValueSet> e : o.fields.entrySet()) {
      narrow(m, e.getKey(), e.getValue());
    }
    return new Cube(family, m);
  }

  /** Narrows field {@code f} of the fields {@code m} (of this cube's family) to {@code values}. */
  private void narrow(Map<Field, ValueSet> m, Field f, ValueSet values) {
    ValueSet had = m.get(f);
    put(m, f, (had != null ? had : f.full(family)).intersect(values));
  }

  /** Sets field {@code f} of the fields {@code m} to {@code v}, leaving out a whole domain. */
  private static void put(Map<Field, ValueSet> m, Field f, ValueSet v) {
    if (v.isFull()) {
      m.remove(f);
    } else {
      m.put(f, v);
    }
  }

  /**
   * True when some packet is in both cubes: the same answer as {@code !intersect(o).isEmpty()},
   * without building the intersection.
   */
  public boolean intersects(Cube o) {
    check(o);
    for (Map.Entry<Field, ValueSet> e : fields.entrySet()) {
      ValueSet w = o.fields.get(e.getKey());
      if (w == null ? e.getValue().isEmpty() : !e.getValue().intersects(w)) {
        return false;
      }
    }
    for (Map.Entry<Field, ValueSet> e : o.fields.entrySet()) {
      if (!fields.containsKey(e.getKey()) && e.getValue().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** The fields of {@link #hull()}, in its order. */
  private static final Field[] HULL = {Field.SRC, Field.DST, Field.PROTO, Field.DPORT,
    Field.SPORT};

  /** Where {@code f}'s smallest value stands in {@link #hull()} (its largest follows), or -1. */
  public static int hullIndex(Field f) {
    for (int k = 0; k < HULL.length; k++) {
      if (HULL[k] == f) {
        return 2 * k;
      }
    }
    return -1;
  }

  /**
   * The smallest and largest value of the cube on its source and destination addresses,
   * protocol, destination and source ports, side by side, as unsigned longs (an IPv6 address by
   * its top 64 bits): what the pairwise scans of the analyses and the proofs compare first, since
   * two hulls apart on one field share no packet. Null for an empty cube.
   */
  public long[] hull() {
    if (isEmpty()) {
      return null;
    }
    long[] h = new long[2 * HULL.length];
    for (int k = 0; k < HULL.length; k++) {
      IntervalSet v = (IntervalSet) get(HULL[k]);
      int word = v.width() > 64 ? 0 : 1;
      h[2 * k] = v.first()[word];
      h[2 * k + 1] = v.last()[word];
    }
    return h;
  }

  /**
   * For a cube that constrains only the fields of its {@link #hull()}, each to one interval of at
   * most 64 bits, and the fragment flag: which fragment values it holds, as bits (1: a first
   * fragment or none, 2: a later fragment); -1 for any other cube, and for an empty one. Two such
   * cubes meet exactly when their hulls meet and their bits share one, and one holds the other
   * exactly when its hull and its bits hold the other's: the answers of {@link #intersects} and
   * {@link #contains} from a few compares (ClassBench-like rules are such cubes).
   */
  public int plainFragments() {
    int bits = 3;
    for (Map.Entry<Field, ValueSet> e : fields.entrySet()) {
      Field f = e.getKey();
      if (!(e.getValue() instanceof IntervalSet s) || s.isEmpty()) {
        return -1;
      }
      if (f == Field.FRAGMENT) {
        bits = (s.contains(0) ? 1 : 0) | (s.contains(1) ? 2 : 0);
      } else if (hullIndex(f) < 0 || !s.isOneNarrowInterval()) {
        return -1;
      }
    }
    return bits;
  }

  /**
   * Whether the hull {@code outer} holds the hull {@code inner} on every field (hulls as {@link
   * #hull()} gives them; a null {@code outer}, an empty cube's, holds nothing): what a cube must
   * satisfy to contain another, tested first since it is cheap.
   */
  public static boolean hullHolds(long[] outer, long[] inner) {
    if (outer == null) {
      return false;
    }
    for (int k = 0; k < inner.length; k += 2) {
      if (Long.compareUnsigned(inner[k], outer[k]) < 0
          || Long.compareUnsigned(inner[k + 1], outer[k + 1]) > 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The share of all headers the cube holds: the product of its interval fields' shares of their
   * domains (the fields of other kinds, marks and interface names, are not counted).
   */
  public double share() {
    double s = 1;
    for (ValueSet v : fields.values()) {
      if (v instanceof IntervalSet set) {
        s *= set.share();
      }
    }
    return s;
  }

  /** True when no packet is in the cube: some field has no value. */
  public boolean isEmpty() {
    for (ValueSet v : fields.values()) {
      if (v.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** True when every packet of {@code o} is in this cube. */
  public boolean contains(Cube o) {
    check(o);
    if (o.isEmpty()) {
      return true;
    }
    for (Map.Entry<Field, ValueSet> e : fields.entrySet()) {
      ValueSet w = o.fields.get(e.getKey());
      if (w == null) {
        // and() drops a field's set once it is its whole domain; the conntrack states are a
        // part of theirs, so a set of every state is kept
        if (e.getKey() != Field.CT_STATE
            || !e.getValue().containsAll(Field.CT_STATE.full(family))) {
          return false;
        }
      } else if (!e.getValue().containsAll(w)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The packets of this cube not in {@code o}, as disjoint cubes: for each field {@code o}
   * constrains, in field order, the packets that agree with {@code o} on the fields before it
   * and not on this one.
   */
  public List<Cube> minus(Cube o) {
    check(o);
    List<Cube> out = new ArrayList<>();
    if (!intersects(o)) {
      if (!isEmpty()) {
        out.add(this);
      }
      return out;
    }
    Map<Field, ValueSet> agree = new EnumMap<>(Field.class);
    agree.putAll(fields);
    for (Map.Entry<Field, ValueSet> e : o.fields.entrySet()) {
      Field f = e.getKey();
      ValueSet outside = get(f).minus(e.getValue());
      if (!outside.isEmpty()) {
        Map<Field, ValueSet> piece = new EnumMap<>(Field.class);
        piece.putAll(agree);
        put(piece, f, outside);
        out.add(new Cube(family, piece));
      }
      narrow(agree, f, e.getValue());
    }
    return out;
  }

  private void check(Cube o) {
    if (o.family != family) {
      throw new IllegalArgumentException("cubes of " + family + " and " + o.family);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cube c && c.family == family && c.contains(this) && contains(c);
  }

  @Override
  public int hashCode() {
    return family.hashCode(); // equal cubes may constrain different fields (when empty)
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(family.yamlName()).append('[');
    boolean first = true;
    for (Map.Entry<Field, ValueSet> e : fields.entrySet()) {
      sb.append(first ? "" : " ").append(e.getKey().name().toLowerCase(java.util.Locale.ROOT))
          .append('=').append(e.getValue());
      first = false;
    }
    return sb.append(']').toString();
  }
}
