package dev.policyc.compiler.space;

import java.util.ArrayList;
import java.util.List;

/**
 * Bounded questions about a union of cubes: which packets of some cubes a further cube leaves
 * out, and whether a union covers a cube. Subtracting one cube from another splits it into up to
 * one piece per field the subtracted cube constrains, so a long run of subtractions can multiply
 * pieces; every operation here spends from a {@link Budget} and gives up (answers null) when
 * the budget or the number of pieces runs out. Callers treat null as "unknown" and conclude
 * nothing from it.
 */
public final class Coverage {
  /** The most pieces a remainder may have before the question is given up. */
  public static final int MAX_PIECES = 256;

  /** The units of a test whether two cubes meet. */
  public static final int TEST = 25;

  /** The units of each piece a subtraction builds. */
  public static final int PIECE = 300;

  private Coverage() {}

  /**
   * Work left for a question, in units of about one comparison of two numbers: a cube test
   * costs {@link #TEST}, each piece a subtraction builds {@link #PIECE}.
   */
  public static final class Budget {
    private long left;

    public Budget(long units) {
      this.left = units;
    }

    /** Spends {@code units}; false once the budget is overdrawn. */
    public boolean spend(long units) {
      left -= units;
      return left >= 0;
    }

    public boolean exhausted() {
      return left < 0;
    }

    public long left() {
      return Math.max(0, left);
    }
  }

  /**
   * The packets of {@code pieces} (disjoint cubes) outside {@code cover}, as disjoint cubes; the
   * same list when {@code cover} meets none of them; null when the budget runs out or the
   * remainder would have more than {@link #MAX_PIECES} pieces.
   */
  public static List<Cube> minus(List<Cube> pieces, Cube cover, Budget budget) {
    List<Cube> out = null;
    for (int i = 0; i < pieces.size(); i++) {
      Cube p = pieces.get(i);
      if (!budget.spend(TEST)) {
        return null;
      }
      if (!p.intersects(cover)) {
        if (out != null) {
          out.add(p);
        }
        continue;
      }
      if (out == null) {
        out = new ArrayList<>(pieces.subList(0, i));
      }
      List<Cube> rest = p.minus(cover);
      if (!budget.spend((long) PIECE * Math.max(1, rest.size()))
          || out.size() + rest.size() > MAX_PIECES) {
        return null;
      }
      out.addAll(rest);
    }
    return out == null ? pieces : out;
  }

  /**
   * The packets of {@code target} outside every cube of {@code covers}, as disjoint cubes; null
   * when the question is given up (see {@link #minus}).
   */
  public static List<Cube> remainder(Cube target, List<Cube> covers, Budget budget) {
    return remainder(target.isEmpty() ? List.<Cube>of() : List.of(target), covers, budget);
  }

  /**
   * The packets of {@code targets} outside every cube of {@code covers}, as cubes (disjoint when
   * {@code targets} are); null when the question is given up (see {@link #minus}).
   */
  public static List<Cube> remainder(List<Cube> targets, List<Cube> covers, Budget budget) {
    List<Cube> pieces = targets;
    for (Cube c : covers) {
      if (pieces.isEmpty()) {
        return pieces;
      }
      pieces = minus(pieces, c, budget);
      if (pieces == null) {
        return null;
      }
    }
    return pieces;
  }

  /** True when some piece meets the cube. */
  public static boolean meets(List<Cube> pieces, Cube c) {
    for (Cube p : pieces) {
      if (p.intersects(c)) {
        return true;
      }
    }
    return false;
  }
}
