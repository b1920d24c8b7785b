package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.IpvsState.Hit.Via;
import dev.policyc.compiler.ipvs.IpvsValidator;
import dev.policyc.dsl.Policy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IPVS in a flow session: a connection's first packet is scheduled once, its later packets go
 * to the same real server through IPVS's connection entry (the scheduler does not move), its
 * answers are put back to the virtual service (after conntrack undid the masquerade), a
 * persistence template keeps a client network on one server across connections, and a TCP
 * segment without SYN of no connection is not scheduled (tcp_conn_schedule).
 */
class IpvsFlowTest {
  private static final String POLICY = """
      policy: director
      host:
        interfaces:
          eth0: { addresses: [192.0.2.10/24] }
          eth1: { addresses: [10.1.0.254/24] }
        routes:
          - { to: default, via: 192.0.2.1, dev: eth0 }
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { proto: tcp, dport: ["80", "443"] }, action: accept }
            - { match: { state: [established] }, action: accept }
      nat:
        POSTROUTING:
          rules:
            - { match: { out: eth1, dst: 10.1.0.0/24 }, action: masquerade }
      ipvs:
        services:
          - protocol: tcp
            address: 192.0.2.80
            port: 80
            scheduler: rr
            real-servers:
              - { address: 10.1.0.1, port: 8080, method: masq }
              - { address: 10.1.0.2, port: 8080, method: masq }
              - { address: 10.1.0.3, port: 8080, method: masq }
          - protocol: tcp
            address: 192.0.2.80
            port: 443
            scheduler: rr
            persistence: { timeout: 600, netmask: 255.255.255.0 }
            real-servers:
              - { address: 10.1.0.1, port: 8443, method: masq }
              - { address: 10.1.0.2, port: 8443, method: masq }
      """;

  static FlowSession session() {
    PolicyCompiler.ReadResult read = PolicyCompiler.read("director.yaml", POLICY);
    assertTrue(read.policy() != null, read.diagnostics().toString());
    Policy p = read.policy();
    CheckResult c = PolicyCompiler.check(p);
    assertTrue(c.ok(), c.diagnostics().toString());
    IpvsValidator.Result ipvs = PolicyCompiler.ipvs(p);
    return new FlowSession(c.ir(), ipvs.config());
  }

  private static FlowSession.Result line(FlowSession s, String text) {
    return s.decide(FlowLine.parse(text));
  }

  @Test
  void roundRobinAcrossConnectionsWithTheirLaterPacketsAndAnswers() {
    FlowSession s = session();
    List<String> servers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int port = 40000 + i;
      FlowSession.Result syn = line(s, "tcp 198.51.100.7:" + port + " -> 192.0.2.80:80 in eth0"
          + " flags SYN");
      assertEquals(Outcome.FORWARDED, syn.decision().outcome());
      assertEquals(Via.SCHEDULED, syn.decision().ipvs().via());
      String real = syn.decision().after().dst().toString();
      assertEquals("10.1.0.254", syn.decision().after().src().toString()); // masqueraded
      servers.add(real);
      // the answer comes back to the masquerade address: conntrack undoes the masquerade, IPVS
      // (ip_vs_out at FORWARD) puts the source back to the virtual service
      FlowSession.Result ans = line(s, "reply");
      assertEquals(FlowSession.Event.REPLY, ans.event());
      assertEquals(Outcome.FORWARDED, ans.decision().outcome());
      assertEquals("tcp 192.0.2.80:80 -> 198.51.100.7:" + port,
          ans.decision().after().toString().split(" in | out | state ")[0]);
      assertEquals(Via.REPLY, ans.decision().ipvs().via());
      // the client's ACK: the same connection entry, the same server, the scheduler stays
      FlowSession.Result ack = line(s, "tcp 198.51.100.7:" + port + " -> 192.0.2.80:80 in eth0"
          + " flags ACK");
      assertEquals(FlowSession.Event.ORIGINAL, ack.event());
      assertEquals(Via.CONNECTION, ack.decision().ipvs().via());
      assertEquals(real, ack.decision().after().dst().toString());
      assertEquals("10.1.0.254", ack.decision().after().src().toString());
    }
    // the kernel's list is the reverse of the add order: 3, 2, 1, then 3 again
    assertEquals(List.of("10.1.0.3", "10.1.0.2", "10.1.0.1", "10.1.0.3"), servers);
    // one active connection per scheduling, none for the later packets: 3 has two, 2 and 1 one
    List<Integer> active = new ArrayList<>();
    for (IpvsScheduler.Dest d : s.ipvs().scheduler(s.ipvs().config().services().get(0))
        .dests()) {
      active.add(d.active);
    }
    assertEquals(List.of(2, 1, 1), active);
  }

  @Test
  void persistenceKeepsOneRealServerAcrossConnections() {
    FlowSession s = session();
    List<String> servers = new ArrayList<>();
    for (String client : List.of("198.51.100.7:1000", "198.51.100.99:1001",
        "198.51.100.7:1002", "198.18.0.1:1003", "198.51.100.50:1004")) {
      FlowSession.Result r = line(s, "tcp " + client + " -> 192.0.2.80:443 in eth0 flags SYN");
      assertEquals(Outcome.FORWARDED, r.decision().outcome());
      servers.add(r.decision().after().dst() + (r.decision().ipvs().persistent() ? "*" : ""));
    }
    // 198.51.100.0/24 keeps the first server (from its template, *); 198.18.0.1 gets the next
    assertEquals(List.of("10.1.0.2", "10.1.0.2*", "10.1.0.2*", "10.1.0.1", "10.1.0.2*"),
        servers);
  }

  @Test
  void aSegmentWithoutSynOfNoConnectionIsNotScheduled() {
    FlowSession s = session();
    FlowSession.Result r = line(s, "tcp 198.51.100.7:40000 -> 192.0.2.80:80 in eth0 flags ACK");
    // loose pickup makes it NEW for conntrack, but IPVS leaves it: delivered to the host
    assertNull(r.decision().ipvs());
    assertEquals(Outcome.DELIVERED, r.decision().outcome());
    FlowSession.Result syn = line(s, "tcp 198.51.100.7:40001 -> 192.0.2.80:80 in eth0 flags SYN");
    assertEquals("10.1.0.3", syn.decision().after().dst().toString()); // the first choice still
  }
}
