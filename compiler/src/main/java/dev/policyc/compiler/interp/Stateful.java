package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * How stateful matches, and connections, see the packets before this one: the stateless model
 * ({@link FromSeq}, the packet says) or a session's ({@link Counting}, the interpreter counts).
 * See "Stateful matches: the documented model" in {@code docs/semantics.md}.
 */
interface Stateful {
  /** The stateless model; it keeps nothing, so one serves every interpreter. */
  Stateful FROM_SEQ = new FromSeq();

  /** Whether {@code l}, match number {@code index} of {@code rule}, lets the packet through. */
  boolean limit(Rule rule, int index, Match.Limit l, Packet p);

  /** Whether {@code --mode nth} match number {@code index} of {@code rule} matches (unnegated). */
  boolean nth(Rule rule, int index, Match.Statistic s, Packet p);

  /** The NAT binding of the connection a packet belongs to, or null. */
  default Binding binding(Packet p) {
    return null;
  }

  /** Remembers the binding a connection's first packet set up. */
  default void remember(Binding b) {}

  /** A connection's addresses and ports before and after NAT. */
  record Tuple(int proto, IpAddr src, int sport, IpAddr dst, int dport) {
    Tuple reverse() {
      return new Tuple(proto, dst, dport, src, sport);
    }

    static Tuple of(Packet p) {
      boolean ports = p.hasPorts();
      return new Tuple(p.proto(), p.src(), ports ? p.sport() : 0, p.dst(), ports ? p.dport() : 0);
    }
  }

  /** The binding NAT set up on a connection's first packet; {@code reply} for its answers. */
  record Binding(Tuple original, Tuple translated, boolean reply) {}

  /** The stateless model: the packet says how many identical packets went before it. */
  final class FromSeq implements Stateful {
    private FromSeq() {}

    @Override
    public boolean limit(Rule rule, int index, Match.Limit l, Packet p) {
      return p.seq() < l.burst();
    }

    @Override
    public boolean nth(Rule rule, int index, Match.Statistic s, Packet p) {
      return p.seq() % s.every() == s.packet();
    }
  }

  /**
   * The session model: one counter per stateful match of each rule, as the kernel keeps, and the
   * NAT bindings of the connections seen so far.
   */
  final class Counting implements Stateful {
    private final IdentityHashMap<Rule, long[]> state = new IdentityHashMap<>();
    private final Map<Tuple, Binding> connections = new HashMap<>();

    @Override
    public Binding binding(Packet p) {
      return connections.get(Tuple.of(p));
    }

    @Override
    public void remember(Binding b) {
      connections.put(b.original(), b);
      // answers come back to the translated source from the translated destination
      connections.put(b.translated().reverse(), new Binding(b.original(), b.translated(), true));
    }

    private long[] of(Rule rule) {
      return state.computeIfAbsent(rule, r -> new long[r.matches().size()]);
    }

    @Override
    public boolean limit(Rule rule, int index, Match.Limit l, Packet p) {
      long[] used = of(rule);
      if (used[index] < l.burst()) {
        used[index]++; // a token spent; the bucket starts full and is not refilled
        return true;
      }
      return false;
    }

    @Override
    public boolean nth(Rule rule, int index, Match.Statistic s, Packet p) {
      long[] st = of(rule);
      // xt_statistic: the counter starts at (every-1) - packet (libxt_statistic), each packet
      // moves it on modulo every, and the packet that brings it to 0 matches: the first match
      // is packet number 'packet'. Stored as counter+1 so that 0 means "not evaluated yet".
      long c = st[index] == 0 ? s.every() - 1 - s.packet() : st[index] - 1;
      c = c == s.every() - 1 ? 0 : c + 1;
      st[index] = c + 1;
      return c == 0;
    }
  }
}
