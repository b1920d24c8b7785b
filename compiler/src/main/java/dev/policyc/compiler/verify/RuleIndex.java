package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.verify.EditLineUp.Edit;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The rules of one chain in both versions of an edit-by-edit proof ({@link ChainEdits}), found
 * by address: which of them may match a class of packets, in chain order, between two rules,
 * with the edits proved so far (and those asked for) applied.
 *
 * <p>Each rule of either version is filed by its source and, again, by its destination
 * addresses, under the longest of the prefixes /24, /16 and /8 that holds all of them (or with
 * the wide rules); a question looks up the prefixes its own addresses meet in the field that
 * finds fewer rules. The rules of a prefix are in chain order, so the rules before the first
 * one asked for are skipped by a binary search, and the first version's rules an edit proved
 * so far replaced are dropped from time to time.
 */
final class RuleIndex {
  /** The prefixes rules are filed under, longest first, as the bits of the address kept. */
  private static final int[] PREFIXES = {24, 16, 8};

  private final int width;
  private final List<Rule> ra;
  private final List<Rule> rb;
  private final List<Edit> edits;
  /** The edits proved so far: the caller's array, read as it changes. */
  private final boolean[] done;
  private final Function<Rule, Reach> reach;
  private final ByAddress bySrc = new ByAddress(0);
  private final ByAddress byDst = new ByAddress(2);
  /** Slots of the first version that proved edits replaced, still filed. */
  private int dead;
  private int live;

  RuleIndex(Family family, List<Rule> ra, List<Rule> rb, List<Edit> edits, boolean[] done,
      Function<Rule, Reach> reach) {
    this.width = family == Family.IPV4 ? 32 : 64;
    this.ra = ra;
    this.rb = rb;
    this.edits = edits;
    this.done = done;
    this.reach = reach;
    index();
  }

  /**
   * A rule of either version where it stands: an A rule at its position {@code key}, the rules
   * an edit puts in its place between the A rule before (at {@code key} - 1) and the first it
   * replaces; {@code edit} -1 for a rule both versions have.
   */
  private record Slot(double key, Rule rule, Reach reach, int edit, boolean second) {}

  /** The slots of one address field, by prefix. */
  private final class ByAddress {
    /** Where the field's smallest and largest value sit in a {@link Reach#hull}. */
    private final int at;
    private final List<TreeMap<Long, List<Slot>>> byPrefix = new ArrayList<>();
    private List<Slot> wide = new ArrayList<>();

    ByAddress(int at) {
      this.at = at;
      for (int k = 0; k < PREFIXES.length; k++) {
        byPrefix.add(new TreeMap<>());
      }
    }

    void put(Slot s, long[] h) {
      long lo = h[at];
      long hi = h[at + 1];
      for (int k = 0; k < PREFIXES.length; k++) {
        int shift = width - PREFIXES[k];
        if (lo >>> shift == hi >>> shift) {
          byPrefix.get(k).computeIfAbsent(lo >>> shift, x -> new ArrayList<>()).add(s);
          return;
        }
      }
      wide.add(s);
    }

    /** The lists of slots that may hold a rule meeting the hull {@code h}. */
    List<List<Slot>> lists(long[] h, int cap, int[] count) {
      List<List<Slot>> out = new ArrayList<>();
      out.add(wide);
      int n = wide.size();
      for (int k = 0; k < PREFIXES.length && n <= cap; k++) {
        int shift = width - PREFIXES[k];
        for (List<Slot> l : byPrefix.get(k).subMap(h[at] >>> shift, true, h[at + 1] >>> shift,
            true).values()) {
          out.add(l);
          n += l.size();
          if (n > cap) {
            break;
          }
        }
      }
      count[0] = n;
      return out;
    }

    void compact() {
      wide = alive(wide);
      for (TreeMap<Long, List<Slot>> m : byPrefix) {
        m.replaceAll((k, l) -> alive(l));
      }
    }
  }

  private void index() {
    int e = 0;
    for (int p = 0; p <= ra.size(); p++) {
      while (e < edits.size() && edits.get(e).ia() == p) {
        Edit x = edits.get(e);
        for (int q = x.ib(); q < x.jb(); q++) {
          put(new Slot(p - 1 + (q - x.ib() + 1.0) / (x.jb() - x.ib() + 2), rb.get(q), null, e,
              true));
        }
        for (int q = x.ia(); q < x.ja(); q++) {
          put(new Slot(q, ra.get(q), null, e, false));
        }
        p = x.ja();
        e++;
      }
      if (p < ra.size()) {
        put(new Slot(p, ra.get(p), null, -1, false));
      }
    }
  }

  private void put(Slot s) {
    Reach r = reach.apply(s.rule());
    long[] h = r.hull();
    if (h != null) {
      Slot x = new Slot(s.key(), s.rule(), r, s.edit(), s.second());
      bySrc.put(x, h);
      byDst.put(x, h);
      live++;
    }
  }

  /**
   * Edit {@code k} is proved: the first version's rules it replaced are no longer asked for,
   * and are dropped once there are many of them.
   */
  void proved(int k) {
    dead += edits.get(k).ja() - edits.get(k).ia();
    if (dead > 256 && dead > live / 4) {
      bySrc.compact();
      byDst.compact();
      live -= dead;
      dead = 0;
    }
  }

  private List<Slot> alive(List<Slot> l) {
    List<Slot> out = new ArrayList<>(l.size());
    for (Slot s : l) {
      if (s.edit() < 0 || s.second() || !done[s.edit()]) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * The rules that may match packets of {@code c}, in order, of the chain from the first
   * version's rule {@code start} on as it is now, with the edits {@code flip} applied too.
   */
  List<Rule> only(Cube c, long[] h, int start, Set<Integer> flip) {
    return only(c, h, start, Integer.MAX_VALUE, flip);
  }

  /**
   * As {@link #only(Cube, long[], int, Set)}, up to the first version's rule {@code end}
   * (without it and without the rules an edit there puts in place of it).
   */
  List<Rule> only(Cube c, long[] h, int start, int end, Set<Integer> flip) {
    if (h == null) {
      return List.of();
    }
    // the field whose addresses are the narrower first; the other only while it finds fewer
    ByAddress first = Long.compareUnsigned(h[1] - h[0], h[3] - h[2]) <= 0 ? bySrc : byDst;
    ByAddress second = first == bySrc ? byDst : bySrc;
    int[] n1 = new int[1];
    int[] n2 = new int[1];
    List<List<Slot>> lists = first.lists(h, Integer.MAX_VALUE, n1);
    List<List<Slot>> other = second.lists(h, n1[0], n2);
    if (n2[0] < n1[0]) {
      lists = other;
    }
    List<Slot> found = new ArrayList<>();
    double from = start - 1;
    double to = end - 1.0;
    for (List<Slot> l : lists) {
      pick(l, c, h, from, to, flip, found);
    }
    if (lists.size() > 1) {
      found.sort((x, y) -> Double.compare(x.key(), y.key()));
    }
    List<Rule> out = new ArrayList<>(found.size());
    for (Slot x : found) {
      out.add(x.rule());
    }
    return out;
  }

  /**
   * Where the last rule before the first version's rule {@code end} stands, as it is now, whose
   * packets hold every packet of {@code c} (as the first version's rule from which a proof
   * starts: an edit's new rules stand at its first rule); -1 when none does.
   */
  int lastCovering(Cube c, long[] h, int end) {
    if (h == null) {
      return -1;
    }
    List<Slot> found = new ArrayList<>();
    ByAddress first = Long.compareUnsigned(h[1] - h[0], h[3] - h[2]) <= 0 ? bySrc : byDst;
    int[] n = new int[1];
    for (List<Slot> l : first.lists(h, Integer.MAX_VALUE, n)) {
      pick(l, c, h, -1, end - 1.0, Set.of(), found);
    }
    double best = -1;
    int at = -1;
    for (Slot x : found) {
      if (x.key() > best && covers(x.reach(), c)) {
        best = x.key();
        at = x.second() ? edits.get(x.edit()).ia() : (int) x.key();
      }
    }
    return at;
  }

  private static boolean covers(Reach r, Cube c) {
    for (Cube x : r.cubes()) {
      if (x.contains(c)) {
        return true;
      }
    }
    return false;
  }

  private void pick(List<Slot> slots, Cube c, long[] h, double from, double to,
      Set<Integer> flip, List<Slot> out) {
    // the first slot after from: keys rise along the list
    int lo = 0;
    int hi = slots.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (slots.get(mid).key() <= from) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (int k = lo; k < slots.size(); k++) {
      Slot x = slots.get(k);
      if (x.key() > to) {
        break;
      }
      if (x.edit() >= 0) {
        boolean applied = done[x.edit()] || flip.contains(x.edit());
        if (applied != x.second()) {
          continue;
        }
      }
      if (x.reach().meets(c, h)) {
        out.add(x);
      }
    }
  }
}
