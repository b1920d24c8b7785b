package dev.policyc.compiler.interp;

import dev.policyc.dsl.ConnState;
import java.util.Objects;

/**
 * What a match sees of a packet at one point of its trip: everything {@link MatchEvaluator}
 * needs beyond the policy, so a caller without a trip (an equivalence checker, a generated
 * classifier's test) can ask it too.
 *
 * @param packet the packet as it is now (after earlier rewrites)
 * @param inIf the input interface the hook sees, {@code ""} for none (OUTPUT, POSTROUTING)
 * @param outIf the output interface the hook sees, {@code ""} for none (PREROUTING, INPUT)
 * @param ctState the state a conntrack match sees now: INVALID before the conntrack hook,
 *     UNTRACKED after notrack
 * @param original the packet as it entered the host: without a host model it says which
 *     addresses are the host's own ({@code addrtype LOCAL})
 * @param snat whether the packet's connection has a source NAT that changed its tuple
 *     ({@code --ctstate SNAT})
 * @param dnat whether it has such a destination NAT ({@code --ctstate DNAT})
 * @param ipvsProperty whether IPVS sent or answered the packet ({@code skb->ipvs_property})
 * @param ipvs the host's IPVS connection entries, which {@code -m ipvs} looks up; null for none
 * @param reply whether the packet travels in its connection's reply direction ({@code -m ipvs
 *     --vdir})
 */
record MatchInput(Packet packet, String inIf, String outIf, ConnState ctState, Packet original,
    boolean snat, boolean dnat, boolean ipvsProperty, IpvsState ipvs, boolean reply) {
  MatchInput {
    Objects.requireNonNull(packet, "packet");
    Objects.requireNonNull(inIf, "inIf");
    Objects.requireNonNull(outIf, "outIf");
    Objects.requireNonNull(ctState, "ctState");
    Objects.requireNonNull(original, "original");
  }

  /** What a match sees of a packet IPVS did not touch. */
  MatchInput(Packet packet, String inIf, String outIf, ConnState ctState, Packet original,
      boolean snat, boolean dnat) {
    this(packet, inIf, outIf, ctState, original, snat, dnat, false, null, false);
  }

  /** What a match sees of a packet whose connection (if any) has no NAT. */
  MatchInput(Packet packet, String inIf, String outIf, ConnState ctState, Packet original) {
    this(packet, inIf, outIf, ctState, original, false, false, false, null, false);
  }

  /**
   * What a match sees of a packet before any rewrite, after the conntrack hook: the interfaces
   * the packet names ({@code ""} for none) and the conntrack state it carries.
   */
  static MatchInput of(Packet packet) {
    return new MatchInput(packet, packet.in() == null ? "" : packet.in(),
        packet.out() == null ? "" : packet.out(), packet.state(), packet);
  }

  /** Whether the packet has a conntrack entry: connmark matches need one. */
  boolean hasConnection() {
    return Conntrack.isConnection(ctState);
  }
}
