package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Decision.Step;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.IpvsValidator;
import dev.policyc.dsl.Policy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IPVS at LOCAL_OUT (ip_vs_local_request, priority NF_IP_PRI_NAT_DST + 2): the host's own
 * packets to a virtual service are scheduled after nat OUTPUT (so a DNAT there to the VIP is
 * scheduled too) and before filter OUTPUT, which sees the real server; they then leave by the
 * real server's route through nat POSTROUTING. A loopback source may not leave the host
 * (crosses_local_route_boundary), and a local real server is delivered through lo.
 */
class IpvsLocalOutTest {
  private static final String POLICY = """
      policy: director
      host:
        interfaces:
          eth0: { addresses: [192.0.2.10/24] }
          eth1: { addresses: [10.1.0.254/24] }
        routes:
          - { to: default, via: 192.0.2.1, dev: eth0 }
      filter:
        OUTPUT:
          rules:
            - { match: { dst: 10.1.0.9 }, action: drop }
      nat:
        OUTPUT:
          rules:
            - { match: { proto: tcp, dst: 198.51.100.80, dport: "80" }, action: { dnat: { to: "192.0.2.80" } } }
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
          - protocol: tcp
            address: 192.0.2.80
            port: 22
            real-servers:
              - { address: 10.1.0.9, method: masq }
          - protocol: tcp
            address: 192.0.2.80
            port: 25
            real-servers:
              - { address: 192.0.2.10, method: masq }
      """;

  private static Interpreter director(boolean withIpvs) {
    PolicyCompiler.ReadResult read = PolicyCompiler.read("director.yaml", POLICY);
    assertTrue(read.policy() != null, read.diagnostics().toString());
    Policy p = read.policy();
    CheckResult c = PolicyCompiler.check(p);
    assertTrue(c.ok(), c.diagnostics().toString());
    IpvsValidator.Result ipvs = PolicyCompiler.ipvs(p);
    return new Interpreter(c.ir(), withIpvs ? ipvs.config() : IpvsConfig.NONE);
  }

  @Test
  void theHostsOwnRequestIsScheduledAndMasqueraded() {
    Interpreter in = director(true);
    List<String> servers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Decision d = in.decide(Packet.parse("tcp 192.0.2.10:" + (5000 + i) + " -> 192.0.2.80:80"));
      assertEquals(Outcome.SENT, d.outcome());
      assertEquals("eth1", d.outIface());
      assertEquals("10.1.0.254", d.after().src().toString()); // nat POSTROUTING's masquerade
      assertEquals(8080, d.after().dport());
      assertEquals("-t 192.0.2.80:80", d.ipvs().service().ipvsadmName());
      servers.add(d.after().dst().toString());
      assertTrue(d.path().stream().anyMatch(s -> s.table().name().equals("NAT")
          && s.chain().equals("POSTROUTING")), d.path().toString());
    }
    assertEquals(List.of("10.1.0.2", "10.1.0.1", "10.1.0.2"), servers);
  }

  @Test
  void withoutIpvsTheVipIsNoAddressOfTheHost() {
    Decision d = director(false).decide(Packet.parse("tcp 192.0.2.10:5000 -> 192.0.2.80:80"));
    // the host model has no 192.0.2.80 without IPVS's dummy interface: it goes out by default
    assertNull(d.ipvs());
    assertEquals(Outcome.SENT, d.outcome());
    assertEquals("eth0", d.outIface());
  }

  @Test
  void aDnatInNatOutputToTheVipIsScheduled() {
    Decision d = director(true).decide(Packet.parse("tcp 192.0.2.10:5000 -> 198.51.100.80:80"));
    assertEquals(Outcome.SENT, d.outcome());
    assertEquals("10.1.0.2", d.after().dst().toString());
    Step first = d.path().get(0);
    assertEquals("OUTPUT", first.chain());
    assertEquals("NAT", first.table().name());
  }

  @Test
  void filterOutputSeesTheRealServer() {
    Decision d = director(true).decide(Packet.parse("tcp 192.0.2.10:5000 -> 192.0.2.80:22"));
    assertEquals(Outcome.DROPPED, d.outcome());
    assertEquals("10.1.0.9", d.after().dst().toString());
    assertEquals("10.1.0.9", d.ipvs().real().address().toString());
  }

  @Test
  void aLoopbackSourceMayNotLeaveTheHost() {
    Decision d = director(true).decide(Packet.parse("tcp 127.0.0.1:5000 -> 192.0.2.80:80"));
    assertEquals(Outcome.DROPPED, d.outcome());
    assertEquals("10.1.0.2", d.ipvs().real().address().toString());
  }

  @Test
  void aLocalRealServerIsDeliveredThroughLo() {
    Decision d = director(true).decide(Packet.parse("tcp 192.0.2.10:5000 -> 192.0.2.80:25"));
    assertEquals(Outcome.DELIVERED, d.outcome());
    assertEquals("192.0.2.10", d.after().dst().toString());
    assertEquals(25, d.after().dport());
  }
}
