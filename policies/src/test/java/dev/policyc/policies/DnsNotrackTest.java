package dev.policyc.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** dns-notrack.yaml: an authoritative DNS server whose UDP bypasses connection tracking. */
class DnsNotrackTest {
  private final Firewall fw = Firewall.of("dns-notrack");

  @Test
  void dnsOverUdpIsUntracked() {
    Decision d = fw.expect("udp 198.51.100.7:5353 -> 192.0.2.53:53 in eth0", "DELIVERED");
    assertEquals(Packet.UNTRACKED, d.state(), d::toString);
  }

  @Test
  void dnsOverTcpStaysTracked() {
    Decision d = fw.expect("tcp 198.51.100.7:40000 -> 192.0.2.53:53 in eth0", "DELIVERED");
    assertEquals(Packet.NEW, d.state(), d::toString);
  }
}
