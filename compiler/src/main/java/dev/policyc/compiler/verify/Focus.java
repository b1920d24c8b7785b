package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.dsl.Family;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where two versions of a table at a hook can differ. When the chains the hook reaches are the
 * same rules, nowhere. When every chain is the same but for a run of rules in the middle (an
 * edit), only packets that can match one of those rules can take another way: outside the
 * union of those rules' cubes both versions evaluate the same rules with the same results. The
 * cubes leave out what a target of the table may change (marks, TOS, TTL, state) and what the
 * cubes cannot say (opaque matches), so they hold every packet the rules can match.
 */
final class Focus {
  /** Changed rules beyond which exploring everything is simpler. */
  private static final int MAX_CHANGED = 64;

  private final boolean equal;
  private final List<Term> regions;

  private Focus(boolean equal, List<Term> regions) {
    this.equal = equal;
    this.regions = regions;
  }

  boolean equal() {
    return equal;
  }

  /** Disjoint classes of packets to compare. */
  List<Term> regions() {
    return regions;
  }

  /** Every packet of the family. */
  static Focus everything(Family f) {
    return new Focus(false, List.of(Term.of(Cube.all(f))));
  }

  static Focus of(IrPolicy a, RuleTable ta, IrPolicy b, RuleTable tb, Hook hook, Family f) {
    Chain ba = base(ta, hook);
    Chain bb = base(tb, hook);
    List<Term> everything = List.of(Term.of(Cube.all(f)));
    if (ba == null || bb == null) {
      return ba == null && bb == null ? new Focus(true, List.of())
          : new Focus(false, everything);
    }
    List<Rule> changed = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    todo.push(hook.name());
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (!seen.add(name)) {
        continue;
      }
      Chain ca = ta.chain(name).orElse(null);
      Chain cb = tb.chain(name).orElse(null);
      if (ca == null || cb == null || ca.policy() != cb.policy()) {
        return new Focus(false, everything);
      }
      List<Rule> ra = ca.rules();
      List<Rule> rb = cb.rules();
      int p = 0;
      while (p < ra.size() && p < rb.size() && same(a, ra.get(p), b, rb.get(p))) {
        p++;
      }
      int s = 0;
      while (s < ra.size() - p && s < rb.size() - p
          && same(a, ra.get(ra.size() - 1 - s), b, rb.get(rb.size() - 1 - s))) {
        s++;
      }
      changed.addAll(ra.subList(p, ra.size() - s));
      changed.addAll(rb.subList(p, rb.size() - s));
      for (List<Rule> rules : List.of(ra, rb)) {
        for (Rule r : rules) {
          if (r.target() instanceof Target.Jump j) {
            todo.push(j.chain());
          } else if (r.target() instanceof Target.Goto g) {
            todo.push(g.chain());
          }
        }
      }
      if (changed.size() > MAX_CHANGED) {
        return new Focus(false, everything);
      }
    }
    if (changed.isEmpty()) {
      return new Focus(true, List.of());
    }
    boolean rewrites = rewrites(ta) || rewrites(tb);
    List<Term> out = new ArrayList<>();
    for (Rule r : changed) {
      Cube c = reach(r, rewrites, hook, f, changedIn(a, ta, r) ? a : b);
      List<Term> pieces = List.of(Term.of(c));
      for (Term prev : out) {
        List<Term> next = new ArrayList<>();
        for (Term t : pieces) {
          next.addAll(t.minus(prev));
        }
        pieces = next;
      }
      out.addAll(pieces);
    }
    return new Focus(false, out);
  }

  private static boolean changedIn(IrPolicy a, RuleTable ta, Rule r) {
    for (Chain c : ta.chains()) {
      for (Rule x : c.rules()) {
        if (x == r) {
          return true;
        }
      }
    }
    return false;
  }

  private static Chain base(RuleTable t, Hook hook) {
    return t == null ? null : t.chain(hook.name()).filter(Chain::isBuiltin).orElse(null);
  }

  /** Every entry packet that may match the rule, whatever earlier targets of the table did. */
  private static Cube reach(Rule r, boolean rewrites, Hook hook, Family f, IrPolicy p) {
    Cube c = Cube.all(f);
    for (Match m : r.matches()) {
      if (m instanceof Match.Iface || rewrites && (m instanceof Match.Mark
          || m instanceof Match.ConnMark || m instanceof Match.CtState || m instanceof Match.Dscp
          || m instanceof Match.Tos || m instanceof Match.Ttl || m instanceof Match.Length)) {
        continue;
      }
      Cube mc = Constraints.ofMatch(m, f, p);
      if (mc != null) {
        c = c.intersect(mc);
      }
    }
    return c;
  }

  /** Whether a target of the table changes a field a match reads. */
  static boolean rewrites(RuleTable t) {
    if (t == null) {
      return false;
    }
    for (Chain c : t.chains()) {
      for (Rule r : c.rules()) {
        Target tg = r.target();
        if (tg instanceof Target.Mark || tg instanceof Target.ConnMark
            || tg instanceof Target.Dscp || tg instanceof Target.Tos || tg instanceof Target.Ttl
            || tg instanceof Target.TcpMss || tg instanceof Target.NoTrack) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether two rules are the same: same matches (and sets), same target. */
  static boolean same(IrPolicy a, Rule x, IrPolicy b, Rule y) {
    if (!x.matches().equals(y.matches()) || !x.target().equals(y.target())) {
      return false;
    }
    for (Match m : x.matches()) {
      if (m instanceof Match.InSet s
          && !Objects.equals(a.set(s.name()).orElse(null), b.set(s.name()).orElse(null))) {
        return false;
      }
    }
    return true;
  }

  /** Whether a target of the table leaves a state the packet does not show (NOTRACK, TCPMSS). */
  static boolean hasState(RuleTable t) {
    for (Chain c : t.chains()) {
      for (Rule r : c.rules()) {
        if (r.target() instanceof Target.NoTrack || r.target() instanceof Target.TcpMss) {
          return true;
        }
      }
    }
    return false;
  }

  /** The hooks each chain is reached from, in either policy (so in every step between). */
  static Map<String, List<Hook>> hooks(RuleTable ta, RuleTable tb) {
    Map<String, List<Hook>> out = new HashMap<>();
    for (String builtin : ta.table().builtinChains()) {
      if (ta.chain(builtin).isEmpty()) {
        continue;
      }
      Hook h = Hook.valueOf(builtin);
      Set<String> seen = new HashSet<>();
      Deque<String> todo = new ArrayDeque<>();
      todo.push(builtin);
      while (!todo.isEmpty()) {
        String name = todo.pop();
        if (!seen.add(name)) {
          continue;
        }
        out.computeIfAbsent(name, x -> new ArrayList<>()).add(h);
        for (RuleTable t : List.of(ta, tb)) {
          t.chain(name).ifPresent(c -> {
            for (Rule r : c.rules()) {
              String to = EditLineUp.jumpTarget(r.target());
              if (to != null) {
                todo.push(to);
              }
            }
          });
        }
      }
    }
    return out;
  }
}
