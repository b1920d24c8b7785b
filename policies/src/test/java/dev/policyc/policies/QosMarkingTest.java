package dev.policyc.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** qos-marking.yaml: DSCP and mark classification in mangle. */
class QosMarkingTest {
  private final Firewall fw = Firewall.of("qos-marking");

  @Test
  void rtpFromTheVoipGatewaysIsExpeditedForwarding() {
    Decision d = fw.expect("udp 10.30.0.2:12000 -> 10.0.0.9:15000 in eth0 out eth1",
        "FORWARDED");
    assertEquals(0x1, d.mark());
    assertEquals(46 << 2, d.tos()); // DSCP EF
  }

  @Test
  void sshIsInteractive() {
    Decision d = fw.expect("tcp 10.0.0.9:40000 -> 10.0.0.10:22 in eth0 out eth1", "FORWARDED");
    assertEquals(0x2, d.mark());
    assertEquals(0x2, d.ctmark());
    assertEquals(34 << 2, d.tos()); // DSCP AF41
  }

  @Test
  void unclassifiedTrafficMayNotClaimExpeditedForwarding() {
    Decision d = fw.expect("udp 10.0.0.9:40000 -> 10.0.0.10:9999 in eth0 out eth1 dscp 46",
        "FORWARDED");
    assertEquals(0, d.tos());
  }
}
