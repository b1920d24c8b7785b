package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
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

  /**
   * Whether recent match {@code r} matches (negation included: the kernel's {@code update}
   * depends on it) for the address {@code addr} it looks up, recording what it records.
   */
  boolean recent(Match.Recent r, IpAddr addr, Packet p);

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

    /** Every list is empty: only {@code --set} matches (what it adds is not kept). */
    @Override
    public boolean recent(Match.Recent r, IpAddr addr, Packet p) {
      return (r.mode() == Match.Recent.Mode.SET) ^ r.negated();
    }
  }

  /**
   * The session model: one state per stateful match of each rule, as the kernel keeps (a
   * {@code limit} match's token bucket, a {@code statistic --mode nth} match's counter), the
   * time of the packet being decided, and the NAT bindings of the connections seen so far (for
   * {@link Interpreter#session}, whose packets declare their conntrack state).
   */
  final class Counting implements Stateful {
    /** The kernel's {@code ip_list_tot}: addresses a recent list holds, at most. */
    static final int RECENT_ENTRIES = 100;

    private final IdentityHashMap<Rule, long[]> state = new IdentityHashMap<>();
    /** Per limit match: {credit, time of the last refill}, credits in microseconds. */
    private final IdentityHashMap<Rule, long[][]> buckets = new IdentityHashMap<>();
    private final Map<Tuple, Binding> connections = new HashMap<>();
    /** The recent lists by name: address → its time stamps, least recently updated first. */
    private final Map<String, LinkedHashMap<IpAddr, ArrayDeque<Long>>> recent = new HashMap<>();
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

    /**
     * xt_recent's {@code recent_mt}: lists are shared by name; an entry keeps its last {@link
     * Match.Recent#MAX_HITS} time stamps; a list holds at most {@link #RECENT_ENTRIES}
     * addresses, a new one evicting the least recently updated. Time stamps are the session's
     * clock (the kernel's are jiffies).
     */
    @Override
    public boolean recent(Match.Recent r, IpAddr addr, Packet p) {
      LinkedHashMap<IpAddr, ArrayDeque<Long>> list =
          recent.computeIfAbsent(r.name(), n -> new LinkedHashMap<>());
      boolean ret = r.negated();
      ArrayDeque<Long> e = list.get(addr);
      if (e == null) {
        if (r.mode() != Match.Recent.Mode.SET) {
          return ret;
        }
        if (list.size() >= RECENT_ENTRIES) {
          list.remove(list.keySet().iterator().next());
        }
        e = new ArrayDeque<>();
        e.add(now);
        list.put(addr, e);
        return !ret;
      }
      switch (r.mode()) {
        case SET -> ret = !ret;
        case REMOVE -> {
          list.remove(addr);
          return !ret;
        }
        case CHECK, UPDATE -> {
          long since = now - r.seconds() * 1_000_000;
          int hits = 0;
          for (long stamp : e) {
            if (r.seconds() > 0 && stamp < since) {
              continue;
            }
            if (r.hitCount() == 0 || ++hits >= r.hitCount()) {
              ret = !ret;
              break;
            }
          }
          if (r.reap()) {
            // recent_entry_reap: the least recently updated entry goes when its newest time
            // stamp is older than the window (unless it is this packet's)
            Map.Entry<IpAddr, ArrayDeque<Long>> oldest = list.entrySet().iterator().next();
            if (oldest.getValue() != e && oldest.getValue().getLast() < since) {
              list.remove(oldest.getKey());
            }
          }
        }
        default -> throw new AssertionError(r.mode());
      }
      if (r.mode() == Match.Recent.Mode.SET || (r.mode() == Match.Recent.Mode.UPDATE && ret)) {
        if (e.size() == Match.Recent.MAX_HITS) {
          e.removeFirst();
        }
        e.addLast(now);
        list.remove(addr);
        list.put(addr, e); // to the end of the least-recently-updated order
      }
      return ret;
    }
  }
}
