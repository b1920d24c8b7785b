package dev.policyc.compiler.space;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntPredicate;

/**
 * A set of values of a bit field (marks, TCP flags, TOS) as a union of patterns {@code (value,
 * mask)}: a value {@code x} is in a pattern when {@code (x & mask) == value}. A masked match such
 * as {@code --mark 0x4000/0x4000} is one pattern, where as intervals it would be 2^17 of them.
 * Patterns are kept disjoint, so emptiness is "no pattern".
 */
public final class MaskSet implements ValueSet {
  /** One pattern: the bits of {@code mask} equal those of {@code value}. */
  record Term(long value, long mask) {
    boolean matches(long x) {
      return (x & mask) == value;
    }
  }

  private final int width;
  private final List<Term> terms;

  private MaskSet(int width, List<Term> terms) {
    this.width = width;
    this.terms = List.copyOf(terms);
  }

  private static long all(int width) {
    return width == 64 ? -1L : (1L << width) - 1;
  }

  public static MaskSet empty(int width) {
    return new MaskSet(width, List.of());
  }

  public static MaskSet full(int width) {
    return new MaskSet(width, List.of(new Term(0, 0)));
  }

  /** The values with {@code (x & mask) == value}; empty when value has bits outside mask. */
  public static MaskSet of(int width, long value, long mask) {
    if (width < 1 || width > 64) {
      throw new IllegalArgumentException("width " + width);
    }
    long m = mask & all(width);
    if ((value & ~m) != 0) {
      return empty(width);
    }
    return new MaskSet(width, List.of(new Term(value, m)));
  }

  /**
   * The values of a narrow field (at most 16 bits) for which {@code holds} is true, as few
   * disjoint patterns: a block of values sharing their high bits becomes one pattern when the
   * predicate holds for all of it, else it is split on its next bit. One pass over the values,
   * where a union per value rebuilds the complement every time.
   */
  public static MaskSet of(int width, IntPredicate holds) {
    if (width < 1 || width > 16) {
      throw new IllegalArgumentException("width " + width);
    }
    boolean[] in = new boolean[1 << width];
    for (int x = 0; x < in.length; x++) {
      in[x] = holds.test(x);
    }
    List<Term> out = new ArrayList<>();
    block(in, width, 0, width, out);
    return new MaskSet(width, out);
  }

  /** The patterns of the block of values {@code value..value + 2^free - 1}. */
  private static void block(boolean[] in, int width, int value, int free, List<Term> out) {
    int size = 1 << free;
    int count = 0;
    for (int x = value; x < value + size; x++) {
      count += in[x] ? 1 : 0;
    }
    if (count == 0) {
      return;
    }
    if (count == size) {
      out.add(new Term(value, all(width) & ~((1L << free) - 1)));
      return;
    }
    block(in, width, value, free - 1, out);
    block(in, width, value + (size >> 1), free - 1, out);
  }

  /** One value. */
  public static MaskSet point(int width, long value) {
    return of(width, value, all(width));
  }

  public int width() {
    return width;
  }

  public boolean contains(long x) {
    for (Term t : terms) {
      if (t.matches(x)) {
        return true;
      }
    }
    return false;
  }

  /** A value of the set; the set must not be empty. */
  public long sample() {
    return terms.get(0).value();
  }

  @Override
  public boolean isEmpty() {
    return terms.isEmpty();
  }

  private MaskSet same(ValueSet o) {
    if (!(o instanceof MaskSet s) || s.width != width) {
      throw new IllegalArgumentException("cannot combine a " + width + "-bit mask set with " + o);
    }
    return s;
  }

  private static Term meet(Term a, Term b) {
    if (((a.value() ^ b.value()) & a.mask() & b.mask()) != 0) {
      return null;
    }
    return new Term(a.value() | b.value(), a.mask() | b.mask());
  }

  @Override
  public MaskSet intersect(ValueSet other) {
    MaskSet o = same(other);
    List<Term> out = new ArrayList<>();
    for (Term a : terms) {
      for (Term b : o.terms) {
        Term m = meet(a, b);
        if (m != null) {
          out.add(m); // disjoint: pairs of disjoint terms meet in disjoint terms
        }
      }
    }
    return new MaskSet(width, out);
  }

  @Override
  public boolean intersects(ValueSet other) {
    MaskSet o = same(other);
    for (Term a : terms) {
      for (Term b : o.terms) {
        if (((a.value() ^ b.value()) & a.mask() & b.mask()) == 0) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public MaskSet union(ValueSet other) {
    MaskSet o = same(other);
    // this ∪ (other − this) keeps the terms disjoint
    List<Term> out = new ArrayList<>(terms);
    out.addAll(o.intersect(complement()).terms);
    return new MaskSet(width, out);
  }

  @Override
  public MaskSet complement() {
    MaskSet out = full(width);
    for (Term t : terms) {
      out = out.intersect(new MaskSet(width, not(t)));
      if (out.isEmpty()) {
        break;
      }
    }
    return out;
  }

  /**
   * The values outside a pattern, as disjoint patterns: for the k-th bit of the mask (from the
   * low end), the values that agree with the pattern on the bits before it and differ on it.
   */
  private static List<Term> not(Term t) {
    List<Term> out = new ArrayList<>();
    long before = 0;
    for (long rest = t.mask(); rest != 0; rest &= rest - 1) {
      long bit = Long.lowestOneBit(rest);
      out.add(new Term((t.value() & before) | (~t.value() & bit), before | bit));
      before |= bit;
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MaskSet s && s.width == width && containsAll(s) && s.containsAll(this);
  }

  @Override
  public int hashCode() {
    return Objects.hash(width, isEmpty(), isFull());
  }

  @Override
  public String toString() {
    if (isEmpty()) {
      return "{}";
    }
    List<String> parts = new ArrayList<>();
    for (Term t : terms) {
      parts.add(t.mask() == 0 ? "*" : String.format("0x%x/0x%x", t.value(), t.mask()));
    }
    return "{" + String.join(", ", parts) + "}";
  }
}
