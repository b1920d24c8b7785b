package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision.Nat;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.FlowSession.Event;
import dev.policyc.compiler.interp.FlowSession.Result;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.dsl.ConnState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Flows: packets in order through one simulated conntrack table and the per-rule state of
 * {@code limit} and {@code statistic}. Every expectation is worked out by hand from the kernel
 * function cited beside it.
 */
class FlowSessionTest {
  /** A NAT gateway: wan0 public, lan0 private. */
  private static final String GATEWAY = """
      host:
        interfaces:
          wan0: { addresses: [203.0.113.2/24] }
          lan0: { addresses: [10.0.0.1/24] }
        routes:
          - { to: default, via: 203.0.113.1, dev: wan0 }
      """;

  private static IrPolicy compile(String... parts) {
    String yaml = "policy: test\n" + String.join("", parts);
    PolicyCompiler.ReadResult read = PolicyCompiler.read("test.yaml", yaml);
    assertTrue(read.diagnostics().isEmpty(), () -> read.diagnostics() + "\n" + yaml);
    Compilation r = PolicyCompiler.compile(read.policy(),
        new CompileOptions(OptLevel.O0, false, false));
    assertTrue(r.ok(), () -> r.diagnostics() + "\n" + yaml);
    return r.ir();
  }

  private static Result line(FlowSession s, String text) {
    return s.decide(FlowLine.parse(text));
  }

  private static boolean touchesNat(Result r) {
    return r.decision().path().stream().anyMatch(st -> st.table().iptablesName().equals("nat"));
  }

  /**
   * The finding of issue 14: the third packet of a handshake through a port forward is
   * forwarded to the DNAT target, because the connection's binding (set up by the SYN in nat
   * PREROUTING) rewrites every later packet; the SYN/ACK gets the DNAT undone on its way back.
   * Neither touches a nat chain (nf_nat_inet_fn: only a connection's first packet does).
   */
  @Test
  void handshakeThroughDnatInBothDirections() {
    FlowSession s = new FlowSession(compile(GATEWAY, """
        nat:
          PREROUTING:
            - match: { in: wan0, proto: tcp, dport: "2222" }
              action: { dnat: "10.0.0.5:22" }
        filter:
          FORWARD:
            policy: DROP
            rules:
              - { match: { state: established }, action: accept }
              - { match: { in: wan0, out: lan0, proto: tcp, dport: "22", state: new },
                  action: accept }
        """));
    Result syn = line(s, "tcp 198.51.100.8:41000 -> 203.0.113.2:2222 in wan0 flags SYN");
    assertEquals(ConnState.NEW, syn.packet().state());
    assertEquals(Event.CREATED, syn.event());
    assertEquals(Outcome.FORWARDED, syn.decision().outcome());
    assertEquals("lan0", syn.decision().outIface());
    assertEquals(Nat.Kind.DNAT, syn.decision().dnat().kind());
    assertTrue(touchesNat(syn));
    assertEquals(1, syn.connection().id());
    assertEquals("tcp 198.51.100.8:41000 -> 203.0.113.2:2222", syn.connection().original());
    assertEquals("tcp 10.0.0.5:22 -> 198.51.100.8:41000", syn.connection().reply());

    Result synAck = line(s, "at 0.01s reply");
    assertEquals("tcp 10.0.0.5:22 -> 198.51.100.8:41000 in lan0 state established flags"
        + " SYN,ACK", synAck.packet().toString());
    assertEquals(Event.REPLY, synAck.event());
    assertEquals(Outcome.FORWARDED, synAck.decision().outcome());
    assertEquals("wan0", synAck.decision().outIface());
    assertEquals(Nat.Kind.CONNECTION_UNDNAT, synAck.decision().snat().kind());
    assertEquals(IpAddr.parse("203.0.113.2"), synAck.decision().after().src());
    assertEquals(2222, synAck.decision().after().sport());
    assertTrue(!touchesNat(synAck));
    assertTrue(synAck.connection().replied());

    Result ack = line(s, "at 0.02s tcp 198.51.100.8:41000 -> 203.0.113.2:2222 in wan0 flags ACK");
    assertEquals(ConnState.ESTABLISHED, ack.packet().state());
    assertEquals(Event.ORIGINAL, ack.event());
    assertEquals(Outcome.FORWARDED, ack.decision().outcome(), "not delivered to the gateway");
    assertEquals("lan0", ack.decision().outIface());
    assertEquals(Nat.Kind.CONNECTION_DNAT, ack.decision().dnat().kind());
    assertEquals(IpAddr.parse("10.0.0.5"), ack.decision().after().dst());
    assertEquals(22, ack.decision().after().dport());
    assertTrue(!touchesNat(ack));
    assertEquals(1, ack.connection().id());
  }

  /**
   * The first packet's state is NEW until an answer is seen (resolve_normal_ct: IP_CT_NEW
   * without IPS_SEEN_REPLY); a retransmitted SYN is NEW too, and its NAT is not decided again.
   */
  @Test
  void theOriginalDirectionIsNewUntilAnAnswerIsSeen() {
    FlowSession s = new FlowSession(compile(GATEWAY, """
        nat:
          PREROUTING:
            - { match: { in: wan0, proto: tcp, dport: "2222" }, action: { dnat: "10.0.0.5:22" } }
        """));
    line(s, "tcp 198.51.100.8:41000 -> 203.0.113.2:2222 in wan0 flags SYN");
    Result again = line(s, "at 1s tcp 198.51.100.8:41000 -> 203.0.113.2:2222 in wan0 flags SYN");
    assertEquals(ConnState.NEW, again.packet().state());
    assertEquals(Event.ORIGINAL, again.event());
    assertTrue(!touchesNat(again));
    assertEquals(Nat.Kind.CONNECTION_DNAT, again.decision().dnat().kind());
  }

  /**
   * MASQUERADE (and SNAT) replies: the answer comes to the masqueraded address and port, is
   * recognized by the reversed tuple of the packet as it left, and gets its destination put back
   * in PREROUTING (before routing, so it is forwarded to the LAN). UDP answers are ESTABLISHED.
   */
  @Test
  void snatAndMasqueradeRepliesComeBackToTheClient() {
    for (String action : List.of("masquerade", "{ snat: 203.0.113.9 }")) {
      FlowSession s = new FlowSession(compile(GATEWAY, """
          nat:
            POSTROUTING:
              - { match: { out: wan0 }, action: %s }
          filter:
            FORWARD:
              policy: DROP
              rules:
                - { match: { state: [established, related] }, action: accept }
                - { match: { in: lan0, out: wan0 }, action: accept }
          """.formatted(action)));
      Result query = line(s, "udp 10.0.0.7:5353 -> 198.51.100.53:53 in lan0");
      assertEquals(Outcome.FORWARDED, query.decision().outcome(), action);
      IpAddr outside = query.decision().after().src();
      assertEquals(action.equals("masquerade") ? "203.0.113.2" : "203.0.113.9",
          outside.toString());
      Result answer = line(s, "reply");
      assertEquals("udp 198.51.100.53:53 -> " + outside + ":5353 in wan0 state established",
          answer.packet().toString());
      assertEquals(Event.REPLY, answer.event());
      assertEquals(Nat.Kind.CONNECTION_UNSNAT, answer.decision().dnat().kind());
      assertEquals(Outcome.FORWARDED, answer.decision().outcome());
      assertEquals("lan0", answer.decision().outIface());
      assertEquals(IpAddr.parse("10.0.0.7"), answer.decision().after().dst());
      assertEquals(5353, answer.decision().after().dport());
      Result next = line(s, "udp 10.0.0.7:5353 -> 198.51.100.53:53 in lan0");
      assertEquals(ConnState.ESTABLISHED, next.packet().state(), "an answer was seen");
      assertEquals(Nat.Kind.CONNECTION_SNAT, next.decision().snat().kind());
    }
  }

  /**
   * nf_conntrack_inet_error: an ICMP error is RELATED when the packet it quotes, reversed, is a
   * tuple of a connection whose tuple in that direction goes to the error's destination; the
   * error is translated with the connection's binding (nf_nat_icmp_reply_translation), so a
   * time-exceeded from a router on the way reaches the masqueraded client.
   */
  @Test
  void anIcmpErrorAboutANatedConnectionIsRelatedAndTranslated() {
    FlowSession s = new FlowSession(compile(GATEWAY, """
        nat:
          POSTROUTING:
            - { match: { out: wan0 }, action: masquerade }
        filter:
          FORWARD:
            policy: DROP
            rules:
              - { match: { state: related }, action: { log: "related" } }
              - { match: { state: [established, related] }, action: accept }
              - { match: { in: lan0, out: wan0 }, action: accept }
        """));
    line(s, "udp 10.0.0.7:33434 -> 198.51.100.53:33435 in lan0 ttl 2");
    Result error = line(s, "reply icmp from 198.51.100.1 type time-exceeded");
    assertEquals("icmp 198.51.100.1 -> 203.0.113.2 in wan0 state related type 11/0",
        error.packet().toString());
    assertEquals(Event.RELATED, error.event());
    assertEquals(1, error.connection().id());
    assertEquals(Outcome.FORWARDED, error.decision().outcome());
    assertEquals(IpAddr.parse("10.0.0.7"), error.decision().after().dst());
    assertEquals(Nat.Kind.CONNECTION_UNSNAT, error.decision().dnat().kind());
    assertEquals(List.of("related"), error.decision().logs());

    // the same error quoting nothing the table knows is INVALID, and dropped
    Result stray = line(s, "icmp 198.51.100.1 -> 203.0.113.2 in wan0 type time-exceeded");
    assertEquals(ConnState.INVALID, stray.packet().state());
    assertEquals(Event.INVALID, stray.event());
    assertNull(stray.connection());
  }

  /**
   * limit_mt: each limit match has its own bucket, full at load, that only the packets reaching
   * it drain, and that refills with the time elapsed (cost avg, cap avg × burst).
   */
  @Test
  void limitBucketsAreThoseOfEachRuleAndRefillWithTime() {
    FlowSession s = new FlowSession(compile("""
        filter:
          INPUT:
            - { match: { proto: icmp, limit: { rate: 1/second, burst: 2 } }, action: accept }
            - { match: { limit: { rate: 5/minute, burst: 5 } }, action: { log: "late" } }
        """));
    String ping = "icmp 192.0.2.1 -> 192.0.2.2 in eth0 type echo-request";
    List<List<String>> logs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      logs.add(line(s, ping).decision().logs());
    }
    // two pass the first rule; the second rule's bucket sees packets 3 to 8 only: 5 tokens
    assertEquals(List.of(List.of(), List.of(), List.of("late"), List.of("late"), List.of("late"),
        List.of("late"), List.of("late"), List.of()), logs);
    // half a second refills half a token of the first rule: not enough
    assertEquals(List.of(), line(s, "at 0.5s " + ping).decision().logs());
    assertEquals(Outcome.DELIVERED, line(s, "at 1s " + ping).decision().outcome());
    // ten seconds later the bucket is full again, two tokens and no more
    assertTrue(line(s, "at 11s " + ping).decision().logs().isEmpty());
    assertTrue(line(s, "at 11s " + ping).decision().logs().isEmpty());
    assertEquals(List.of(), line(s, "at 11s " + ping).decision().logs(),
        "the second rule's bucket got 11 s × 5/60 s < 1 token back");
    // 12 s more: the first rule's bucket is full again (two tokens), and the second rule has
    // had 0.5 s + 10.5 s + 12 s since it was last emptied: one token of 5/minute (12 s)
    assertTrue(line(s, "at 23s " + ping).decision().logs().isEmpty());
    assertTrue(line(s, "at 23s " + ping).decision().logs().isEmpty());
    assertEquals(List.of("late"), line(s, "at 23s " + ping).decision().logs());
    assertEquals(List.of(), line(s, "at 23s " + ping).decision().logs());
  }

  /**
   * statistic_mt keeps one counter per match, moved on only by the packets that reach it, and
   * only a connection's first packet traverses nat: with every 3 / every 2 / the rest, new
   * connections go round robin, and a connection's later packets do not count.
   */
  @Test
  void nthCountersAreThoseOfEachRule() {
    FlowSession s = new FlowSession(compile(GATEWAY, """
        nat:
          PREROUTING:
            - { match: { in: wan0, statistic: { every: 3 } }, action: { dnat: 10.0.0.11 } }
            - { match: { in: wan0, statistic: { every: 2 } }, action: { dnat: 10.0.0.12 } }
            - { match: { in: wan0 }, action: { dnat: 10.0.0.13 } }
        """));
    List<String> to = new ArrayList<>();
    for (int port = 40001; port <= 40006; port++) {
      to.add(line(s, "tcp 198.51.100.8:" + port + " -> 203.0.113.2:80 in wan0")
          .decision().after().dst().toString());
      // a later packet of the same connection: no nat chain, no counter moves
      line(s, "tcp 198.51.100.8:" + port + " -> 203.0.113.2:80 in wan0 flags ACK");
    }
    assertEquals(List.of("10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.11", "10.0.0.12",
        "10.0.0.13"), to);
  }

  /** CONNMARK writes the connection's mark, which every later packet of it carries. */
  @Test
  void theConnectionMarkIsKeptPerConnection() {
    FlowSession s = new FlowSession(compile("""
        mangle:
          PREROUTING:
            - match: { state: new, proto: tcp, dport: "22" }
              action: { connmark: { set: "0x7" } }
        filter:
          INPUT:
            - { match: { connmark: "0x7" }, action: { log: "ssh-connection" } }
        """));
    assertEquals(List.of("ssh-connection"),
        line(s, "tcp 192.0.2.1:40000 -> 192.0.2.2:22 in eth0").decision().logs());
    Result other = line(s, "tcp 192.0.2.1:40001 -> 192.0.2.2:80 in eth0");
    assertEquals(List.of(), other.decision().logs());
    Result later = line(s, "tcp 192.0.2.1:40000 -> 192.0.2.2:22 in eth0 flags ACK");
    assertEquals(0x7L, later.packet().ctmark());
    assertEquals(List.of("ssh-connection"), later.decision().logs());
    assertEquals(0x7L, later.connection().mark());
  }

  /**
   * An echo reply without its request is INVALID (the ICMPv6 tracker starts connections for
   * requests only); the answer to a request is ESTABLISHED.
   */
  @Test
  void anEchoReplyIsEstablishedOnlyAfterItsRequest() {
    FlowSession s = new FlowSession(compile("""
        filter:
          INPUT:
            - { match: { state: [established, invalid] }, action: { log: "seen" } }
        """));
    Result stray = line(s, "icmp 2001:db8::1 -> 2001:db8::2 in eth0 type echo-reply");
    assertEquals(ConnState.INVALID, stray.packet().state());
    Result request = line(s, "icmp 2001:db8::2 -> 2001:db8::1 out eth0 type echo-request");
    assertEquals(Event.CREATED, request.event());
    Result reply = line(s, "reply");
    assertEquals("ipv6-icmp 2001:db8::1 -> 2001:db8::2 in eth0 state established type 129/0",
        reply.packet().toString());
    assertEquals(Event.REPLY, reply.event());
    assertEquals(Outcome.DELIVERED, reply.decision().outcome());
  }

  /**
   * A reset closes a TCP connection; a new SYN on its tuple starts a new one (the kernel kills
   * the closed entry), whose NAT is decided again.
   */
  @Test
  void aSynAfterAResetStartsANewConnection() {
    FlowSession s = new FlowSession(compile(GATEWAY, """
        nat:
          PREROUTING:
            - { match: { in: wan0, proto: tcp, dport: "2222" }, action: { dnat: "10.0.0.5:22" } }
        """));
    line(s, "tcp 198.51.100.8:41000 -> 203.0.113.2:2222 in wan0 flags SYN");
    Result rst = line(s, "reply flags RST,ACK");
    assertTrue(rst.connection().closed());
    Result syn = line(s, "tcp 198.51.100.8:41000 -> 203.0.113.2:2222 in wan0 flags SYN");
    assertEquals(Event.CREATED, syn.event());
    assertEquals(2, syn.connection().id());
    assertTrue(touchesNat(syn));
  }

  /**
   * The flow oracle's third finding: nf_conntrack_tcp_packet kills a connection at once when a
   * reset comes before IPS_SEEN_REPLY (which nf_conntrack_in sets only after it, for an answer),
   * so the next packet on either tuple is the first of a new connection, through nat. After an
   * answer a reset only closes the connection: later packets stay ESTABLISHED in it.
   */
  @Test
  void aResetBeforeAnyAnswerDeletesTheConnection() {
    IrPolicy policy = compile(GATEWAY, """
        nat:
          POSTROUTING:
            - { match: { out: wan0 }, action: masquerade }
        """);
    FlowSession s = new FlowSession(policy);
    String rst = "tcp 10.0.0.7:6533 -> 198.51.100.9:12286 in lan0 flags RST";
    assertEquals(Event.INVALID, line(s, rst).event());
    Result picked = line(s, "reply");
    assertEquals(Event.CREATED, picked.event(), "an ACK, picked up");
    assertEquals("tcp 198.51.100.9:12286 -> 10.0.0.7:6533", picked.connection().original());
    Result reset = line(s, rst);
    assertEquals(Event.REPLY, reset.event());
    assertEquals(ConnState.ESTABLISHED, reset.packet().state());
    assertTrue(reset.connection().deleted());
    Result ack = line(s, "tcp 10.0.0.7:6533 -> 198.51.100.9:12286 in lan0 flags ACK");
    assertEquals(Event.CREATED, ack.event());
    assertEquals(2, ack.connection().id());
    assertEquals(ConnState.NEW, ack.packet().state());
    assertTrue(touchesNat(ack));
    assertEquals(Nat.Kind.MASQUERADE, ack.decision().snat().kind());

    FlowSession answered = new FlowSession(policy);
    line(answered, "tcp 10.0.0.7:6533 -> 198.51.100.9:12286 in lan0 flags SYN");
    line(answered, "reply");
    Result closing = line(answered, rst);
    assertEquals(Event.ORIGINAL, closing.event());
    assertTrue(closing.connection().closed());
    assertTrue(!closing.connection().deleted());
    Result after = line(answered, "tcp 10.0.0.7:6533 -> 198.51.100.9:12286 in lan0 flags ACK");
    assertEquals(Event.ORIGINAL, after.event());
    assertEquals(ConnState.ESTABLISHED, after.packet().state());
    assertEquals(1, after.connection().id());
    assertTrue(!touchesNat(after));
  }

  /**
   * Timeouts are not modelled (docs/semantics.md): a connection stays in the table however long
   * the flow pauses, where the kernel forgets an answered UDP flow after 120 s.
   */
  @Test
  void connectionsDoNotTimeOut() {
    FlowSession s = new FlowSession(compile("""
        filter:
          INPUT:
            - { match: { state: established }, action: { log: "established" } }
        """));
    line(s, "udp 192.0.2.1:5000 -> 192.0.2.2:53 in eth0");
    line(s, "reply");
    Result late = line(s, "at 3600s udp 192.0.2.1:5000 -> 192.0.2.2:53 in eth0");
    assertEquals(ConnState.ESTABLISHED, late.packet().state());
    assertEquals(3_600_000_000L, late.at());
  }

  /** The first packet of a connection that is dropped leaves no entry behind. */
  @Test
  void aDroppedFirstPacketCreatesNoConnection() {
    FlowSession s = new FlowSession(compile("""
        filter:
          INPUT:
            - { match: { proto: tcp, dport: "23" }, action: drop }
            - { match: { state: established }, action: { log: "established" } }
        """));
    Result dropped = line(s, "tcp 192.0.2.1:5000 -> 192.0.2.2:23 in eth0");
    assertEquals(Event.NOT_CREATED, dropped.event());
    assertNull(dropped.connection());
    Result again = line(s, "tcp 192.0.2.1:5000 -> 192.0.2.2:23 in eth0");
    assertEquals(ConnState.NEW, again.packet().state());
    assertThrows(Packet.SyntaxError.class, () -> line(s, "reply"),
        "nothing answers a dropped packet");
  }

  /**
   * The flow oracle's second finding: conntrack confirms a new connection last at POSTROUTING
   * (ipv4_confirm), and a packet the host sends to itself keeps its entry when it loops back
   * through lo (nf_conntrack_in leaves it alone), so a drop in filter INPUT comes too late: the
   * connection stays. The same packet again is NEW in the original direction, does not traverse
   * nat, and its REDIRECT comes from the binding.
   */
  @Test
  void aPacketToTheHostItselfDroppedInInputLeavesItsConnection() {
    FlowSession s = new FlowSession(compile(GATEWAY, """
        nat:
          OUTPUT:
            - { match: { proto: udp }, action: redirect }
        filter:
          INPUT:
            policy: DROP
        """));
    String packet = "udp 10.0.0.1:38890 -> 203.0.114.0:10";
    Result first = line(s, packet);
    assertEquals(Outcome.DROPPED, first.decision().outcome());
    assertTrue(touchesNat(first));
    assertEquals(Event.CREATED, first.event());
    assertEquals("udp 127.0.0.1:10 -> 10.0.0.1:38890", first.connection().reply());
    Result again = line(s, packet);
    assertEquals(Event.ORIGINAL, again.event());
    assertEquals(ConnState.NEW, again.packet().state(), "no answer was seen");
    assertTrue(!touchesNat(again));
    assertEquals(Nat.Kind.CONNECTION_DNAT, again.decision().dnat().kind());
    assertEquals(IpAddr.parse("127.0.0.1"), again.decision().after().dst());
    assertEquals(Outcome.DROPPED, again.decision().outcome());
    assertEquals(1, again.connection().id());
  }

  /**
   * Without a rule that takes a conntrack reference the namespace tracks nothing: no packet
   * makes a connection, and answers are first packets again. notrack in raw keeps a packet out
   * of the table even when the namespace tracks.
   */
  @Test
  void withoutConntrackOrWithNotrackNothingIsRemembered() {
    FlowSession untracked = new FlowSession(compile("""
        filter: { INPUT: { policy: ACCEPT } }
        """));
    Result first = line(untracked, "udp 192.0.2.1:5000 -> 192.0.2.2:53 in eth0");
    assertEquals(Event.NONE, first.event());
    assertNull(first.connection());
    assertEquals(ConnState.NEW, line(untracked, "reply").packet().state());

    FlowSession notrack = new FlowSession(compile("""
        raw:
          PREROUTING:
            - { match: { proto: udp, dport: "53" }, action: notrack }
        filter:
          INPUT:
            - { match: { state: untracked }, action: { log: "untracked" } }
        """));
    Result dns = line(notrack, "udp 192.0.2.1:5000 -> 192.0.2.2:53 in eth0");
    assertEquals(Event.UNTRACKED, dns.event());
    assertEquals(List.of("untracked"), dns.decision().logs());
    Result again = line(notrack, "udp 192.0.2.1:5000 -> 192.0.2.2:53 in eth0");
    assertEquals(Event.UNTRACKED, again.event());
    assertNull(again.connection());
  }

  /**
   * nf_conntrack_inet_error: the connection the quoted packet belongs to must, in that
   * direction, go to the error's destination; an error about it sent elsewhere is INVALID.
   */
  @Test
  void anIcmpErrorToAnotherDestinationIsInvalid() {
    FlowSession s = new FlowSession(compile("""
        filter:
          INPUT:
            - { match: { state: [new, established, related, invalid] }, action: accept }
        """));
    line(s, "udp 192.0.2.2:5000 -> 198.51.100.53:53 out eth0");
    Packet error = Packet.parse("icmp 198.51.100.53 -> 192.0.2.99 in eth0 type 3/3");
    Packet quoted = Packet.parse("udp 192.0.2.2:5000 -> 198.51.100.53:53 out eth0");
    Result r = s.decide(error, 0, quoted);
    assertEquals(ConnState.INVALID, r.packet().state());
    Packet toTheSender = Packet.parse("icmp 198.51.100.53 -> 192.0.2.2 in eth0 type 3/3");
    assertEquals(ConnState.RELATED, s.decide(toTheSender, 0, quoted).packet().state());
  }

  /**
   * The kernel oracle's first flow finding: a source mapping to a port range that lacks the
   * packet's port takes a port of the range at random (get_unique_tuple,
   * nf_nat_l4proto_unique_tuple), here in nat INPUT for a delivered packet. The session kept
   * the packet's own port, 8079, which the kernel never uses: the host's answer went to
   * 2001:db8:9::9:8079, which the session took for the reply direction, while to the kernel it
   * is a new connection (nat OUTPUT and POSTROUTING, sent to 2001:db8:9::9). Now the session
   * takes the range's first port, and a caller that saw the kernel's pick says which.
   */
  @Test
  void aSourcePortPickedAtRandomIsInTheRangeAndTheKernelsPickCanBeGiven() {
    IrPolicy policy = compile("""
        host:
          interfaces:
            eth0: { addresses: [2001:db8:5::3/64] }
          routes:
            - { to: default, via: "2001:db8:5::1", dev: eth0 }
        nat:
          INPUT:
            - match: { proto: tcp, dport: "1000-2000" }
              action: { snat: "[2001:db8:9::9]:20000-30000" }
        filter:
          OUTPUT:
            - { match: { state: established }, action: { log: "established" } }
        """);
    for (Integer picked : new Integer[] {null, 24567}) {
      FlowSession s = new FlowSession(policy);
      Result ack = line(s, "tcp [2001:db8:1:2::ffff]:8079 -> [2001:db8:5::3]:1024 in eth0"
          + " flags ACK");
      assertEquals(Event.CREATED, ack.event());
      assertEquals(Outcome.DELIVERED, ack.decision().outcome());
      assertEquals(Nat.Kind.SNAT, ack.decision().snat().kind());
      assertEquals(new PortRange(20000, 30000), ack.decision().snat().ports());
      assertEquals(20000, ack.decision().after().sport(), "the range's first port, not 8079");
      int port = 20000;
      if (picked != null) {
        ack = s.sourcePortPicked(picked);
        port = picked;
        assertEquals(port, ack.decision().after().sport());
        assertEquals(ack, s.last());
      }
      assertEquals("tcp [2001:db8:5::3]:1024 -> [2001:db8:9::9]:" + port,
          ack.connection().reply());
      Result answer = line(s, "reply");
      assertEquals("tcp [2001:db8:5::3]:1024 -> [2001:db8:9::9]:" + port + " state established"
          + " flags ACK", answer.packet().toString());
      assertEquals(Event.REPLY, answer.event());
      assertEquals(Outcome.SENT, answer.decision().outcome());
      assertEquals(List.of("established"), answer.decision().logs());
      assertEquals(Nat.Kind.CONNECTION_UNSNAT, answer.decision().dnat().kind());
      assertEquals(IpAddr.parse("2001:db8:1:2::ffff"), answer.decision().after().dst());
      assertEquals(8079, answer.decision().after().dport());
      assertTrue(!touchesNat(answer));
      // the packet's own port is no tuple of the connection: a new one, through nat
      Result other = line(s, "tcp [2001:db8:5::3]:1024 -> [2001:db8:9::9]:8079"
          + " flags ACK");
      assertEquals(Event.CREATED, other.event());
      assertEquals(ConnState.NEW, other.packet().state());
      assertEquals(IpAddr.parse("2001:db8:9::9"), other.decision().after().dst());
      assertTrue(touchesNat(other));
    }
    FlowSession s = new FlowSession(policy);
    line(s, "tcp [2001:db8:1:2::ffff]:8079 -> [2001:db8:5::3]:1024 in eth0 flags ACK");
    assertThrows(IllegalArgumentException.class, () -> s.sourcePortPicked(8079));
    line(s, "reply");
    assertThrows(IllegalStateException.class, () -> s.sourcePortPicked(20001),
        "the reply created no connection");
  }

  @Test
  void flowLinesRefuseWhatTheSessionComputesAndTimeThatGoesBack() {
    FlowSession s = new FlowSession(compile("""
        filter: { INPUT: { policy: ACCEPT } }
        """));
    Packet.SyntaxError state = assertThrows(Packet.SyntaxError.class,
        () -> FlowLine.parse("at 1s udp 192.0.2.1:1 -> 192.0.2.2:53 in eth0 state new"));
    assertEquals(47, state.column());
    assertThrows(Packet.SyntaxError.class, () -> FlowLine.parse("at 1.5x udp 1.2.3.4 -> 5.6.7.8"));
    Packet.SyntaxError nothingBefore = assertThrows(Packet.SyntaxError.class,
        () -> line(s, "at 1s reply"));
    assertEquals(7, nothingBefore.column(), "the column of 'reply'");
    assertEquals(250_000L, FlowLine.parse("at 250ms udp 1.2.3.4 -> 5.6.7.8").at());
    assertEquals(1_500_000L, FlowLine.parse("at 1.5s udp 1.2.3.4 -> 5.6.7.8").at());
    line(s, "at 2s udp 192.0.2.1:1 -> 192.0.2.2:53 in eth0");
    assertThrows(Packet.SyntaxError.class,
        () -> line(s, "at 1s udp 192.0.2.1:1 -> 192.0.2.2:53 in eth0"));
    Packet.SyntaxError bad = assertThrows(Packet.SyntaxError.class,
        () -> line(s, "at 3s udp 192.0.2.1:1 -> 192.0.2.2:53 in eth0 ttl 300"));
    assertEquals(51, bad.column());
  }
}
