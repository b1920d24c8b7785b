package com.example.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.example.firewall.Packet;
import com.example.firewall.WebClassifier;
import org.junit.jupiter.api.Test;

class FirewallTest {
  @Test
  void theAppsPortIsOpen() {
    assertEquals("DELIVERED", WebClassifier.classify(
        Packet.parse("tcp 8.8.8.8:40000 -> 192.0.2.10:443 in eth0")).outcomeName());
  }
}
