package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * How the interpreter decides the matches and targets of kube-proxy's text: {@code nfacct}
 * (always matches), {@code --ctstate DNAT} (the connection's destination NAT changed its
 * tuple), {@code recent} (an empty list for one decision, kept by a session or a flow, with
 * its time window, hit count, removal and mask) and {@code MASQUERADE --random-fully}.
 */
class KubeProxyMatchesTest {
  private static IrPolicy policy(String text) throws ParseException {
    Ruleset rs = IptablesSaveReader.read("t.rules", text, Family.IPV4);
    return new IrPolicy("t", null, List.of(), rs, new Ruleset(Family.IPV6, List.of()));
  }

  /** The rules that matched, as table/chain#n, policies as table/chain:policy. */
  private static String path(Decision d) {
    return d.path().stream().map(s -> s.table().iptablesName() + "/" + s.chain()
        + (s.isPolicy() ? ":" + s.policy() : "#" + s.rule())).collect(Collectors.joining(" "));
  }

  @Test
  void nfacctAlwaysMatches() throws ParseException {
    IrPolicy p = policy("*filter\n:INPUT DROP [0:0]\n"
        + "-A INPUT -m nfacct --nfacct-name localhost_nps_accepted_pkts -j ACCEPT\nCOMMIT\n");
    Decision d = Interpreter.decide(p, Packet.parse("udp 192.0.2.1:5 -> 192.0.2.2:53 in eth0"));
    assertEquals(Decision.Outcome.DELIVERED, d.outcome());
    assertEquals("filter/INPUT#1", path(d));
  }

  private static final String DNAT_RULES = "*nat\n:PREROUTING ACCEPT [0:0]\n"
      + "-A PREROUTING -d 10.96.0.1 -p tcp -m tcp --dport 80 -j DNAT --to-destination"
      + " 10.180.0.1:8080\n"
      + "-A PREROUTING -d 10.96.0.2 -p tcp -m tcp --dport 80 -j DNAT --to-destination"
      + " 10.96.0.2:80\nCOMMIT\n"
      + "*filter\n:FORWARD DROP [0:0]\n"
      + "-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT\n"
      + "-A FORWARD -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j REJECT\nCOMMIT\n";

  @Test
  void ctstateDnatIsAConnectionWhoseDestinationNatChangedItsTuple() throws ParseException {
    IrPolicy p = policy(DNAT_RULES);
    Decision dnatted = Interpreter.decide(p,
        Packet.parse("tcp 192.0.2.1:4000 -> 10.96.0.1:80 in eth0 out eth1"));
    assertEquals("nat/PREROUTING#1 filter/FORWARD#1", path(dnatted));
    // a DNAT to the packet's own destination changes no tuple: no IPS_DST_NAT
    Decision same = Interpreter.decide(p,
        Packet.parse("tcp 192.0.2.1:4000 -> 10.96.0.2:80 in eth0 out eth1"));
    assertEquals("nat/PREROUTING#2 filter/FORWARD#2", path(same));
    assertEquals(Decision.Outcome.REJECTED, same.outcome());
    Decision none = Interpreter.decide(p,
        Packet.parse("tcp 192.0.2.1:4000 -> 10.96.0.3:80 in eth0 out eth1"));
    assertEquals("nat/PREROUTING:ACCEPT filter/FORWARD#2", path(none));
  }

  @Test
  void aFlowsLaterPacketsAndAnswersKeepTheConnectionsDnatState() throws ParseException {
    FlowSession s = new FlowSession(policy(DNAT_RULES));
    s.decide(FlowLine.parse("tcp 192.0.2.1:4000 -> 10.96.0.1:80 in eth0 out eth1 flags SYN"));
    FlowSession.Result reply = s.decide(FlowLine.parse("reply flags SYN,ACK"));
    // the answer skips nat, and its connection is DNATed: the first FORWARD rule
    assertEquals("filter/FORWARD#1", path(reply.decision()));
    FlowSession.Result ack = s.decide(FlowLine.parse(
        "tcp 192.0.2.1:4000 -> 10.96.0.1:80 in eth0 out eth1 flags ACK"));
    assertEquals("filter/FORWARD#1", path(ack.decision()));
  }

  /** ClientIP affinity as kube-proxy writes it, two endpoints, the check before the choice. */
  private static final String AFFINITY = "*nat\n:PREROUTING ACCEPT [0:0]\n:SVC - [0:0]\n"
      + ":SEP-A - [0:0]\n:SEP-B - [0:0]\n"
      + "-A PREROUTING -d 10.96.3.3 -p tcp -m tcp --dport 80 -j SVC\n"
      + "-A SEP-A -m recent --name SEP-A --set -m tcp -p tcp -j DNAT --to-destination"
      + " 10.180.6.1:8080\n"
      + "-A SEP-B -m recent --name SEP-B --set -m tcp -p tcp -j DNAT --to-destination"
      + " 10.180.6.2:8080\n"
      + "-A SVC -m recent --name SEP-A --rcheck --seconds 10 --reap -j SEP-A\n"
      + "-A SVC -m recent --name SEP-B --rcheck --seconds 10 --reap -j SEP-B\n"
      + "-A SVC -m statistic --mode random --probability 0.5000000000 -j SEP-A\n"
      + "-A SVC -j SEP-B\nCOMMIT\n";

  @Test
  void oneDecisionStartsFromEmptyLists() throws ParseException {
    IrPolicy p = policy(AFFINITY);
    // random 0: the statistic rule matches (below 2^30); random 2^30 does not
    Decision a = Interpreter.decide(p,
        Packet.parse("tcp 192.0.2.1:4000 -> 10.96.3.3:80 in eth0 out eth1 random 0"));
    assertEquals("nat/PREROUTING#1 nat/SVC#3 nat/SEP-A#1", path(a));
    Decision b = Interpreter.decide(p,
        Packet.parse("tcp 192.0.2.1:4000 -> 10.96.3.3:80 in eth0 out eth1 random 1073741824"));
    assertEquals("nat/PREROUTING#1 nat/SVC#4 nat/SEP-B#1", path(b));
    assertEquals(IpAddr.parse("10.180.6.2"), b.dnat().addr());
    // the list a decision set is not kept for the next
    assertEquals(path(a), path(Interpreter.decide(p,
        Packet.parse("tcp 192.0.2.1:4001 -> 10.96.3.3:80 in eth0 out eth1 random 0"))));
  }

  @Test
  void aFlowRemembersTheEndpointForTheClientWithinTheWindow() throws ParseException {
    FlowSession s = new FlowSession(policy(AFFINITY));
    FlowSession.Result first = s.decide(FlowLine.parse(
        "tcp 192.0.2.1:4000 -> 10.96.3.3:80 in eth0 out eth1 random 1073741824"));
    assertEquals("nat/PREROUTING#1 nat/SVC#4 nat/SEP-B#1", path(first.decision()));
    // a new connection of the same client, whatever its draw: the check finds SEP-B
    FlowSession.Result again = s.decide(FlowLine.parse(
        "at 9s tcp 192.0.2.1:4001 -> 10.96.3.3:80 in eth0 out eth1 random 0"));
    assertEquals("nat/PREROUTING#1 nat/SVC#2 nat/SEP-B#1", path(again.decision()));
    // another client has no entry
    FlowSession.Result other = s.decide(FlowLine.parse(
        "at 9s tcp 192.0.2.7:4000 -> 10.96.3.3:80 in eth0 out eth1 random 0"));
    assertEquals("nat/PREROUTING#1 nat/SVC#3 nat/SEP-A#1", path(other.decision()));
    // the set at 9 s renewed the client's entry; 10 s after it, it has expired
    FlowSession.Result late = s.decide(FlowLine.parse(
        "at 19.5s tcp 192.0.2.1:4002 -> 10.96.3.3:80 in eth0 out eth1 random 0"));
    assertEquals("nat/PREROUTING#1 nat/SVC#3 nat/SEP-A#1", path(late.decision()));
  }

  @Test
  void updateHitcountRemoveAndMaskFollowRecentMt() throws ParseException {
    IrPolicy p = policy("*filter\n:INPUT ACCEPT [0:0]\n"
        + "-A INPUT -p tcp -m tcp --dport 1 -m recent --name R --set --mask 255.255.255.0\n"
        + "-A INPUT -p tcp -m tcp --dport 2 -m recent --name R --update --seconds 60"
        + " --hitcount 3 --mask 255.255.255.0 -j DROP\n"
        + "-A INPUT -p tcp -m tcp --dport 3 -m recent --name R --remove --mask 255.255.255.0"
        + "\nCOMMIT\n");
    Interpreter session = Interpreter.session(p);
    String client = "tcp 192.0.2.1:4000 -> 198.51.100.1:";
    assertEquals("filter/INPUT#1 filter/INPUT:ACCEPT",
        path(session.decide(Packet.parse(client + "1 in eth0"))));
    // one stamp: --hitcount 3 fails, and an update that fails records nothing
    assertEquals("filter/INPUT:ACCEPT", path(session.decide(Packet.parse(client + "2 in eth0"))));
    session.decide(Packet.parse("tcp 192.0.2.200:4000 -> 198.51.100.1:1 in eth0")); // same /24
    assertEquals("filter/INPUT:ACCEPT", path(session.decide(Packet.parse(client + "2 in eth0"))));
    session.decide(Packet.parse(client + "1 in eth0"));
    // three stamps: matches, and the update adds a fourth
    assertEquals("filter/INPUT#2", path(session.decide(Packet.parse(client + "2 in eth0"))));
    assertEquals("filter/INPUT#3 filter/INPUT:ACCEPT",
        path(session.decide(Packet.parse(client + "3 in eth0"))));
    // removed: nothing to update or remove
    assertEquals("filter/INPUT:ACCEPT", path(session.decide(Packet.parse(client + "2 in eth0"))));
    assertEquals("filter/INPUT:ACCEPT", path(session.decide(Packet.parse(client + "3 in eth0"))));
  }

  @Test
  void masqueradeRandomFullyPicksFromThePortClassNeverKeepingThePort() throws ParseException {
    IrPolicy p = policy("*nat\n:POSTROUTING ACCEPT [0:0]\n"
        + "-A POSTROUTING -p tcp -m tcp --dport 80 -j MASQUERADE --random-fully\n"
        + "-A POSTROUTING -j MASQUERADE\nCOMMIT\n");
    Decision d = Interpreter.decide(p,
        Packet.parse("tcp 10.0.0.5:40000 -> 203.0.113.9:80 in eth1 out eth0"));
    assertEquals(new PortRange(1024, 65535), d.snat().ports());
    Decision low = Interpreter.decide(p,
        Packet.parse("tcp 10.0.0.5:700 -> 203.0.113.9:80 in eth1 out eth0"));
    assertEquals(new PortRange(600, 1023), low.snat().ports());
    Decision plain = Interpreter.decide(p,
        Packet.parse("tcp 10.0.0.5:40000 -> 203.0.113.9:81 in eth1 out eth0"));
    assertEquals(PortRange.of(40000), plain.snat().ports());
    assertNull(plain.dnat());
  }
}
