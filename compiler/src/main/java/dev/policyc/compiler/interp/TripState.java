package dev.policyc.compiler.interp;

import dev.policyc.compiler.interp.Decision.Nat;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Decision.Step;
import dev.policyc.compiler.interp.Stateful.Binding;
import dev.policyc.compiler.interp.Stateful.Tuple;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.dsl.ConnState;
import java.util.ArrayList;
import java.util.List;

/**
 * The mutable state of one packet's trip through the hooks: the packet as it is now, where it
 * is, its conntrack view, the NAT done to it, and what the decision will report (steps, LOG
 * prefixes, MSS, how a table ended it).
 */
final class TripState implements TargetEffects.Scope {
  /** The packet as it entered the host. */
  final Packet original;

  /** The connection's NAT binding when this packet continues a connection of the session. */
  final Binding binding;

  final Conntrack conntrack;

  /** The packet as it is now. */
  Packet packet;

  // ---- where the packet is
  Hook hook;
  /** The interfaces the current hook sees; {@code ""} for none. */
  String inIf = "";

  String outIf = "";

  /** The route the packet leaves by, once POSTROUTING is reached. */
  Route leaving;

  // ---- IPVS
  /** The host's IPVS state, or null. */
  IpvsState ipvs;
  /** {@code skb->ipvs_property}: IPVS sent the packet on, or put an answer's source back. */
  boolean ipvsProperty;
  /** The packet is an answer IPVS recognized (its conntrack entry's reply direction). */
  boolean ipvsReply;

  // ---- NAT done to it
  Nat dnat;
  Nat snat;
  /** A REDIRECT made the destination the host's own: routing delivers it locally. */
  boolean redirected;

  // ---- what the decision reports
  final List<Step> path = new ArrayList<>();
  final List<String> logs = new ArrayList<>();
  /** Rules tested so far. */
  int evaluated;
  Integer mss;
  /** How the last table that ended the packet ended it (DROPPED or REJECTED), and the answer. */
  Outcome ended;

  String rejectWith;

  TripState(Packet packet, Binding binding, Conntrack conntrack) {
    this.original = packet;
    this.packet = packet;
    this.binding = binding;
    this.conntrack = conntrack;
  }

  /** What the matches of a rule see now. */
  MatchInput matchInput() {
    ConnState state = conntrack.state(packet);
    boolean snatted = false;
    boolean dnatted = false;
    if (Conntrack.isConnection(state)) {
      // IPS_SRC_NAT / IPS_DST_NAT: set when a NAT binding changed the connection's tuple
      if (binding != null) {
        Tuple o = binding.original();
        Tuple t = binding.translated();
        snatted = !t.src().equals(o.src()) || t.sport() != o.sport();
        dnatted = !t.dst().equals(o.dst()) || t.dport() != o.dport();
      } else {
        boolean ports = packet.hasPorts();
        snatted = snat != null && (!packet.src().equals(original.src())
            || ports && packet.sport() != original.sport());
        dnatted = dnat != null && (!packet.dst().equals(original.dst())
            || ports && packet.dport() != original.dport());
      }
    }
    return new MatchInput(packet, inIf, outIf, state, original, snatted, dnatted, ipvsProperty,
        ipvs, ipvsReply || binding != null && binding.reply());
  }

  // ---- TargetEffects.Scope

  @Override
  public Packet packet() {
    return packet;
  }

  @Override
  public void rewrite(Packet changed) {
    packet = changed;
  }

  @Override
  public Hook hook() {
    return hook;
  }

  @Override
  public String inIf() {
    return inIf;
  }

  @Override
  public Conntrack conntrack() {
    return conntrack;
  }

  @Override
  public void log(String prefix) {
    logs.add(prefix);
  }

  @Override
  public Integer mss() {
    return mss;
  }

  @Override
  public void mss(int value) {
    mss = value;
  }

  @Override
  public void dnat(Nat rewrite, boolean toHost) {
    dnat = rewrite;
    redirected |= toHost;
  }

  @Override
  public void snat(Nat rewrite) {
    snat = rewrite;
  }

  @Override
  public Route leaving() {
    return leaving;
  }
}
