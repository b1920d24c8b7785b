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
   * The session model: one state per stateful match of each rule, as the kernel keeps (a
   * {@code limit} match's token bucket, a {@code statistic --mode nth} match's counter), the
   * time of the packet being decided, and the NAT bindings of the connections seen so far (for
   * {@link Interpreter#session}, whose packets declare their conntrack state).
   */
  final class Counting implements Stateful {
    private final IdentityHashMap<Rule, long[]> state = new IdentityHashMap<>();
    /** Per limit match: {credit, time of the last refill}, credits in microseconds. */
    private final IdentityHashMap<Rule, long[][]> buckets = new IdentityHashMap<>();
    private final Map<Tuple, Binding> connections = new HashMap<>();
    /** The time of the packet being decided, in microseconds since the rules were loaded. */
    private long now;

    /** Moves the clock to {@code micros}; it never goes back. */
    void advanceTo(long micros) {
      if (micros < now) {
        throw new IllegalArgumentException("time goes back");
      }
      now = micros;
    }

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

    /**
     * xt_limit's token bucket (limit_mt): it starts full, at {@code avg × burst} credits, each
     * packet that matches costs {@code avg}, and the credits grow with the time elapsed since
     * the match was last evaluated, up to the full bucket. {@code avg} is in ten-thousandths of
     * a second; here credits are microseconds. The kernel counts in jiffies and rounds credits
     * (user2credits), so a refill can come up to a jiffy later than the model says.
     */
    @Override
    public boolean limit(Rule rule, int index, Match.Limit l, Packet p) {
      long cost = l.avg() * (1_000_000 / Match.Limit.SCALE);
      long cap = cost * l.burst();
      long[][] all = buckets.computeIfAbsent(rule, r -> new long[r.matches().size()][]);
      long[] b = all[index];
      if (b == null) {
        b = all[index] = new long[] {cap, now};
      }
      b[0] = Math.min(cap, b[0] + (now - b[1]));
      b[1] = now;
      if (b[0] >= cost) {
        b[0] -= cost;
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
