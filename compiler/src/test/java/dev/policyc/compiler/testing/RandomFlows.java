package dev.policyc.compiler.testing;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.FlowSession;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.Random;

/**
 * Random flows in the syntax of {@code policyc explain --flow}, one line at a time: a first
 * packet from {@link RandomPackets}, then answers to the packet before ({@code reply}), ICMP
 * errors about it ({@code reply icmp}), more packets of the first one's connection (TCP as
 * ACK) and new packets, with time stamps that move on by up to three seconds.
 */
public final class RandomFlows {
  private final Random rnd;
  private final RandomPackets packets;
  private long millis;
  private String first;

  public RandomFlows(Random rnd, IrPolicy policy) {
    this.rnd = rnd;
    this.packets = new RandomPackets(rnd, policy);
  }

  /** Starts a new flow (the clock goes on). */
  public void restart() {
    first = null;
  }

  /** The next line, given the result of the line before (null for the first of a flow). */
  public String next(FlowSession.Result previous) {
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

  private static boolean isRequest(Packet p) {
    int t = p.icmpType();
    return p.family() == Family.IPV4 ? t == 8 || t == 13 || t == 15 || t == 17
        : t == 128 || t == 139;
  }

  /** A packet without the state, connection mark and seq a flow computes itself. */
  private String packet() {
    Packet r = packets.next();
    Packet p = new Packet(r.family(), r.src(), r.dst(), r.proto(), r.sport(), r.dport(),
        r.icmpType(), r.icmpCode(), r.tcpFlags(), r.in(), r.out(), ConnState.NEW, r.mark(), 0,
        r.tos(), r.length(), r.ttl(), r.fragment(), 0, r.random());
    return p.toString().replace(" state new", "");
  }
}
