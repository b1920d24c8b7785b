package dev.policyc.compiler.verify;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.MaskSet;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides whether two policies give every packet the same decision effect (see {@link
 * Decision#effect()}), exactly rather than by sampling.
 *
 * <p>The trip of a packet through the host is the same composition of tables in both policies
 * (the hooks, routing and conntrack do not depend on the rules, given equal host models and the
 * same use of conntrack). So two policies are equal when every table ends every packet alike at
 * every hook: same verdict, same NAT target, same rewrites of the packet, same LOG and TCPMSS
 * events. For each table and hook the engine splits packet space along the first policy's rules
 * ({@link TableExplorer}), then splits each class along the second policy's rules, and compares
 * the outcomes class by class. A table whose chains are the same rules in both policies is equal
 * without splitting, and when the chains differ only in a few rules, only the packets those
 * rules can match are explored ({@link Focus}).
 *
 * <p>The condition is sufficient, not necessary: a DROP moved from one table to a later one is
 * a difference of tables that the whole trip may hide. Each difference therefore carries, when
 * the interpreter confirms it, a packet entering the host that is decided differently.
 */
public final class Equivalence {
  /** Rule evaluations on classes of packets before the engine gives up. */
  public static final long DEFAULT_BUDGET = 200_000_000L;

  /** Differences the engine looks for a witness packet for. */
  private static final int WITNESS_SEARCHES = 64;

  private final IrPolicy a;
  private final IrPolicy b;
  private final Budget budget;
  private final int maxDifferences;
  private final boolean shortcuts;
  private final List<Difference> differences = new ArrayList<>();
  private long regions;

  private Equivalence(IrPolicy a, IrPolicy b, long budget, int maxDifferences,
      boolean shortcuts) {
    this.shortcuts = shortcuts;
    this.a = a;
    this.b = b;
    this.budget = new Budget(budget);
    this.maxDifferences = maxDifferences;
  }

  /** Compares two policies with the default budget, listing up to 1,000 differences. */
  public static Result compare(IrPolicy a, IrPolicy b) {
    return compare(a, b, DEFAULT_BUDGET, 1000);
  }

  /**
   * Compares two policies.
   *
   * @param budget rule evaluations on classes of packets before the answer is UNKNOWN
   * @param maxDifferences the comparison stops after this many differing classes
   */
  public static Result compare(IrPolicy a, IrPolicy b, long budget, int maxDifferences) {
    return new Equivalence(a, b, budget, maxDifferences, true).run();
  }

  /**
   * Compares two policies exploring every table whole: no table is taken as equal because its
   * rules are, and no edit narrows the packets explored. Slower; for measuring the engine and
   * for distrusting its shortcuts.
   */
  public static Result compareExhaustively(IrPolicy a, IrPolicy b, long budget,
      int maxDifferences) {
    return new Equivalence(a, b, budget, maxDifferences, false).run();
  }

  private Result run() {
    try {
      if (!Objects.equals(a.host(), b.host())) {
        differences.add(new Difference(Difference.Kind.HOST, null, null, null, null, null,
            describeHost(a), describeHost(b), null, null, null));
      }
      for (Family f : Family.values()) {
        boolean ctA = Interpreter.usesConntrack(a.ruleset(f));
        boolean ctB = Interpreter.usesConntrack(b.ruleset(f));
        if (ctA != ctB) {
          conntrackDifference(f, ctA, ctB);
        }
        for (Table t : Table.values()) {
          RuleTable ta = a.ruleset(f).table(t).orElse(null);
          RuleTable tb = b.ruleset(f).table(t).orElse(null);
          if (ta == null && tb == null) {
            continue;
          }
          for (String chain : t.builtinChains()) {
            if (full()) {
              return result();
            }
            compareTable(f, t, Hook.valueOf(chain), ta, tb);
          }
        }
      }
      return result();
    } catch (Unsupported u) {
      return new Result(Result.Status.UNKNOWN, differences, u.getMessage(), regions,
          budget.spent());
    }
  }

  private boolean full() {
    return differences.size() >= maxDifferences;
  }

  private Result result() {
    return new Result(differences.isEmpty() ? Result.Status.EQUAL : Result.Status.DIFFERENT,
        merged(differences), full() ? "stopped after " + maxDifferences + " differences" : null,
        regions, budget.spent());
  }

  private void compareTable(Family f, Table t, Hook hook, RuleTable ta, RuleTable tb) {
    Focus focus = shortcuts ? Focus.of(a, ta, b, tb, hook, f) : Focus.everything(f);
    if (focus.equal()) {
      return;
    }
    TableExplorer ea = new TableExplorer(a, f, ta, hook, budget);
    TableExplorer eb = new TableExplorer(b, f, tb, hook, budget);
    for (Term start : focus.regions()) {
      for (TableExplorer.Leaf la : ea.explore(start)) {
        regions++;
        for (TableExplorer.Leaf lb : eb.explore(la.region())) {
          if (!same(la.outcome(), lb.outcome(), lb.region())) {
            difference(f, t, hook, lb.region(), la.outcome(), lb.outcome());
            if (full()) {
              return;
            }
          }
        }
      }
    }
  }

  private void difference(Family f, Table t, Hook hook, Term region, Outcome x, Outcome y) {
    Packet witness = null;
    Decision da = null;
    Decision db = null;
    if (differences.size() < WITNESS_SEARCHES) {
      for (Packet p : Witness.candidates(f, hook, region, a.host())) {
        Decision[] d = decideBoth(p);
        if (d != null && !d[0].effect().equals(d[1].effect())) {
          witness = p;
          da = d[0];
          db = d[1];
          break;
        }
      }
    }
    Map<String, Boolean> conditions = new LinkedHashMap<>();
    region.atoms().forEach((k, v) -> conditions.put(k.toString(), v));
    differences.add(new Difference(Difference.Kind.TABLE, f, t, hook, region.cube(), conditions,
        describe(x), describe(y), witness, da, db));
  }

  /**
   * The differences with those of one place and change whose packets differ in one field only
   * merged into one (the engine's classes are finer than a reader needs).
   */
  static List<Difference> merged(List<Difference> in) {
    List<Difference> out = new ArrayList<>(in);
    boolean again = true;
    while (again) {
      again = false;
      for (int i = 0; i < out.size() && !again; i++) {
        for (int j = i + 1; j < out.size() && !again; j++) {
          Difference m = merge(out.get(i), out.get(j));
          if (m != null) {
            out.set(i, m);
            out.remove(j);
            again = true;
          }
        }
      }
    }
    return out;
  }

  private static Difference merge(Difference x, Difference y) {
    if (x.kind() != Difference.Kind.TABLE || y.kind() != Difference.Kind.TABLE
        || x.family() != y.family() || x.table() != y.table() || x.hook() != y.hook()
        || !x.before().equals(y.before()) || !x.after().equals(y.after())
        || !x.conditions().equals(y.conditions())) {
      return null;
    }
    Field differing = null;
    for (Field f : Field.values()) {
      if (!x.cube().get(f).equals(y.cube().get(f))) {
        if (differing != null) {
          return null;
        }
        differing = f;
      }
    }
    if (differing == null) {
      return x;
    }
    Cube u = Cube.all(x.family());
    for (Field f : Field.values()) {
      ValueSet v = f == differing ? x.cube().get(f).union(y.cube().get(f)) : x.cube().get(f);
      u = u.and(f, v);
    }
    Difference w = x.confirmed() ? x : y;
    return new Difference(x.kind(), x.family(), x.table(), x.hook(), u, x.conditions(),
        x.before(), x.after(), w.witness(), w.decisionBefore(), w.decisionAfter());
  }

  /** Both decisions, or null when the interpreter refuses the packet for either policy. */
  private Decision[] decideBoth(Packet p) {
    try {
      return new Decision[] {Interpreter.decide(a, p), Interpreter.decide(b, p)};
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Fragments are where conntrack shows: reassembly holds them before the rules. */
  private void conntrackDifference(Family f, boolean ctA, boolean ctB) {
    Term frag = Term.of(Cube.all(f).and(Field.FRAGMENT, IntervalSet.point(1, 1)));
    Packet witness = null;
    Decision[] d = null;
    for (Hook h : List.of(Hook.INPUT, Hook.FORWARD, Hook.OUTPUT)) {
      for (Packet p : Witness.candidates(f, h, frag, a.host())) {
        d = decideBoth(p);
        if (d != null && !d[0].effect().equals(d[1].effect())) {
          witness = p;
          break;
        }
      }
      if (witness != null) {
        break;
      }
    }
    differences.add(new Difference(Difference.Kind.CONNTRACK, f, null, null, null, null,
        ctA ? "conntrack on" : "conntrack off", ctB ? "conntrack on" : "conntrack off", witness,
        witness == null ? null : d[0], witness == null ? null : d[1]));
  }

  /** Whether two outcomes are the same for every packet of {@code region}. */
  static boolean same(Outcome x, Outcome y, Term region) {
    return x.kind() == y.kind() && Objects.equals(x.rejectWith(), y.rejectWith())
        && Objects.equals(x.nat(), y.nat()) && x.events().equals(y.events())
        && sameOn(x.state(), y.state(), region.cube());
  }

  private static boolean sameOn(SymState x, SymState y, Cube c) {
    if (x.equals(y)) {
      return true;
    }
    if (x.untracked() != y.untracked() || x.length() != y.length()) {
      return false;
    }
    return sameBits(x.mark(), y.mark(), c) && sameBits(x.ctmark(), y.ctmark(), c)
        && sameBytes(x::tosOf, y::tosOf, c.get(Field.TOS))
        && sameBytes(x::ttlOf, y::ttlOf, c.get(Field.TTL));
  }

  /** Whether two mark functions agree on every packet of a cube, bit by bit. */
  private static boolean sameBits(Bits x, Bits y, Cube c) {
    long dm = x.fromMark() ^ y.fromMark();
    long dc = x.fromCt() ^ y.fromCt();
    long dk = x.konst() ^ y.konst();
    for (int j = 0; j < 32; j++) {
      long bit = 1L << j;
      boolean m = (dm & bit) != 0;
      boolean ct = (dc & bit) != 0;
      long k = (dk & bit) != 0 ? 1 : 0;
      if (!m && !ct) {
        if (k != 0) {
          return false;
        }
        continue;
      }
      // the bit differs by mark_j, ctmark_j or both, xor k: it must be fixed to k by the cube
      Long mv = m ? fixedBit(c.get(Field.MARK), bit) : Long.valueOf(0);
      Long cv = ct ? fixedBit(c.get(Field.CT_MARK), bit) : Long.valueOf(0);
      if (mv == null || cv == null || (mv ^ cv) != k) {
        return false;
      }
    }
    return true;
  }

  /** The value every member of a mask set has at one bit, or null when it varies. */
  private static Long fixedBit(ValueSet v, long bit) {
    MaskSet s = (MaskSet) v;
    if (s.intersect(MaskSet.of(32, bit, bit)).isEmpty()) {
      return 0L;
    }
    if (s.intersect(MaskSet.of(32, 0, bit)).isEmpty()) {
      return 1L;
    }
    return null;
  }

  private static boolean sameBytes(java.util.function.IntUnaryOperator x,
      java.util.function.IntUnaryOperator y, ValueSet values) {
    for (int v = 0; v < 256; v++) {
      boolean in = values instanceof MaskSet m ? m.contains(v) : ((IntervalSet) values).contains(v);
      if (in && x.applyAsInt(v) != y.applyAsInt(v)) {
        return false;
      }
    }
    return true;
  }

  private static String describe(Outcome o) {
    StringBuilder sb = new StringBuilder(o.verdict());
    for (String e : o.events()) {
      sb.append(", ").append(e);
    }
    if (!o.state().isEntry()) {
      sb.append(", rewrites ").append(o.state());
    }
    return sb.toString();
  }

  private static String describeHost(IrPolicy p) {
    return p.host() == null ? "no host model" : "host model " + p.host();
  }
}
