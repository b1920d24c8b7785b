package dev.policyc.compiler.verify;

import dev.policyc.compiler.space.Cube;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Packets of one family: those of a {@link Cube} for which each listed opaque match holds or
 * does not ({@code atoms}). Opaque matches (limit, statistic, address types, ipsets the cubes
 * cannot describe) are free booleans here: equal matches of the two policies are the same
 * boolean, so rules that use them are compared structurally.
 */
record Term(Cube cube, Map<Atom, Boolean> atoms) {
  Term {
    atoms = Collections.unmodifiableMap(new LinkedHashMap<>(atoms));
  }

  static Term of(Cube cube) {
    return new Term(cube, Map.of());
  }

  boolean isEmpty() {
    return cube.isEmpty();
  }

  /** The packets in both, or null when none are. */
  Term intersect(Term o) {
    Cube c = cube.intersect(o.cube);
    if (c.isEmpty()) {
      return null;
    }
    Map<Atom, Boolean> m = merge(atoms, o.atoms);
    return m == null ? null : new Term(c, m);
  }

  /** The packets of this term not in {@code o}, as disjoint terms. */
  List<Term> minus(Term o) {
    List<Term> out = new ArrayList<>();
    if (!cube.intersects(o.cube)) {
      out.add(this);
      return out;
    }
    Cube inside = cube.intersect(o.cube);
    if (inside.isEmpty() || merge(atoms, o.atoms) == null) {
      out.add(this);
      return out;
    }
    for (Cube c : cube.minus(o.cube)) {
      out.add(new Term(c, atoms));
    }
    // inside the cube: the packets for which some atom of o has the other value
    Map<Atom, Boolean> agree = new LinkedHashMap<>(atoms);
    for (Map.Entry<Atom, Boolean> e : o.atoms.entrySet()) {
      Boolean have = agree.get(e.getKey());
      if (have == null) {
        Map<Atom, Boolean> other = new LinkedHashMap<>(agree);
        other.put(e.getKey(), !e.getValue());
        out.add(new Term(inside, other));
        agree.put(e.getKey(), e.getValue());
      }
      // have == e.getValue(): every packet here agrees on this atom (merge found no conflict)
    }
    return out;
  }

  private static Map<Atom, Boolean> merge(Map<Atom, Boolean> a, Map<Atom, Boolean> b) {
    if (b.isEmpty()) {
      return a;
    }
    if (a.isEmpty()) {
      return b;
    }
    Map<Atom, Boolean> m = new LinkedHashMap<>(a);
    for (Map.Entry<Atom, Boolean> e : b.entrySet()) {
      Boolean prev = m.putIfAbsent(e.getKey(), e.getValue());
      if (prev != null && !prev.equals(e.getValue())) {
        return null;
      }
    }
    return m;
  }

  @Override
  public String toString() {
    return atoms.isEmpty() ? cube.toString() : cube + " " + atoms;
  }
}
