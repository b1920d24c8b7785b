package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.MaskSet;
import dev.policyc.compiler.space.SetCubes;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The symbolic twin of the interpreter's match evaluator: the entry packets of a table for which
 * a rule's matches hold, given what earlier targets of the table did ({@link SymState}), as
 * disjoint {@link Term}s.
 */
final class MatchSpace {
  private static final Set<ConnState> CONNECTED =
      Set.of(ConnState.NEW, ConnState.RELATED, ConnState.ESTABLISHED);

  private final IrPolicy policy;
  private final Family family;
  private final Hook hook;
  private final List<Term> all;
  /** The terms of rules whose matches read no field a target changes, under any state. */
  private final Map<Rule, List<Term>> fixed = new IdentityHashMap<>();
  /**
   * The terms of the other rules, by the state they were computed in: a class of packets meets
   * a rule once per path to it, and a decision tree's leaves are reached by many classes in the
   * same few states (its rules are copies, so the second policy's explorer asks again and again).
   */
  private final Map<Rule, Map<SymState, List<Term>>> byState = new IdentityHashMap<>();

  MatchSpace(IrPolicy policy, Family family, Hook hook) {
    this.policy = policy;
    this.family = family;
    this.hook = hook;
    this.all = List.of(Term.of(Cube.all(family)));
  }

  /** The entry packets for which every match of the rule holds in state {@code s}. */
  List<Term> of(Rule rule, SymState s) {
    if (!readsChangedField(rule)) {
      return fixed.computeIfAbsent(rule, r -> conjunction(r, SymState.ENTRY));
    }
    return byState.computeIfAbsent(rule, r -> new HashMap<>())
        .computeIfAbsent(s, st -> conjunction(rule, st));
  }

  private List<Term> conjunction(Rule rule, SymState s) {
    List<Term> out = all;
    for (Match m : rule.matches()) {
      out = and(out, of(m, s));
      if (out.isEmpty()) {
        break;
      }
    }
    return out;
  }

  static boolean readsChangedField(Rule r) {
    for (Match m : r.matches()) {
      if (m instanceof Match.Mark || m instanceof Match.ConnMark || m instanceof Match.CtState
          || m instanceof Match.Dscp || m instanceof Match.Tos || m instanceof Match.Ttl
          || m instanceof Match.Length) {
        return true;
      }
    }
    return false;
  }

  /** The entry packets for which one match holds in state {@code s}. */
  List<Term> of(Match m, SymState s) {
    if (m instanceof Match.Iface i && !hasIface(i.out())) {
      return constant(i.matches("") ^ i.negated());
    } else if (m instanceof Match.Mark mk && !s.mark().equals(Bits.MARK)) {
      return maybeNot(markTerms(s.mark(), mk.value(), mk.mask()), mk.negated());
    } else if (m instanceof Match.ConnMark cm
        && (s.untracked() || !s.ctmark().equals(Bits.CTMARK))) {
      List<Term> inner = maybeNot(markTerms(s.ctmark(), cm.value(), cm.mask()), cm.negated());
      return and(states(CONNECTED, s), inner);
    } else if (m instanceof Match.CtState c && s.untracked()) {
      List<Term> in = states(c.states(), s);
      return c.negated() ? not(in) : in;
    } else if (m instanceof Match.Dscp d && s.tos() != null) {
      return byteField(Field.TOS, x -> ((s.tosOf(x) >> 2) == d.value()) ^ d.negated());
    } else if (m instanceof Match.Tos t && s.tos() != null) {
      return byteField(Field.TOS,
          x -> ((s.tosOf(x) & t.mask()) == t.value()) ^ t.negated());
    } else if (m instanceof Match.Ttl t && s.ttl() != null) {
      return byteField(Field.TTL, x -> switch (t.op()) {
        case EQ -> s.ttlOf(x) == t.value();
        case NE -> s.ttlOf(x) != t.value();
        case LT -> s.ttlOf(x) < t.value();
        case GT -> s.ttlOf(x) > t.value();
      });
    } else if (m instanceof Match.Length l && s.length() >= 0) {
      return constant((s.length() >= l.lo() && s.length() <= l.hi()) ^ l.negated());
    }
    Cube c = Constraints.ofMatch(m, family, policy);
    if (c == null && m instanceof Match.InSet is && policy.set(is.name()).isPresent()) {
      // the set's packets are several cubes (address,port sets) or, negated, no cube (a port
      // bitmap): their union, or its complement
      List<Term> members = new ArrayList<>();
      SetCubes.of(policy.set(is.name()).get(), is.dirs(), family)
          .forEach(x -> members.add(Term.of(x)));
      return maybeNot(members, is.negated());
    }
    if (c == null) {
      Atom a = new Atom(m, m instanceof Match.InSet is ? policy.set(is.name()).orElse(null)
          : null);
      return List.of(new Term(Cube.all(family), Map.of(a, true)));
    }
    return c.isEmpty() ? List.of() : List.of(Term.of(c));
  }

  /** Whether the hook gives matches an input ({@code out} false) or output interface. */
  private boolean hasIface(boolean out) {
    return switch (hook) {
      case PREROUTING, INPUT -> !out;
      case OUTPUT, POSTROUTING -> out;
      case FORWARD -> true;
    };
  }

  /** Entry packets whose conntrack state, as the matches now see it, is in {@code wanted}. */
  private List<Term> states(Set<ConnState> wanted, SymState s) {
    ValueSet v = IntervalSet.empty(3);
    for (ConnState st : ConnState.values()) {
      ConnState seen = s.untracked() && st == ConnState.INVALID ? ConnState.UNTRACKED : st;
      if (wanted.contains(seen)) {
        v = v.union(IntervalSet.point(3, st.ordinal()));
      }
    }
    return cube(Field.CT_STATE, v.intersect(Field.CT_STATE.full(family)));
  }

  /** Entry packets whose mark, as {@code bits} makes it, has {@code (mark & mask) == value}. */
  private List<Term> markTerms(Bits bits, long value, long mask) {
    long both = mask & bits.fromMark() & bits.fromCt();
    if (Long.bitCount(both) > 8) {
      throw new Unsupported("more than 8 mark bits that are the sum of mark and connmark");
    }
    long fixedBits = mask & ~bits.fromMark() & ~bits.fromCt();
    if (((bits.konst() ^ value) & fixedBits) != 0) {
      return List.of();
    }
    long want = value ^ bits.konst();
    long m = mask & bits.fromMark();
    long c = mask & bits.fromCt();
    List<Term> out = new ArrayList<>();
    // a bit that is mark_j ^ ctmark_j: one term per value of the mark's such bits
    for (long sub = both; ; sub = (sub - 1) & both) {
      long markWant = (want & m & ~both) | sub;
      long ctWant = (want & c & ~both) | ((want ^ sub) & both);
      Cube cube = Cube.all(family)
          .and(Field.MARK, MaskSet.of(32, markWant, m))
          .and(Field.CT_MARK, MaskSet.of(32, ctWant, c));
      if (!cube.isEmpty()) {
        out.add(Term.of(cube));
      }
      if (sub == 0) {
        break;
      }
    }
    return out;
  }

  private List<Term> byteField(Field f, java.util.function.IntPredicate holds) {
    if (f.kind() == Field.Kind.MASK) {
      // built from the predicate at once: a union per value made merged TOS rules slow to check
      return cube(f, MaskSet.of(8, holds));
    }
    ValueSet v = IntervalSet.empty(8);
    for (int x = 0; x < 256; x++) {
      if (holds.test(x)) {
        int run = x;
        while (run + 1 < 256 && holds.test(run + 1)) {
          run++;
        }
        v = v.union(IntervalSet.range(8, x, run));
        x = run;
      }
    }
    return cube(f, v);
  }

  private List<Term> cube(Field f, ValueSet v) {
    Cube c = Cube.all(family).and(f, v);
    return c.isEmpty() ? List.of() : List.of(Term.of(c));
  }

  private List<Term> constant(boolean holds) {
    return holds ? all : List.of();
  }

  private List<Term> maybeNot(List<Term> terms, boolean negated) {
    return negated ? not(terms) : terms;
  }

  /** Every packet of the family not in {@code terms}. */
  List<Term> not(List<Term> terms) {
    List<Term> out = all;
    for (Term t : terms) {
      List<Term> next = new ArrayList<>();
      for (Term o : out) {
        next.addAll(o.minus(t));
      }
      out = next;
    }
    return out;
  }

  static List<Term> and(List<Term> a, List<Term> b) {
    if (a.size() == 1 && a.get(0).cube().constrained().isEmpty() && a.get(0).atoms().isEmpty()) {
      return b;
    }
    List<Term> out = new ArrayList<>();
    for (Term x : a) {
      for (Term y : b) {
        Term t = x.intersect(y);
        if (t != null) {
          out.add(t);
        }
      }
    }
    return out;
  }
}
