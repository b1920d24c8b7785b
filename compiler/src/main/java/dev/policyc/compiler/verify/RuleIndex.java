package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.verify.EditLineUp.Edit;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The rules of one chain in both versions of an edit-by-edit proof ({@link ChainEdits}), found
 * by address: which of them may match a class of packets, in chain order, from a rule on, with
 * the edits proved so far (and those asked for) applied.
 */
final class RuleIndex {
  private final Family family;
  private final List<Rule> ra;
  private final List<Rule> rb;
  private final List<Edit> edits;
  /** The edits proved so far: the caller's array, read as it changes. */
  private final boolean[] done;
  private final Function<Rule, Reach> reach;
  /**
   * Every rule of either version by the /8 of its source ({@code [0]}) and destination
   * ({@code [1]}) addresses (256: wider), in chain order, so that the rules that may match
   * a few packets are found without a scan of the chain.
   */
  private final List<List<Slot>> bySrc = new ArrayList<>();
  private final List<List<Slot>> byDst = new ArrayList<>();

  RuleIndex(Family family, List<Rule> ra, List<Rule> rb, List<Edit> edits, boolean[] done,
      Function<Rule, Reach> reach) {
    this.family = family;
    this.ra = ra;
    this.rb = rb;
    this.edits = edits;
    this.done = done;
    this.reach = reach;
    index();
  }

  /**
   * A rule of either version where it stands: an A rule at its position, the rules an edit
   * puts in its place just before the A rules it replaces; {@code edit} -1 for a rule both
   * versions have.
   */
  private record Slot(double key, Rule rule, int edit, boolean second) {}

  private void index() {
    for (int k = 0; k <= 256; k++) {
      bySrc.add(new ArrayList<>());
      byDst.add(new ArrayList<>());
    }
    int e = 0;
    for (int p = 0; p <= ra.size(); p++) {
      while (e < edits.size() && edits.get(e).ia() == p) {
        Edit x = edits.get(e);
        for (int q = x.ib(); q < x.jb(); q++) {
          put(new Slot(p - 1 + (q - x.ib() + 1.0) / (x.jb() - x.ib() + 2), rb.get(q), e,
              true));
        }
        for (int q = x.ia(); q < x.ja(); q++) {
          put(new Slot(q, ra.get(q), e, false));
        }
        p = x.ja();
        e++;
      }
      if (p < ra.size()) {
        put(new Slot(p, ra.get(p), -1, false));
      }
    }
  }

  private void put(Slot s) {
    long[] h = reach.apply(s.rule()).hull();
    if (h != null) {
      bySrc.get(bucket(h[0], h[1])).add(s);
      byDst.get(bucket(h[2], h[3])).add(s);
    }
  }

  private int bucket(long lo, long hi) {
    int shift = family == Family.IPV4 ? 24 : 56;
    long a = lo >>> shift;
    long b = hi >>> shift;
    return a == b ? (int) a : 256;
  }

  /**
   * The rules that may match packets of {@code c}, in order, of the chain from the first
   * version's rule {@code start} on as it is now, with the edits {@code flip} applied too.
   */
  List<Rule> only(Cube c, long[] h, int start, Set<Integer> flip) {
    if (h == null) {
      return List.of();
    }
    int shift = family == Family.IPV4 ? 24 : 56;
    List<List<Slot>> index = bySrc;
    int lo = (int) (h[0] >>> shift);
    int hi = (int) (h[1] >>> shift);
    int n = count(bySrc, lo, hi);
    int dlo = (int) (h[2] >>> shift);
    int dhi = (int) (h[3] >>> shift);
    if (count(byDst, dlo, dhi) < n) {
      index = byDst;
      lo = dlo;
      hi = dhi;
    }
    List<Slot> found = new ArrayList<>();
    for (int k = lo; k <= hi; k++) {
      pick(index.get(k), c, h, start, flip, found);
    }
    pick(index.get(256), c, h, start, flip, found);
    found.sort((x, y) -> Double.compare(x.key(), y.key()));
    List<Rule> out = new ArrayList<>(found.size());
    for (Slot x : found) {
      out.add(x.rule());
    }
    return out;
  }

  private int count(List<List<Slot>> index, int lo, int hi) {
    int n = index.get(256).size();
    for (int k = lo; k <= hi; k++) {
      n += index.get(k).size();
    }
    return n;
  }

  private void pick(List<Slot> slots, Cube c, long[] h, int start, Set<Integer> flip,
      List<Slot> out) {
    for (Slot x : slots) {
      if (x.key() <= start - 1) {
        continue;
      }
      if (x.edit() >= 0) {
        boolean applied = done[x.edit()] || flip.contains(x.edit());
        if (applied != x.second()) {
          continue;
        }
      }
      if (reach.apply(x.rule()).meets(c, h)) {
        out.add(x);
      }
    }
  }
}
