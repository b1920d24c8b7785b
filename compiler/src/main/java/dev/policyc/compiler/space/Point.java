package dev.policyc.compiler.space;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * One packet as the analyses see it: a value for every field of {@link Field} (numbers for the
 * ordered and bit fields, addresses for {@code SRC}/{@code DST}, names for {@code IN}/{@code
 * OUT}, empty when the packet has no such interface at that point).
 */
public record Point(Family family, IpAddr src, IpAddr dst, Map<Field, Long> numbers, String in,
    String out) {
  public Point {
    Objects.requireNonNull(src);
    Objects.requireNonNull(dst);
    Objects.requireNonNull(in);
    Objects.requireNonNull(out);
    Map<Field, Long> m = new EnumMap<>(Field.class);
    m.putAll(numbers);
    for (Field f : Field.values()) {
      boolean number = f != Field.SRC && f != Field.DST && f.kind() != Field.Kind.NAME;
      if (number != m.containsKey(f)) {
        throw new IllegalArgumentException((number ? "no value for " : "a number for ") + f);
      }
    }
    numbers = m;
  }

  /** Whether the point's value of a field is in a set of that field's values. */
  public boolean in(Field f, ValueSet values) {
    if (values instanceof NameSet n) {
      return n.contains(f == Field.IN ? in : out);
    } else if (values instanceof MaskSet m) {
      return m.contains(numbers.get(f));
    } else if (values instanceof IntervalSet s) {
      if (f == Field.SRC || f == Field.DST) {
        return s.contains(f == Field.SRC ? src : dst);
      }
      return s.contains(numbers.get(f));
    }
    throw new AssertionError(values);
  }

  /** Whether the point is in a cube. */
  public boolean in(Cube c) {
    for (Map.Entry<Field, ValueSet> e : c.constrained().entrySet()) {
      if (!in(e.getKey(), e.getValue())) {
        return false;
      }
    }
    return true;
  }
}
