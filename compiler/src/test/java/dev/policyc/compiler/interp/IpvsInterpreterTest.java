package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.ipvs.IpvsValidator;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.dsl.Policy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The interpreter's IPVS decisions: a packet to a local VIP is scheduled after filter INPUT (a
 * filter DROP keeps it from IPVS), masq rewrites its destination and sends it through OUTPUT and
 * POSTROUTING, where nat masquerades it; gate keeps the destination and routes to the real
 * server; fwmark services take packets by the mark mangle set; persistence keeps a client
 * network on one server; no real server available answers port unreachable.
 */
class IpvsInterpreterTest {
  private static final String POLICY = """
      policy: director
      host:
        interfaces:
          eth0: { addresses: [192.0.2.10/24] }
          eth1: { addresses: [10.1.0.254/24] }
          ipvs0: { addresses: [192.0.2.80/32] }
        routes:
          - { to: default, via: 192.0.2.1, dev: eth0 }
      mangle:
        PREROUTING:
          rules:
            - { match: { proto: tcp, dst: 192.0.2.80, dport: "8443" }, action: { mark: { set: "0x7" } } }
      filter:
        INPUT:
          policy: DROP
          rules:
            - { match: { src: 203.0.113.66 }, action: drop }
            - { match: { proto: tcp, dport: ["80", "443", "8443", "22"] }, action: accept }
        OUTPUT:
          rules:
            - { match: { dst: 10.1.0.9 }, action: drop }
      nat:
        POSTROUTING:
          rules:
            - { match: { out: eth1, dst: 10.1.0.0/24 }, action: masquerade }
      ipvs:
        services:
          - protocol: tcp
            address: 192.0.2.80
            port: 80
            scheduler: wrr
            real-servers:
              - { address: 10.1.0.1, port: 8080, weight: 4, method: masq }
              - { address: 10.1.0.2, port: 8080, weight: 3, method: masq }
              - { address: 10.1.0.3, port: 8080, weight: 2, method: masq }
          - protocol: tcp
            address: 192.0.2.80
            port: 443
            scheduler: rr
            persistence: { timeout: 600, netmask: 255.255.255.0 }
            real-servers:
              - { address: 10.1.0.1, method: gate }
              - { address: 10.1.0.2, method: gate }
          - fwmark: 7
            scheduler: sh
            real-servers:
              - { address: 10.1.0.4, method: masq }
          - protocol: tcp
            address: 192.0.2.80
            port: 22
            real-servers:
              - { address: 10.1.0.9, method: masq }
      """;

  private static Interpreter director() {
    PolicyCompiler.ReadResult read = PolicyCompiler.read("director.yaml", POLICY);
    assertTrue(read.policy() != null, read.diagnostics().toString());
    Policy p = read.policy();
    CheckResult c = PolicyCompiler.check(p);
    assertTrue(c.ok(), c.diagnostics().toString());
    IpvsValidator.Result ipvs = PolicyCompiler.ipvs(p);
    return new Interpreter(c.ir(), ipvs.config());
  }

  @Test
  void masqSchedulesByWrrAndMasqueradesOnTheWayOut() {
    Interpreter in = director();
    List<String> servers = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Decision d = in.decide(Packet.parse("tcp 198.51.100.7:" + (40000 + i)
          + " -> 192.0.2.80:80 in eth0 flags SYN"));
      assertEquals(Outcome.FORWARDED, d.outcome());
      assertEquals("eth1", d.outIface());
      assertEquals(8080, d.after().dport());
      // masqueraded to the director's address on eth1
      assertEquals("10.1.0.254", d.after().src().toString());
      assertEquals("-t 192.0.2.80:80", d.ipvs().service().ipvsadmName());
      servers.add(d.after().dst().toString().substring(7));
    }
    // added 1, 2, 3 with weights 4, 3, 2: the kernel's list is 3, 2, 1 (reference §3.1: CBAABACBACBA)
    assertEquals("321121321321", String.join("", servers).replace(".", ""));
  }

  @Test
  void filterInputComesFirst() {
    Decision d = director().decide(Packet.parse("tcp 203.0.113.66:40000 -> 192.0.2.80:80 in eth0"
        + " flags SYN"));
    assertEquals(Outcome.DROPPED, d.outcome());
    assertNull(d.ipvs());
  }

  @Test
  void gateKeepsTheVipAndPersistenceKeepsTheClientNetwork() {
    Interpreter in = director();
    Decision a = in.decide(Packet.parse("tcp 198.51.100.7:1000 -> 192.0.2.80:443 in eth0 flags SYN"));
    Decision b = in.decide(Packet.parse("tcp 198.51.100.99:1001 -> 192.0.2.80:443 in eth0 flags SYN"));
    Decision c = in.decide(Packet.parse("tcp 198.18.0.1:1002 -> 192.0.2.80:443 in eth0 flags SYN"));
    assertEquals(Outcome.FORWARDED, a.outcome());
    assertEquals("192.0.2.80", a.after().dst().toString());
    assertEquals("10.1.0.2", a.ipvs().real().address().toString());
    assertEquals(a.ipvs().real(), b.ipvs().real()); // same /24: the template's server
    assertTrue(b.ipvs().persistent());
    assertEquals("10.1.0.1", c.ipvs().real().address().toString()); // rr moves on
  }

  @Test
  void fwmarkServiceTakesTheMarkedPackets() {
    Decision d = director().decide(Packet.parse("tcp 198.51.100.7:1000 -> 192.0.2.80:8443 in eth0"
        + " flags SYN"));
    assertEquals(Outcome.FORWARDED, d.outcome());
    assertEquals("-f 7", d.ipvs().service().ipvsadmName());
    assertEquals("10.1.0.4", d.after().dst().toString());
  }

  @Test
  void filterOutputSeesTheForwardedPacket() {
    Decision d = director().decide(Packet.parse("tcp 198.51.100.7:1000 -> 192.0.2.80:22 in eth0"
        + " flags SYN"));
    assertEquals(Outcome.DROPPED, d.outcome());
    assertEquals("10.1.0.9", d.ipvs().real().address().toString());
  }

  @Test
  void theRealServersReplyGetsTheVipBack() {
    Interpreter in = director();
    Decision d = in.decide(Packet.parse("tcp 198.51.100.7:40000 -> 192.0.2.80:80 in eth0"
        + " flags SYN"));
    String real = d.after().dst().toString();
    Decision r = in.decide(Packet.parse("tcp " + real + ":8080 -> 198.51.100.7:40000 in eth1"
        + " state established flags SYN,ACK"));
    assertEquals(Outcome.FORWARDED, r.outcome());
    assertEquals("eth0", r.outIface());
    assertEquals("192.0.2.80", r.after().src().toString());
    assertEquals(80, r.after().sport());
    assertEquals(real, r.ipvs().real().address().toString());
  }
}
