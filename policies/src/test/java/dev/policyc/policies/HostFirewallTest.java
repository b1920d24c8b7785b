package dev.policyc.policies;

import org.junit.jupiter.api.Test;

/** host-firewall.yaml: a public web server that only administrators reach over SSH. */
class HostFirewallTest {
  private final Firewall fw = Firewall.of("host-firewall");

  @Test
  void sshFromTheInternetIsDropped() {
    fw.expect("tcp 8.8.8.8:40000 -> 192.0.2.10:22 in eth0", "DROPPED");
  }

  @Test
  void sshFromTheAdminNetworkIsDelivered() {
    fw.expect("tcp 198.51.100.7:40000 -> 192.0.2.10:22 in eth0", "DELIVERED");
  }

  @Test
  void httpsFromAnywhereIsDelivered() {
    fw.expect("tcp 8.8.8.8:40000 -> 192.0.2.10:443 in eth0", "DELIVERED");
  }
}
