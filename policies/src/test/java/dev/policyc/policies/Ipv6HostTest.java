package dev.policyc.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** ipv6-host.yaml: an IPv6-only host after RFC 4890. */
class Ipv6HostTest {
  private final Firewall fw = Firewall.of("ipv6-host");

  @Test
  void sshFromAdminsIsDelivered() {
    fw.expect("tcp [2001:db8:20::5]:40000 -> [2001:db8:100::10]:22 in eth0", "DELIVERED");
  }

  @Test
  void otherTcpIsResetNotDropped() {
    Decision d = fw.expect("tcp [2001:db8:99::5]:40000 -> [2001:db8:100::10]:22 in eth0",
        "REJECTED");
    assertEquals("tcp-reset", d.rejectWith());
  }
}
