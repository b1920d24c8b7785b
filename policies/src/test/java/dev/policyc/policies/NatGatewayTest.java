package dev.policyc.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** nat-gateway.yaml: an office gateway with port forwards and masquerading. */
class NatGatewayTest {
  private final Firewall fw = Firewall.of("nat-gateway");

  @Test
  void tcp2222ArrivingOnWan0IsForwardedToTheBuildServersSsh() {
    Decision d = fw.expect("tcp 198.51.100.7:40000 -> 203.0.113.2:2222 in wan0", "FORWARDED");
    assertEquals("lan0", d.outIface());
    assertEquals("10.10.0.5:22", d.dnat());
  }

  @Test
  void httpsArrivingOnWan0IsForwardedToTheWebServer() {
    Decision d = fw.expect("tcp 198.51.100.7:40000 -> 203.0.113.2:443 in wan0", "FORWARDED");
    assertEquals("dmz0", d.outIface());
  }

  @Test
  void theInternetDoesNotReachTheLanUnasked() {
    fw.expect("tcp 198.51.100.7:40000 -> 10.10.0.9:445 in wan0", "REJECTED");
  }
}
