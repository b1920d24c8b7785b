package com.example.fw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WebPolicyTest {
  @Test
  void sshFromTheInternetIsDropped() {
    assertEquals("DROPPED", WebClassifier.classify(
        Packet.parse("tcp 8.8.8.8:40000 -> 192.0.2.10:22 in eth0")).outcomeName());
  }

  @Test
  void sshFromTheAdminsIsDelivered() {
    Decision d = WebClassifier.classify(
        Packet.parse("tcp 198.51.100.7:40000 -> 192.0.2.10:22 in eth0"));
    assertEquals("DELIVERED", d.outcomeName());
    assertEquals(2, d.path().get(0).rule());
  }

  @Test
  void httpsIsDelivered() {
    assertEquals("DELIVERED", WebClassifier.classify(
        Packet.parse("tcp 8.8.8.8:40000 -> 192.0.2.10:443 in eth0")).outcomeName());
  }
}
