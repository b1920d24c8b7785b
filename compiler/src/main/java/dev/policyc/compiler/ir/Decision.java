package dev.policyc.compiler.ir;

import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Table;
import java.util.List;

/**
 * What the host does with a packet: the outcome, every rule and policy that applied on the way
 * (in order), and the packet as it leaves.
 *
 * @param after the packet after every rewrite (NAT, marks, TOS, TTL)
 * @param outIface the interface the packet leaves by ({@code lo} for local delivery of a locally
 *     sent packet), or null when it does not leave
 * @param state the conntrack state the packet ended with (UNTRACKED after notrack)
 * @param dnat the destination rewrite, or null
 * @param snat the source rewrite, or null
 * @param logs the prefixes of LOG targets hit, in order
 * @param mss the MSS a TCPMSS target set (0 for clamp-to-pmtu), or null
 */
public record Decision(
    Outcome outcome,
    String rejectWith,
    List<Step> path,
    Packet after,
    String outIface,
    ConnState state,
    Nat dnat,
    Nat snat,
    List<String> logs,
    Integer mss) {

  public Decision {
    path = List.copyOf(path);
    logs = List.copyOf(logs);
  }

  /** What happened to the packet in the end. */
  public enum Outcome {
    /** Delivered to a local socket. */
    DELIVERED,
    /** Forwarded out of {@link Decision#outIface()}. */
    FORWARDED,
    /** Sent by the host out of {@link Decision#outIface()}. */
    SENT,
    /** Dropped by a rule or a policy. */
    DROPPED,
    /** Rejected: dropped and answered with {@link Decision#rejectWith()}. */
    REJECTED,
    /** No route to the destination. */
    NO_ROUTE,
    /** Not for this host, and the host does not forward. */
    NOT_FORWARDED,
    /** TTL (hop limit) ran out while forwarding. */
    TTL_EXCEEDED,
    /** Dropped by the routing code as a martian (an impossible source or destination). */
    MARTIAN,
    /** A non-first IPv4 fragment held for reassembly that never completes. */
    HELD;

    public boolean passes() {
      return this == DELIVERED || this == FORWARDED || this == SENT;
    }
  }

  /**
   * One rule that matched, or one chain policy that applied ({@code rule} 0).
   *
   * @param rule the 1-based position of the rule in its chain; 0 for the chain's policy
   * @param action what it did: the target's name, {@code jump X}, or {@code policy DROP}
   */
  public record Step(Hook hook, Table table, String chain, int rule, String action, Origin origin) {
    public boolean isPolicy() {
      return rule == 0;
    }

    @Override
    public String toString() {
      return table.iptablesName() + "/" + chain + (rule == 0 ? " policy" : " #" + rule) + " "
          + action;
    }
  }

  /**
   * An address (and port) rewrite. {@code addr} is null when the address depends on a host model
   * that is not given (MASQUERADE, REDIRECT); {@code ports} is a range when the kernel picks a
   * free port from it at random, else a single port.
   */
  public record Nat(String kind, IpAddr addr, PortRange ports) {
    @Override
    public String toString() {
      String a = addr == null ? "(an address of the interface)" : addr.toString();
      return kind + " to " + a + (ports == null ? "" : ":" + (ports.isSingle()
          ? Integer.toString(ports.lo())
          : ports.lo() + "-" + ports.hi()));
    }
  }
}
