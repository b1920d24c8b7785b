package dev.policyc.compiler.interp;

import dev.policyc.compiler.interp.Stateful.Binding;
import dev.policyc.compiler.interp.Stateful.Tuple;
import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A flow session: packets decided one after another, with time stamps, against the same loaded
 * rules and through one simulated conntrack table, as the kernel would decide them. The table
 * gives each packet its state (NEW, ESTABLISHED, RELATED or INVALID; UNTRACKED after notrack),
 * recognizes answers by the reversed tuple of the connection as its first packet left, applies
 * the NAT binding that first packet set up to every later packet of the connection in both
 * directions (and to ICMP errors about it), and keeps a connection mark per connection. Each
 * {@code limit} match has its own token bucket, refilled by the time stamps, and each {@code
 * statistic --mode nth} match its own counter of the packets that reached it. See "Flows" in
 * {@code docs/semantics.md} for what is modelled and what is not (timeouts, TCP windows).
 */
public final class FlowSession {
  private final Stateful.Counting stateful = new Stateful.Counting();
  private final Interpreter interp;
  private final List<Entry> entries = new ArrayList<>();
  private final Map<Key, Side> index = new HashMap<>();
  private long now;
  private Result last;

  public FlowSession(IrPolicy policy) {
    this.interp = Interpreter.counting(policy, stateful);
  }

  /**
   * A flow session of a host that also runs the IPVS services of {@code ipvs} (their virtual IPs
   * on the dummy interface of interfaces.sh): a connection's first packet to a virtual service is
   * scheduled, and its later packets, its answers and the schedulers' state and persistence
   * templates follow from the packets before (docs/ipvs.md).
   */
  public FlowSession(IrPolicy policy, IpvsConfig ipvs) {
    this(policy, ipvs, Interpreter.IPVS_DEVICE);
  }

  /** As {@link #FlowSession(IrPolicy, IpvsConfig)}, the virtual IPs on {@code vipDevice}. */
  public FlowSession(IrPolicy policy, IpvsConfig ipvs, String vipDevice) {
    this.interp = Interpreter.counting(policy, stateful, ipvs, vipDevice);
  }

  /** The IPVS state of the session's host, or null without IPVS. */
  public IpvsState ipvs() {
    return interp.ipvs();
  }

  /** What conntrack did with a packet. */
  public enum Event {
    /** The namespace tracks no connection of the family, or the packet never met conntrack. */
    NONE,
    /**
     * The first packet of a connection got through the confirm hook (the end of POSTROUTING or
     * INPUT): the connection is in the table now, even when the packet was dropped after it.
     */
    CREATED,
    /**
     * The first packet of a connection did not get through the confirm hook: its entry was not
     * kept.
     */
    NOT_CREATED,
    /** A later packet in the connection's original direction. */
    ORIGINAL,
    /** A packet in the connection's reply direction. */
    REPLY,
    /** An ICMP error about a packet of the connection. */
    RELATED,
    /** INVALID: conntrack found no connection for it and could not start one. */
    INVALID,
    /** UNTRACKED: the raw table's notrack, or an ICMPv6 message conntrack leaves alone. */
    UNTRACKED
  }

  /**
   * A connection as the table holds it after a packet.
   *
   * @param id its number, in the order the connections were created (from 1, since the table
   *     was last emptied)
   * @param original the tuple of its first packet as it arrived, in the packet syntax
   * @param reply the tuple its answers have, from the first packet as it left (after NAT)
   * @param mark its connection mark
   * @param replied whether a packet in the reply direction was seen
   * @param closed whether a TCP reset closed it (a new SYN starts a new connection)
   * @param deleted whether conntrack deleted it: a TCP reset before any answer was seen (the
   *     next packet of either tuple starts a new connection)
   */
  public record Connection(int id, String original, String reply, long mark, boolean replied,
      boolean closed, boolean deleted) {}

  /**
   * One packet of the flow decided.
   *
   * @param at its time, in microseconds since the rules were loaded
   * @param packet the packet as decided: its state is conntrack's, its ctmark its connection's
   * @param decision what the host did with it
   * @param event what conntrack did with it
   * @param connection the connection it created, belongs to or is related to, after the packet;
   *     null for none
   */
  public record Result(long at, Packet packet, Decision decision, Event event,
      Connection connection) {}

  /**
   * Empties the conntrack table, as {@code conntrack -F} does: the rules stay loaded, so the
   * limit buckets and nth counters keep their state, and the clock goes on.
   */
  public void flush() {
    entries.clear();
    index.clear();
    last = null;
  }

  /** The previous packet's result, or null before the first. */
  public Result last() {
    return last;
  }

  /** Decides a line of a flow (see {@link FlowLine}). */
  public Result decide(FlowLine line) {
    Packet quoted = null;
    Packet p;
    if (line.reply()) {
      if (last == null) {
        throw new Packet.SyntaxError("'reply' answers the packet before it, and there is none",
            line.start());
      }
      if (!last.decision().outcome().passes()) {
        throw new Packet.SyntaxError("the packet before did not get through (" + last.decision()
            .outcome().name().toLowerCase(Locale.ROOT) + "): nothing answers it",
            line.start());
      }
      String head = replyHead(line);
      try {
        p = Packet.parse(head + " " + line.text());
      } catch (Packet.SyntaxError e) {
        int c = e.column() - head.length() - 1;
        throw new Packet.SyntaxError(e.getMessage(), c >= 1 ? line.column() + c - 1 : 1);
      }
      quoted = line.icmpError() ? last.decision().after() : null;
    } else {
      try {
        p = Packet.parse(line.text());
      } catch (Packet.SyntaxError e) {
        throw new Packet.SyntaxError(e.getMessage(), line.column() + e.column() - 1);
      }
    }
    if (line.at() != null && line.at() < now) {
      throw new Packet.SyntaxError("time goes back: " + FlowLine.seconds(line.at())
          + " is before " + FlowLine.seconds(now), 1);
    }
    return decide(p, line.at() == null ? now : line.at(), quoted);
  }

  /**
   * The words of a reply before its own attributes: the previous packet as it left, swapped,
   * arriving where it left (or sent by the host, for a packet delivered to it).
   */
  private String replyHead(FlowLine line) {
    Packet o = last.packet();
    Decision d = last.decision();
    Packet a = d.after();
    boolean host = interp.hasHostModel();
    String in;
    String out = null;
    if (d.outcome() == Decision.Outcome.DELIVERED) {
      in = null; // the host answers
      if (!host) {
        out = o.in() != null ? o.in() : "lo";
      }
    } else {
      in = d.outIface();
      if (!host && o.in() != null) {
        out = o.in();
      }
    }
    Family f = a.family();
    boolean error = line.icmpError();
    int proto = error ? (f == Family.IPV4 ? Protocols.ICMP : Protocols.ICMPV6) : a.proto();
    IpAddr src = error && line.from() != null ? line.from() : a.dst();
    boolean ports = !error && a.hasPorts();
    StringBuilder sb = new StringBuilder(Protocols.name(proto)).append(' ')
        .append(endpoint(src, ports ? a.dport() : -1)).append(" -> ")
        .append(endpoint(a.src(), ports ? a.sport() : -1));
    if (in != null) {
      sb.append(" in ").append(in);
    }
    if (out != null) {
      sb.append(" out ").append(out);
    }
    List<String> given = List.of(line.text().toLowerCase(Locale.ROOT).split("\\s+"));
    if (error && !given.contains("type")) {
      sb.append(f == Family.IPV4 ? " type 3/3" : " type 1/4"); // port unreachable
    } else if (!error && a.isIcmp() && !given.contains("type")) {
      int r = Conntrack.icmpReplyType(a);
      if (r < 0) {
        throw new Packet.SyntaxError("the packet before is no ICMP request: give the reply's"
            + " 'type'", line.start());
      }
      sb.append(" type ").append(r).append('/').append(a.icmpCode());
    } else if (!error && a.proto() == Protocols.TCP && !given.contains("flags")) {
      boolean syn = (a.tcpFlags() & 0x12) == 0x02;
      sb.append(syn ? " flags SYN,ACK" : " flags ACK");
    }
    return sb.toString();
  }

  private static String endpoint(IpAddr a, int port) {
    if (port < 0) {
      return a.toString();
    }
    return a.family() == Family.IPV6 ? "[" + a + "]:" + port : a + ":" + port;
  }

  /**
   * Decides {@code packet} at time {@code at} (microseconds; never before the packet before).
   * Its own state and ctmark are replaced by the ones conntrack gives it; {@code quoted} is the
   * packet an ICMP error quotes (null for none), as it was sent.
   */
  public Result decide(Packet packet, long at, Packet quoted) {
    stateful.advanceTo(at);
    now = at;
    Family f = packet.family();
    Side side = null;
    ConnState state;
    boolean related = false;
    if (!interp.tracks(f) || packet.fragment()) {
      state = Conntrack.firstPacketState(packet);
    } else if (Conntrack.isIcmpError(packet)) {
      Key inner = quoted == null ? null : Key.of(quoted).invert();
      Side found = inner == null ? null : index.get(inner);
      // nf_conntrack_inet_error: the connection's tuple in that direction must go to the
      // error's destination, or the error is not about it
      if (found != null && found.entry.key(found.reply).dst().equals(packet.dst())) {
        side = found;
        related = true;
        state = ConnState.RELATED;
      } else {
        state = ConnState.INVALID;
      }
    } else if (packet.proto() == Protocols.TCP && !Conntrack.validTcpFlags(packet)) {
      state = ConnState.INVALID; // tcp_error, before the connection is looked at
    } else {
      side = index.get(Key.of(packet));
      int flags = Conntrack.tcpFlags(packet) & 0x17;
      if (side != null && side.entry.closed && !side.reply && flags == 0x02) {
        // a SYN on a connection a reset closed: the kernel kills it and starts a new one
        index.remove(side.entry.original);
        index.remove(side.entry.reply);
        side = null;
      }
      if (side == null) {
        state = Conntrack.firstPacketState(packet);
      } else if (side.reply || side.entry.replied) {
        state = ConnState.ESTABLISHED;
      } else {
        state = ConnState.NEW; // the original direction until an answer is seen
      }
    }
    Packet p = packet.withState(state).withMarks(packet.mark(),
        side != null ? side.entry.mark : 0);
    Trip trip = interp.trip(p, side == null ? null : side.entry.binding(side.reply),
        side != null);
    Decision d = trip.run();
    Conntrack ct = trip.conntrack();
    if (side == null && ct.confirmed() && randomSourcePort(d) != null) {
      // get_unique_tuple: a source mapping whose range lacks the packet's port takes a port of
      // the range at random (nf_nat_l4proto_unique_tuple); the session takes the range's first
      // port, so that answers come to a port the kernel could have picked. A caller that saw
      // the kernel's pick says so with sourcePortPicked.
      d = withSourcePort(d, randomSourcePort(d).lo());
    }
    Event event;
    Entry entry = null;
    if (!interp.tracks(f) || !ct.attached()) {
      event = Event.NONE;
    } else if (d.state() == ConnState.UNTRACKED) {
      event = Event.UNTRACKED;
    } else if (state == ConnState.INVALID) {
      event = Event.INVALID;
    } else if (side == null) {
      // the entry is kept once the packet passed the confirm hook (POSTROUTING or INPUT), even
      // when it is dropped after: a packet the host sends itself is dropped in INPUT, say
      if (ct.confirmed()) {
        entry = create(p, d.after(), d.ipvs());
        event = Event.CREATED;
      } else {
        event = Event.NOT_CREATED;
      }
    } else {
      entry = side.entry;
      entry.mark = d.after().ctmark(); // CONNMARK writes the connection's mark at once
      if (related) {
        event = Event.RELATED;
      } else {
        event = side.reply ? Event.REPLY : Event.ORIGINAL;
        // nf_conntrack_in sets IPS_SEEN_REPLY when the answer meets conntrack, whatever the
        // rules then do with it
        boolean seenReply = entry.replied;
        entry.replied |= side.reply;
        if (packet.proto() == Protocols.TCP && (Conntrack.tcpFlags(packet) & 0x04) != 0) {
          entry.closed = true;
          if (!seenReply) {
            // nf_conntrack_tcp_packet: a reset before IPS_SEEN_REPLY (tested before
            // nf_conntrack_in sets it for this packet) kills the connection at once; the packet
            // goes on with it, the table forgets it
            entry.deleted = true;
            index.remove(entry.original);
            if (entry.reply != null) {
              index.remove(entry.reply);
            }
          }
        }
      }
    }
    last = new Result(at, p, d, event, entry == null ? null : entry.view());
    return last;
  }

  /**
   * Tells the session the port the kernel picked for the source NAT of the connection the last
   * packet created, where the kernel picks one at random from the range its decision reports
   * ({@code decision().snat().ports()}; the session took the range's first port): the
   * connection's translated tuple and reply tuple, and the last packet's decision, take it, so
   * answers and later packets of the connection use it as the kernel's do. The kernel oracle
   * reads the pick from the kernel's conntrack table.
   *
   * @return the last packet's result with that port
   * @throws IllegalStateException when the last packet created no connection with a random
   *     source port
   * @throws IllegalArgumentException when {@code port} is outside the range
   */
  public Result sourcePortPicked(int port) {
    PortRange range = last == null || last.event() != Event.CREATED ? null
        : randomSourcePort(last.decision());
    if (range == null) {
      throw new IllegalStateException("the last packet created no connection whose source port"
          + " the kernel picks at random");
    }
    if (!range.contains(port)) {
      throw new IllegalArgumentException("port " + port + " is outside the range " + range);
    }
    Entry e = entries.get(last.connection().id() - 1);
    Decision d = withSourcePort(last.decision(), port);
    index.remove(e.reply);
    e.reply = Key.of(d.after()).invert();
    e.binding = new Binding(e.binding.original(), Tuple.of(d.after()), false);
    index.put(e.reply, new Side(e, true));
    last = new Result(last.at(), last.packet(), d, last.event(), e.view());
    return last;
  }

  /**
   * The range the kernel picks a source port from at random for a connection's first packet
   * (SNAT or MASQUERADE to a port range without the packet's port), or null.
   */
  private static PortRange randomSourcePort(Decision d) {
    Decision.Nat n = d.snat();
    boolean first = n != null
        && (n.kind() == Decision.Nat.Kind.SNAT || n.kind() == Decision.Nat.Kind.MASQUERADE);
    return first && d.after().hasPorts() && n.ports() != null
        && !n.ports().isSingle() ? n.ports() : null;
  }

  /** The decision with the packet leaving from {@code port}. */
  private static Decision withSourcePort(Decision d, int port) {
    Packet a = d.after().withSrc(d.after().src(), port);
    return new Decision(d.outcome(), d.rejectWith(), d.path(), a, d.outIface(), d.state(),
        d.dnat(), d.snat(), d.logs(), d.mss(), d.evaluated(), d.ipvs());
  }

  private Entry create(Packet first, Packet after, IpvsState.Hit ipvs) {
    Key original = Key.of(first);
    Key reply = Key.of(after).invert();
    // IPVS's masq rewrite is no NAT binding of conntrack's (ip_vs_update_conntrack changes only
    // the reply tuple): later packets keep the virtual address until IPVS sends them on
    Packet translated = ipvs != null && ipvs.via() != IpvsState.Hit.Via.REPLY
        && ipvs.real() != null && ipvs.real().method() == ForwardMethod.MASQ
        && ipvs.vaddr() != null ? after.withDst(ipvs.vaddr(), ipvs.vport()) : after;
    Entry e = new Entry(entries.size() + 1, original, reply,
        new Binding(Tuple.of(first), Tuple.of(translated), false), after.ctmark());
    entries.add(e);
    index.put(original, new Side(e, false));
    if (reply != null) {
      index.put(reply, new Side(e, true));
    }
    return e;
  }

  /**
   * A conntrack tuple: protocol, addresses and, by protocol, ports or ICMP type and code (the
   * ICMP identifier is 0 for every packet here).
   */
  private record Key(Family family, int proto, IpAddr src, IpAddr dst, int a, int b) {
    static Key of(Packet p) {
      if (p.hasPorts()) {
        return new Key(p.family(), p.proto(), p.src(), p.dst(), p.sport(), p.dport());
      }
      if (p.isIcmp()) {
        return new Key(p.family(), p.proto(), p.src(), p.dst(), p.icmpType(), p.icmpCode());
      }
      return new Key(p.family(), p.proto(), p.src(), p.dst(), 0, 0);
    }

    /** The tuple of the answer; null for an ICMP message that is no request (invert fails). */
    Key invert() {
      boolean icmp = (family == Family.IPV4 && proto == Protocols.ICMP)
          || (family == Family.IPV6 && proto == Protocols.ICMPV6);
      if (!icmp) {
        boolean ports = Protocols.hasPorts(proto) || proto == Protocols.UDPLITE;
        return ports ? new Key(family, proto, dst, src, b, a) : new Key(family, proto, dst, src,
            0, 0);
      }
      Integer r = replyType(family, a);
      return r == null ? null : new Key(family, proto, dst, src, r, b);
    }

    private static Integer replyType(Family f, int type) {
      Map<Integer, Integer> m = f == Family.IPV4
          ? Map.of(8, 0, 13, 14, 15, 16, 17, 18, 0, 8, 14, 13, 16, 15, 18, 17)
          : Map.of(128, 129, 139, 140, 129, 128, 140, 139);
      return m.get(type);
    }

    String text() {
      boolean ports = Protocols.hasPorts(proto) || proto == Protocols.UDPLITE;
      boolean icmp = (family == Family.IPV4 && proto == Protocols.ICMP)
          || (family == Family.IPV6 && proto == Protocols.ICMPV6);
      String s = Protocols.name(proto) + " " + endpoint(src, ports ? a : -1) + " -> "
          + endpoint(dst, ports ? b : -1);
      return icmp ? s + " type " + a + "/" + b : s;
    }
  }

  /** A connection in the table. */
  private static final class Entry {
    final int id;
    final Key original;
    Key reply;
    Binding binding;
    long mark;
    boolean replied;
    boolean closed;
    boolean deleted;

    Entry(int id, Key original, Key reply, Binding binding, long mark) {
      this.id = id;
      this.original = original;
      this.reply = reply;
      this.binding = binding;
      this.mark = mark;
    }

    Key key(boolean replyDirection) {
      return replyDirection ? reply : original;
    }

    Binding binding(boolean replyDirection) {
      return new Binding(binding.original(), binding.translated(), replyDirection);
    }

    Connection view() {
      return new Connection(id, original.text(), reply == null ? "-" : reply.text(), mark,
          replied, closed, deleted);
    }
  }

  /** An entry seen from one of its tuples. */
  private record Side(Entry entry, boolean reply) {}
}
