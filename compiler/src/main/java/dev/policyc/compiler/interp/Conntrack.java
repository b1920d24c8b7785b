package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.Map;
import java.util.Set;

/**
 * What conntrack knows of one packet during its trip: whether the namespace tracks connections at
 * all, whether the packet has met conntrack yet, and whether it is untracked; from those, the
 * state a conntrack match sees, whether the packet has a connection, and whether the nat chains
 * see it. See "Conntrack and NAT" in {@code docs/semantics.md}.
 */
final class Conntrack {
  /** ICMPv6 types conntrack leaves untracked: MLD and neighbour discovery. */
  private static final Set<Integer> ICMPV6_UNTRACKED = Set.of(130, 131, 132, 133, 134, 135, 136,
      143);

  private final boolean on;
  /** An earlier packet of the connection decided its NAT (a flow session knows). */
  private final boolean natDone;

  private boolean attached;
  private boolean untracked;
  private boolean confirmed;

  /** A packet before the conntrack hook; {@code on} when its family's rules use conntrack. */
  Conntrack(boolean on) {
    this(on, false);
  }

  /** As {@link #Conntrack(boolean)}, for a packet of a connection whose NAT is decided. */
  Conntrack(boolean on, boolean natDone) {
    this.on = on;
    this.natDone = natDone;
  }

  /**
   * Whether the rules of a family switch connection tracking on in the kernel's namespace: a
   * match or target whose checkentry takes a conntrack reference (nf_ct_netns_get): conntrack
   * and connmark matches, CONNMARK and the NAT targets. A nat table alone does not: without
   * conntrack no packet has an entry, so the nat chains are never traversed and IPv4 fragments
   * are not reassembled before the rules. Nor does {@code CT --notrack}: its checkentry returns
   * before taking the reference (xt_ct_tg_check), so a raw table that only says notrack leaves
   * fragments alone (all seen by the kernel oracle).
   */
  static boolean usedBy(Ruleset rs) {
    for (RuleTable t : rs.tables()) {
      for (Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          if (usedBy(r)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Whether one rule switches connection tracking on (see {@link #usedBy(Ruleset)}). */
  static boolean usedBy(Rule r) {
    Target tg = r.target();
    if (tg instanceof Target.ConnMark
        || tg instanceof Target.Dnat || tg instanceof Target.Snat
        || tg instanceof Target.Masquerade || tg instanceof Target.Redirect) {
      return true;
    }
    for (Match m : r.matches()) {
      if (m instanceof Match.CtState || m instanceof Match.ConnMark) {
        return true;
      }
    }
    return false;
  }

  /**
   * tcp_error's table of valid flag combinations (tcp_valid_flags), PSH, ECE and CWR left out:
   * any other combination makes a TCP packet INVALID, with or without a connection.
   */
  private static final Set<Integer> TCP_VALID_FLAGS = Set.of(0x02, 0x22, 0x12, 0x04, 0x14, 0x11,
      0x31, 0x10, 0x30);

  /** ICMP types that open a connection, and the reply type each expects. */
  private static final Map<Integer, Integer> ICMP_REQUESTS = Map.of(8, 0, 13, 14, 15, 16, 17, 18);

  private static final Map<Integer, Integer> ICMPV6_REQUESTS = Map.of(128, 129, 139, 140);

  /**
   * The state conntrack gives a packet that belongs to no connection yet, when the namespace
   * tracks it: TCP SYN, or ACK without SYN (loose pickup, nf_conntrack_tcp_loose), is NEW; any
   * other valid combination is INVALID (tcp_new refuses it), and so is an invalid one
   * (tcp_error). ICMP echo, timestamp, information and mask requests (ICMPv6 echo and node
   * information queries) are NEW; replies without their request and errors without the
   * connection they quote are INVALID (icmp_new, nf_conntrack_inet_error). MLD and ND messages
   * are NEW here and left untracked by {@link #attach}. A non-first fragment is NEW: conntrack
   * only sees it reassembled. Everything else is NEW.
   */
  public static ConnState firstPacketState(Packet p) {
    if (p.fragment()) {
      return ConnState.NEW;
    }
    if (p.proto() == Protocols.TCP) {
      int f = tcpFlags(p);
      return f == 0x02 || f == 0x22 || f == 0x10 || f == 0x30 ? ConnState.NEW
          : ConnState.INVALID;
    }
    if (p.proto() == Protocols.ICMP && p.family() == Family.IPV4) {
      return ICMP_REQUESTS.containsKey(p.icmpType()) ? ConnState.NEW : ConnState.INVALID;
    }
    if (p.proto() == Protocols.ICMPV6 && p.family() == Family.IPV6) {
      return ICMPV6_REQUESTS.containsKey(p.icmpType()) || ICMPV6_UNTRACKED.contains(p.icmpType())
          ? ConnState.NEW : ConnState.INVALID;
    }
    return ConnState.NEW;
  }

  /** The TCP flags conntrack judges a segment by: without PSH, ECE and CWR. */
  static int tcpFlags(Packet p) {
    return p.tcpFlags() & 0x37;
  }

  /** Whether tcp_error lets a segment with these flags through to the state machine. */
  static boolean validTcpFlags(Packet p) {
    return TCP_VALID_FLAGS.contains(tcpFlags(p));
  }

  /** The type of the reply an ICMP request expects, or -1 when the type is no request. */
  static int icmpReplyType(Packet p) {
    Integer r = (p.family() == Family.IPV4 ? ICMP_REQUESTS : ICMPV6_REQUESTS).get(p.icmpType());
    return r == null ? -1 : r;
  }

  /** Whether an ICMP packet is an error, which quotes the packet it answers. */
  static boolean isIcmpError(Packet p) {
    if (!p.isIcmp()) {
      return false;
    }
    return p.family() == Family.IPV4 ? Set.of(3, 4, 5, 11, 12).contains(p.icmpType())
        : p.icmpType() < 128;
  }

  /** Whether the namespace has conntrack hooks (and so defragments IPv4 before the rules). */
  boolean on() {
    return on;
  }

  /** The conntrack hook (after raw): the packet gets its entry, if the namespace tracks. */
  void attach(Packet pkt) {
    if (!on) {
      return; // no conntrack hooks in this namespace: packets stay without an entry
    }
    attached = true;
    if (pkt.family() == Family.IPV6 && pkt.proto() == Protocols.ICMPV6
        && ICMPV6_UNTRACKED.contains(pkt.icmpType())) {
      untracked = true; // icmpv6_error: MLD and ND messages are never tracked
    }
  }

  /** {@code CT --notrack}, which does nothing to a packet that already has an entry (loopback). */
  void notrack() {
    if (!attached) {
      untracked = true;
    }
  }

  /** The state a conntrack match sees now. */
  ConnState state(Packet pkt) {
    if (untracked) {
      return ConnState.UNTRACKED;
    }
    if (!attached) {
      return ConnState.INVALID; // raw runs before conntrack: no entry yet
    }
    return pkt.state();
  }

  /** Whether a state is that of a packet with a connection (neither INVALID nor UNTRACKED). */
  static boolean isConnection(ConnState s) {
    return s != ConnState.INVALID && s != ConnState.UNTRACKED;
  }

  /** Whether the packet has a conntrack entry now. */
  boolean hasConnection(Packet pkt) {
    return isConnection(state(pkt));
  }

  /**
   * The confirm hook (last at POSTROUTING and at INPUT): a new connection of a tracked packet
   * enters the table here, whatever happens to the packet after (a packet the host sends to
   * itself is confirmed on its way out, before it loops back through lo to INPUT).
   */
  void confirm() {
    if (attached && !untracked) {
      confirmed = true;
    }
  }

  /** Whether the packet passed the confirm hook: its connection, if new, is in the table. */
  boolean confirmed() {
    return confirmed;
  }

  /** Whether the packet met the conntrack hook (and so was looked up in the table). */
  boolean attached() {
    return attached;
  }

  /** Whether the nat chains see the packet: the first packet of its connection. */
  boolean natEligible(Packet pkt) {
    if (!hasConnection(pkt) || natDone) {
      return false;
    }
    ConnState s = pkt.state();
    // nf_nat_inet_fn: ICMP errors of a related connection are translated from the master's
    // binding; other related connections start like NEW ones.
    return s == ConnState.NEW || (s == ConnState.RELATED && !pkt.isIcmp());
  }

  /** The state the packet ends its trip with: UNTRACKED after notrack, else its own. */
  ConnState finalState(Packet pkt) {
    return untracked ? ConnState.UNTRACKED : pkt.state();
  }
}
