package dev.policyc.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** blocklist-sets.yaml: an edge filter with ipset blocklists and allowlists. */
class BlocklistSetsTest {
  private final Firewall fw = Firewall.of("blocklist-sets");

  @Test
  void aBlocklistedSourceIsDroppedEvenToAPublishedService() {
    fw.expect("tcp 192.0.2.5:40000 -> 192.0.2.80:80 in eth0 out eth1", "DROPPED");
  }

  @Test
  void aPublishedServiceIsForwarded() {
    fw.expect("tcp 198.51.100.7:40000 -> 192.0.2.80:443 in eth0 out eth1", "FORWARDED");
  }

  @Test
  void partnersReachManagementPorts() {
    Decision d = fw.expect("tcp 198.51.100.7:40000 -> 10.0.0.1:22 in eth0 out eth1",
        "FORWARDED");
    assertEquals("partners reach management ports", d.path().get(0).comment());
  }

  @Test
  void bgpFromStrangersIsReset() {
    Decision d = fw.expect("tcp 8.8.8.8:40000 -> 10.0.0.1:179 in eth0 out eth1", "REJECTED");
    assertEquals("tcp-reset", d.rejectWith());
  }

  @Test
  void anythingElseIsDropped() {
    fw.expect("tcp 8.8.8.8:40000 -> 10.0.0.1:80 in eth0 out eth1", "DROPPED");
  }
}
