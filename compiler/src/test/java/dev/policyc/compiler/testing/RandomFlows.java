package dev.policyc.compiler.testing;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.FlowSession;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Random flows in the syntax of {@code policyc explain --flow}, one line at a time: a first
 * packet from {@link RandomPackets}, then answers to the packet before ({@code reply}), ICMP
 * errors about it ({@code reply icmp}), more packets of the first one's connection (TCP as
 * ACK) and new packets, with time stamps that move on by up to three seconds.
 */
public final class RandomFlows {
  private final Random rnd;
  private final RandomPackets packets;
  /** Turns a generated packet into one that can be sent (the kernel oracle's), or null. */
  private final UnaryOperator<Packet> realize;
  /** The policy's host model, or null. */
  private final HostModel host;
  private long millis;
  private String first;

  public RandomFlows(Random rnd, IrPolicy policy) {
    this.rnd = rnd;
    this.packets = new RandomPackets(rnd, policy);
    this.realize = null;
    this.host = policy.host();
  }

  private RandomFlows(Random rnd, IrPolicy policy, UnaryOperator<Packet> realize) {
    this.rnd = rnd;
    this.packets = new RandomPackets(rnd, policy);
    this.realize = realize;
    this.host = policy.host();
  }

  /**
   * Flows a kernel can be shown, for the kernel oracle: new packets go through {@code realize};
   * no time stamps (the oracle's limits do not refill within a test, and its clock is not the
   * flow's); no ICMP errors (the agent quotes no packet); TCP goes SYN, SYN/ACK, ACK (answers
   * in other phases, FIN and RST are beyond the session's TCP model, see docs/semantics.md);
   * answers only of TCP, UDP and ICMP echo, and only between ordinary unicast addresses (not
   * from a broadcast destination, say).
   */
  public static RandomFlows forKernel(Random rnd, IrPolicy policy, UnaryOperator<Packet> realize) {
    return new RandomFlows(rnd, policy, realize);
  }

  /** Starts a new flow (the clock goes on). */
  public void restart() {
    first = null;
  }

  /** The next line, given the result of the line before (null for the first of a flow). */
  public String next(FlowSession.Result previous) {
    if (realize != null) {
      return nextForKernel(previous);
    }
    String at = "";
    if (rnd.nextBoolean()) {
      millis += rnd.nextInt(3000);
      at = "at " + millis + "ms ";
    }
    if (first == null || previous == null) {
      first = packet();
      return at + first;
    }
    Decision d = previous.decision();
    Packet p = previous.packet();
    boolean answerable = d.outcome().passes()
        && (!p.isIcmp() || isRequest(p) || rnd.nextBoolean());
    int pick = rnd.nextInt(20);
    if (answerable && pick < 8) {
      if (p.isIcmp() && !isRequest(p)) {
        return at + "reply type " + (p.family() == Family.IPV4 ? "3/3" : "1/4");
      }
      String flags = p.proto() == Protocols.TCP && rnd.nextInt(4) == 0
          ? new String[] {" flags RST", " flags FIN,ACK", " flags ACK", " flags SYN"}[
              rnd.nextInt(4)] : "";
      return at + "reply" + flags;
    }
    if (answerable && pick < 10) {
      String from = rnd.nextBoolean() ? ""
          : p.family() == Family.IPV4 ? " from 192.0.2.77" : " from 2001:db8:77::7";
      String type = rnd.nextBoolean() ? "" : p.family() == Family.IPV4 ? " type 11/0"
          : " type 3/0";
      return at + "reply icmp" + from + type;
    }
    if (pick < 15) {
      // the first packet's connection goes on: TCP carries on with ACKs
      String again = first.contains(" flags ") ? first.replaceAll(" flags [A-Z,]+", " flags ACK")
          : first;
      return at + again;
    }
    first = packet();
    return at + first;
  }

  private String nextForKernel(FlowSession.Result previous) {
    if (first == null || previous == null) {
      first = packet();
      return first;
    }
    Packet p = previous.packet();
    Packet left = previous.decision().after();
    boolean tracked = p.proto() == Protocols.TCP || p.proto() == Protocols.UDP
        || (p.isIcmp() && isRequest(p));
    // the answer goes to the packet's source and comes from its destination: both ordinary
    // unicast addresses (no host sends from a broadcast address: ip_route_output_key_hash_rcu
    // refuses a limited broadcast, multicast or zero source)
    boolean ordinary = ordinary(left.src()) && ordinary(left.dst()) && !left.fragment();
    int pick = rnd.nextInt(10);
    if (previous.decision().outcome().passes() && tracked && ordinary && pick < 5) {
      return "reply";
    }
    if (pick < 8) {
      // the first packet's connection goes on; TCP with an ACK once an answer was seen
      boolean answered = previous.event() == FlowSession.Event.REPLY;
      return answered && first.contains(" flags ")
          ? first.replaceAll(" flags [A-Z,]+", " flags ACK") : first;
    }
    first = packet();
    return first;
  }

  private boolean ordinary(IpAddr a) {
    return !a.isMin() && !Netfilter.isMulticast(a) && !Netfilter.isLoopback(a)
        && !Netfilter.V6_MAPPED.contains(a) && (host == null || !host.isBroadcast(a));
  }

  private static boolean isRequest(Packet p) {
    int t = p.icmpType();
    return p.family() == Family.IPV4 ? t == 8 || t == 13 || t == 15 || t == 17
        : t == 128 || t == 139;
  }

  /** A packet without the state, connection mark and seq a flow computes itself. */
  private String packet() {
    Packet r = realize == null ? packets.next() : realize.apply(packets.next());
    Packet p = new Packet(r.family(), r.src(), r.dst(), r.proto(), r.sport(), r.dport(),
        r.icmpType(), r.icmpCode(), r.tcpFlags(), r.in(), r.out(), ConnState.NEW, r.mark(), 0,
        r.tos(), r.length(), r.ttl(), r.fragment(), 0, r.random());
    return p.toString().replace(" state new", "");
  }
}
