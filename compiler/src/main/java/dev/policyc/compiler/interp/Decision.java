package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
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
 * @param evaluated how many rules the packet was tested against on its way, in every table and
 *     hook: the work a linear rule scan does for it (what the optimizer's decision trees cut)
 * @param ipvs the IPVS virtual service and real server the packet went to, or null
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
    Integer mss,
    int evaluated,
    IpvsState.Hit ipvs) {

  /** A decision without IPVS. */
  public Decision(Outcome outcome, String rejectWith, List<Step> path, Packet after,
      String outIface, ConnState state, Nat dnat, Nat snat, List<String> logs, Integer mss,
      int evaluated) {
    this(outcome, rejectWith, path, after, outIface, state, dnat, snat, logs, mss, evaluated,
        null);
  }

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
   * What the packet's trip did, without the path: how it ended, the answer sent, where it left,
   * the NAT rewrites, the packet as it left (addresses, ports, marks, TOS, TTL, length), its
   * final conntrack state, the LOG prefixes and the MSS set. Two rule sets that mean the same
   * give every packet equal effects, whichever rules they took to get there.
   */
  public Effect effect() {
    return new Effect(outcome, rejectWith, outIface, dnat, snat, after, state, logs, mss);
  }

  /** A decision without its path; records compare by value. See {@link Decision#effect()}. */
  public record Effect(
      Outcome outcome,
      String answer,
      String outIface,
      Nat dnat,
      Nat snat,
      Packet after,
      ConnState state,
      List<String> logs,
      Integer mss) {
    public Effect {
      logs = List.copyOf(logs);
    }
  }

  /**
   * One rule that matched ({@link Kind#RULE}, with its target), or one chain policy that applied
   * ({@link Kind#POLICY}, with the policy's verdict; {@code rule} 0).
   *
   * @param rule the 1-based position of the rule in its chain; 0 for the chain's policy
   */
  public record Step(
      Hook hook,
      Table table,
      String chain,
      int rule,
      Kind kind,
      Target target,
      Verdict policy,
      Origin origin) {
    public Step {
      if ((kind == Kind.RULE) != (target != null) || (kind == Kind.POLICY) != (policy != null)) {
        throw new IllegalArgumentException(kind + " step with target " + target + " and policy "
            + policy);
      }
    }

    /** The step of a rule whose matches held. */
    public static Step rule(Hook hook, Table table, String chain, int rule, Target target,
        Origin origin) {
      return new Step(hook, table, chain, rule, Kind.RULE, target, null, origin);
    }

    /** The step of a built-in chain's policy. */
    public static Step policy(Hook hook, Table table, String chain, Verdict policy) {
      return new Step(hook, table, chain, 0, Kind.POLICY, null, policy, Origin.NONE);
    }

    public boolean isPolicy() {
      return kind == Kind.POLICY;
    }

    /** What a step is. */
    public enum Kind {
      /** A rule matched and its target ran. */
      RULE,
      /** The end of a built-in chain (or a RETURN from it) applied the chain's policy. */
      POLICY
    }
  }

  /**
   * An address (and port) rewrite. {@code addr} is null when the address depends on a host model
   * that is not given (MASQUERADE, REDIRECT); {@code ports} is a range when the kernel picks a
   * free port from it at random, else a single port.
   */
  public record Nat(Kind kind, IpAddr addr, PortRange ports) {
    /** Which rewrite: by a target on a connection's first packet, or from its binding later. */
    public enum Kind {
      DNAT,
      REDIRECT,
      SNAT,
      MASQUERADE,
      /** A later packet of a connection whose first packet was DNATed. */
      CONNECTION_DNAT,
      /** A later packet of a connection whose first packet was SNATed (or masqueraded). */
      CONNECTION_SNAT,
      /** An answer in a connection whose first packet was DNATed: its source is put back. */
      CONNECTION_UNDNAT,
      /** An answer in a connection whose first packet was SNATed: its destination is put back. */
      CONNECTION_UNSNAT
    }
  }
}
