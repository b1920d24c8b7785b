package dev.policyc.compiler.space;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

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

  /**
   * Whether the union of {@code covers} holds every packet of {@code target}: true or false, or
   * null when the budget runs out. Unlike {@link #remainder}, which keeps every piece left and
   * gives up past {@link #MAX_PIECES} of them, this cuts the target by one cover at a time and
   * goes on depth first, each piece tested only against the covers that met the piece it was cut
   * from: a union of many covers each holding a part of a wide target (the rules of a chain
   * before a rule that is reached by none of its packets) is settled piece by piece, without a
   * list of pieces that grows with the covers.
   *
   * <p>A piece is cut by the cover that holds it on the most fields (the fewest cuts to a piece
   * it holds), on the first field where it does not: the part outside that cover's values no
   * longer meets it, the part inside is held on one more field.
   */
  public static Boolean holds(List<Cube> covers, Cube target, Budget budget) {
    Deque<Cube> pieces = new ArrayDeque<>();
    Deque<List<Cube>> meeting = new ArrayDeque<>();
    pieces.push(target);
    meeting.push(covers);
    while (!pieces.isEmpty()) {
      Cube p = pieces.pop();
      List<Cube> from = meeting.pop();
      if (p.isEmpty()) {
        continue;
      }
      List<Cube> meet = new ArrayList<>();
      Cube best = null;
      Field cut = null;
      int bestOutside = Integer.MAX_VALUE;
      boolean held = false;
      for (Cube c : from) {
        if (!budget.spend(TEST)) {
          return null;
        }
        if (!c.intersects(p)) {
          continue;
        }
        meet.add(c);
        int outside = 0;
        Field first = null;
        for (Map.Entry<Field, ValueSet> e : c.constrained().entrySet()) {
          if (!e.getValue().containsAll(p.get(e.getKey()))) {
            outside++;
            if (first == null) {
              first = e.getKey();
            }
          }
        }
        if (outside == 0) {
          held = true;
          break;
        }
        if (outside < bestOutside) {
          bestOutside = outside;
          best = c;
          cut = first;
        }
      }
      if (held) {
        continue;
      }
      if (meet.isEmpty()) {
        return false;
      }
      if (!budget.spend(2L * PIECE)) {
        return null;
      }
      ValueSet in = best.get(cut);
      pieces.push(p.and(cut, in));
      meeting.push(meet);
      pieces.push(p.and(cut, in.complement()));
      meeting.push(meet);
    }
    return true;
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
