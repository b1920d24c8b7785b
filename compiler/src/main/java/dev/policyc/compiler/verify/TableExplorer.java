package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Verdict;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Runs one table's built-in chain at a hook on classes of packets instead of packets: each rule
 * splits a class into the packets its matches hold for and the rest, the way {@code Trip}
 * traverses the chains for one packet. The result partitions the classes it started from into
 * {@link Leaf leaves}, each with one {@link Outcome}.
 */
final class TableExplorer {
  /**
   * A class of packets and how the table ends for them; or, when the explorer stops where a
   * class enters a chain it was told to stop at ({@code pending} not null), where the class is
   * then (see {@link #resume}).
   */
  record Leaf(Term region, Outcome outcome, Task pending) {
    Leaf(Term region, Outcome outcome) {
      this(region, outcome, null);
    }
  }

  /** Where a class of packets is: a chain, the next rule, and the chains to return to. */
  record Frame(Chain chain, int next, Frame caller) {}

  /** A class of packets on its way through the table. */
  record Task(Term region, SymState state, Frame at, Events events) {}

  /** LOG and TCPMSS events, newest first, shared between classes that split. */
  record Events(String event, Events before) {
    static List<String> list(Events e) {
      List<String> out = new ArrayList<>();
      for (Events x = e; x != null; x = x.before) {
        out.add(0, x.event);
      }
      return out;
    }
  }

  private static final int MAX_DEPTH = 64;

  private final Function<String, Chain> chains;
  private final Chain base;
  /** What falling off the base chain means: its policy, or RETURN (null: a user chain). */
  private final Verdict end;
  private final MatchSpace space;
  private final Family family;
  private Budget budget;
  /** The chains a class stops at, as a {@link Leaf#pending()} leaf. */
  private final Predicate<String> stopAt;

  /** The explorer of {@code table}'s built-in chain of {@code hook}, or of none (ACCEPT). */
  TableExplorer(IrPolicy policy, Family family, RuleTable table, Hook hook, Budget budget) {
    this.chains = name -> table.chain(name).orElse(null);
    this.base = table == null ? null
        : table.chain(hook.name()).filter(Chain::isBuiltin).orElse(null);
    this.end = base == null ? null : base.policy();
    this.space = new MatchSpace(policy, family, hook);
    this.family = family;
    this.budget = budget;
    this.stopAt = name -> false;
  }

  /**
   * An explorer of the rules of one chain from one place on (see {@link ChainEdits}): classes
   * start with the packet as it is there ({@link SymState#ENTRY}), jumps find their chains with
   * {@code chains}, a class falling off the base chain ends with {@code end} (the built-in
   * chain's policy) or, for a user chain ({@code end} null), with {@link Outcome.Kind#RETURN},
   * and a class entering a chain {@code stopAt} names stops there as a pending leaf.
   */
  TableExplorer(MatchSpace space, Family family, Function<String, Chain> chains, Verdict end,
      Budget budget, Predicate<String> stopAt) {
    this.chains = chains;
    this.base = null;
    this.end = end;
    this.space = space;
    this.family = family;
    this.budget = budget;
    this.stopAt = stopAt;
  }

  void budget(Budget b) {
    this.budget = b;
  }

  /**
   * Where a class stops in a chain it did not enter from another ({@code tails}: the position
   * in the chain, -1 for none), as a pending leaf whose task goes on there.
   */
  TableExplorer tails(ToIntFunction<Chain> tails) {
    this.tails = tails;
    return this;
  }

  private ToIntFunction<Chain> tails;

  /** The leaves of the packets of {@code start} entering {@code chain} at its first rule. */
  List<Leaf> explore(Term start, Chain chain) {
    return explore(start, SymState.ENTRY, chain);
  }

  /**
   * The leaves of the packets of {@code start}, in state {@code state}, entering {@code chain}
   * at its first rule.
   */
  List<Leaf> explore(Term start, SymState state, Chain chain) {
    List<Leaf> out = new ArrayList<>();
    each(start, state, chain, out::add);
    return out;
  }

  /**
   * Hands the leaves of {@link #explore(Term, SymState, Chain)} to {@code f} as they are found,
   * and stops at the first for which it answers false; false then.
   */
  boolean each(Term start, SymState state, Chain chain, Predicate<Leaf> f) {
    List<Leaf> out = new ArrayList<>();
    Deque<Task> work = new ArrayDeque<>();
    work.push(new Task(start, state, new Frame(chain, 0, null), null));
    return drain(work, out, f);
  }

  /** Runs the tasks, handing each leaf to {@code f}; false at the first it answers false for. */
  private boolean drain(Deque<Task> work, List<Leaf> out, Predicate<Leaf> f) {
    while (!work.isEmpty()) {
      run(work.pop(), work, out);
      for (Leaf l : out) {
        if (!f.test(l)) {
          return false;
        }
      }
      out.clear();
    }
    return true;
  }

  /**
   * The leaves of the packets of {@code start} entering {@code chain}, the first rules of a
   * longer chain: a class that falls off its end (not one that returns, nor one that went to
   * another chain) goes on to the rules after them, and is a pending leaf whose task holds its
   * state there. The leaves go to {@code f} as {@link #each} says.
   */
  boolean through(Term start, Chain chain, Predicate<Leaf> f) {
    through = chain;
    try {
      return each(start, SymState.ENTRY, chain, f);
    } finally {
      through = null;
    }
  }

  /** While {@link #through} runs, the chain whose end is not the end. */
  private Chain through;

  /**
   * The leaves of the packets of {@code region} (within a pending leaf's region) going on from
   * where {@code pending} stopped; they stop nowhere.
   */
  List<Leaf> resume(Term region, Task pending) {
    List<Leaf> out = new ArrayList<>();
    resume(region, pending, out::add);
    return out;
  }

  /** As {@link #resume(Term, Task)}, the leaves handed to {@code f} as {@link #each} says. */
  boolean resume(Term region, Task pending, Predicate<Leaf> f) {
    List<Leaf> out = new ArrayList<>();
    Deque<Task> work = new ArrayDeque<>();
    work.push(new Task(region, pending.state(), pending.at(), pending.events()));
    stopping = false;
    try {
      return drain(work, out, f);
    } finally {
      stopping = true;
    }
  }

  /** False while {@link #resume} runs: classes then stop nowhere. */
  private boolean stopping = true;

  /** The leaves of the packets of {@code start}. */
  List<Leaf> explore(Term start) {
    List<Leaf> out = new ArrayList<>();
    if (base == null) {
      out.add(new Leaf(start, new Outcome(Outcome.Kind.ACCEPT, null, null, SymState.ENTRY,
          List.of())));
      return out;
    }
    Deque<Task> work = new ArrayDeque<>();
    work.push(new Task(start, SymState.ENTRY, new Frame(base, 0, null), null));
    while (!work.isEmpty()) {
      run(work.pop(), work, out);
    }
    return out;
  }

  /** Takes one class through rules until it ends or splits (pushing the pieces). */
  private void run(Task task, Deque<Task> work, List<Leaf> out) {
    Term region = task.region();
    SymState state = task.state();
    Frame at = task.at();
    Events events = task.events();
    while (true) {
      if (tails != null && stopping && at.caller == null
          && at.next == tails.applyAsInt(at.chain)) {
        out.add(new Leaf(region, null, new Task(region, state, at, events)));
        return;
      }
      budget.spend();
      if (at.next >= at.chain.rules().size()) {
        if (at.caller == null) {
          out.add(at.chain == through ? new Leaf(region, null, new Task(region, state, at, events))
              : policy(region, state, events));
          return;
        }
        at = at.caller;
        continue;
      }
      Rule rule = at.chain.rules().get(at.next);
      Frame after = new Frame(at.chain, at.next + 1, at.caller);
      List<Term> holds = space.of(rule, state);
      List<Term> hit = new ArrayList<>();
      List<Term> miss = List.of(region);
      for (Term t : holds) {
        if (!region.cube().intersects(t.cube())) {
          continue;
        }
        if (t.atoms().isEmpty() && t.cube().contains(region.cube()) && miss.size() == 1
            && miss.get(0) == region) {
          hit.add(region); // the whole class matches: nothing to split
          miss = List.of();
          break;
        }
        Term in = region.intersect(t);
        if (in == null) {
          continue;
        }
        hit.add(in);
        List<Term> next = new ArrayList<>();
        for (Term m : miss) {
          next.addAll(m.minus(t));
        }
        miss = next;
      }
      if (hit.isEmpty()) {
        at = after;
        continue;
      }
      for (Term m : miss) {
        work.push(new Task(m, state, after, events));
      }
      for (Term h : hit) {
        target(rule.target(), new Task(h, state, after, events), work, out);
      }
      return;
    }
  }

  /** What a rule's target does to the class of packets that matched it. */
  private void target(Target tg, Task t, Deque<Task> work, List<Leaf> out) {
    Term r = t.region();
    if (tg instanceof Target.Accept) {
      out.add(leaf(r, Outcome.Kind.ACCEPT, null, null, t));
    } else if (tg instanceof Target.Drop) {
      out.add(leaf(r, Outcome.Kind.DROP, null, null, t));
    } else if (tg instanceof Target.Reject rj) {
      out.add(leaf(r, Outcome.Kind.REJECT, rj.with(), null, t));
    } else if (tg instanceof Target.Dnat || tg instanceof Target.Snat
        || tg instanceof Target.Masquerade || tg instanceof Target.Redirect) {
      out.add(leaf(r, Outcome.Kind.NAT, null, tg, t));
    } else if (tg instanceof Target.Return) {
      Frame caller = t.at().caller;
      if (caller == null) {
        out.add(policy(r, t.state(), t.events()));
      } else {
        work.push(new Task(r, t.state(), caller, t.events()));
      }
    } else if (tg instanceof Target.Jump j) {
      enter(new Task(r, t.state(), new Frame(chain(j.chain()), 0, depth(t.at())), t.events()),
          j.chain(), work, out);
    } else if (tg instanceof Target.Goto g) {
      enter(new Task(r, t.state(), new Frame(chain(g.chain()), 0, t.at().caller), t.events()),
          g.chain(), work, out);
    } else if (tg instanceof Target.Log l) {
      work.push(new Task(r, t.state(), t.at(),
          new Events("LOG " + (l.prefix() == null ? "" : l.prefix()), t.events())));
    } else if (tg instanceof Target.ConnMark) {
      // connmark_tg does nothing to a packet without a connection
      for (Term[] piece : split(r, connected(t.state()))) {
        if (piece[0] != null) {
          work.push(new Task(piece[0], t.state().after(tg), t.at(), t.events()));
        }
        if (piece[1] != null) {
          work.push(new Task(piece[1], t.state(), t.at(), t.events()));
        }
      }
    } else if (tg instanceof Target.TcpMss m) {
      tcpMss(m, t, work, out);
    } else {
      work.push(new Task(r, t.state().after(tg), t.at(), t.events()));
    }
  }

  /** A class entering a chain: explored on, or a pending leaf at a chain to stop at. */
  private void enter(Task t, String chain, Deque<Task> work, List<Leaf> out) {
    if (stopping && stopAt.test(chain)) {
      out.add(new Leaf(t.region(), null, t));
    } else {
      work.push(t);
    }
  }

  /**
   * TCPMSS: a TCP first fragment shorter than its headers is dropped; other TCP first fragments
   * may get an MSS option (and grow); everything else goes on untouched.
   */
  private void tcpMss(Target.TcpMss m, Task t, Deque<Task> work, List<Leaf> out) {
    Events ev = new Events("TCPMSS " + m.mss(), t.events());
    if (t.state().length() >= 0) {
      // an earlier TCPMSS of this table added the option: this one can only lower its value
      work.push(new Task(t.region(), t.state(), t.at(), ev));
      return;
    }
    int headers = (family == Family.IPV4 ? 20 : 40) + 20;
    Cube tcp = Cube.all(family).and(Field.PROTO, IntervalSet.point(8, Protocols.TCP))
        .and(Field.FRAGMENT, IntervalSet.point(1, 0));
    Term r = t.region();
    Term dropped = r.intersect(Term.of(tcp.and(Field.LENGTH,
        IntervalSet.range(16, 0, headers - 1))));
    if (dropped != null) {
      out.add(leaf(dropped, Outcome.Kind.DROP, null, null, t));
    }
    // a segment of headers only carries no option yet (the option would have made it longer):
    // it gets one and grows by 4 bytes; a segment with payload is left alone
    Term bare = r.intersect(Term.of(tcp.and(Field.LENGTH, IntervalSet.point(16, headers))));
    if (bare != null) {
      work.push(new Task(bare, t.state().withLength(headers + 4), t.at(), ev));
    }
    Term payload = r.intersect(Term.of(tcp.and(Field.LENGTH,
        IntervalSet.range(16, headers + 1, 65535))));
    if (payload != null) {
      work.push(new Task(payload, t.state(), t.at(), ev));
    }
    for (Term rest : r.minus(Term.of(tcp))) {
      work.push(new Task(rest, t.state(), t.at(), t.events()));
    }
  }

  /** Entry packets that have a connection as the matches see them now. */
  private Term connected(SymState s) {
    ValueSet v = IntervalSet.empty(3);
    for (ConnState st : List.of(ConnState.NEW, ConnState.RELATED, ConnState.ESTABLISHED)) {
      v = v.union(IntervalSet.point(3, st.ordinal()));
    }
    // notrack turns INVALID (no entry yet) into UNTRACKED: neither has a connection
    return Term.of(Cube.all(family).and(Field.CT_STATE, v));
  }

  /** The pieces of {@code r} inside {@code t} ([0]) and outside it ([1], one per piece). */
  private static List<Term[]> split(Term r, Term t) {
    List<Term[]> out = new ArrayList<>();
    out.add(new Term[] {r.intersect(t), null});
    for (Term rest : r.minus(t)) {
      out.add(new Term[] {null, rest});
    }
    return out;
  }

  private Frame depth(Frame at) {
    int d = 0;
    for (Frame f = at; f != null; f = f.caller) {
      if (++d > MAX_DEPTH) {
        throw new Unsupported("jumps nested deeper than " + MAX_DEPTH + " chains");
      }
    }
    return at;
  }

  private Chain chain(String name) {
    Chain c = chains.apply(name);
    if (c == null) {
      throw new IllegalStateException("jump to missing chain " + name);
    }
    return c;
  }

  private Leaf policy(Term r, SymState s, Events e) {
    Outcome.Kind k = end == null ? Outcome.Kind.RETURN
        : end == Verdict.DROP ? Outcome.Kind.DROP : Outcome.Kind.ACCEPT;
    return new Leaf(r, new Outcome(k, null, null, s, Events.list(e)));
  }

  private static Leaf leaf(Term r, Outcome.Kind k, String with, Target nat, Task t) {
    return new Leaf(r, new Outcome(k, with, nat, t.state(), Events.list(t.events())));
  }
}
