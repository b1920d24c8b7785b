package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import org.junit.jupiter.api.Test;

/** The packet syntax of {@code policyc explain}: what it reads, refuses and prints back. */
class PacketTest {
  private static Packet.SyntaxError refused(String text) {
    return assertThrows(Packet.SyntaxError.class, () -> Packet.parse(text));
  }

  /** ECE and CWR are bits 0x40 and 0x80 of the flags byte; iptables' ALL does not hold them. */
  @Test
  void eceAndCwrAreFlagsAPacketCarries() {
    Packet p = Packet.parse("tcp 192.0.2.1:1 -> 192.0.2.2:80 in eth0 flags SYN,ECE,CWR");
    assertEquals(0x02 | 0x40 | 0x80, p.tcpFlags());
    assertEquals(ConnState.NEW, p.state(), "conntrack judges a SYN without ECE and CWR");
    assertTrue(p.toString().contains(" flags SYN,ECE,CWR"), p.toString());
    assertEquals(p, Packet.parse(p.toString()));
    Packet only = Packet.parse("tcp 192.0.2.1:1 -> 192.0.2.2:80 in eth0 flags CWR state new");
    assertTrue(only.toString().endsWith(" flags CWR"), only.toString());
    assertEquals(only, Packet.parse(only.toString()));
  }

  /** A non-first IPv6 fragment: a fragment header (8 bytes) and at least 8 bytes of payload. */
  @Test
  void ipv6FragmentsAreFragmentsWithAFragmentHeader() {
    Packet p = Packet.parse("udp [2001:db8::1]:1 -> [2001:db8::2]:53 in eth0 frag");
    assertEquals(Family.IPV6, p.family());
    assertTrue(p.fragment());
    assertEquals(56, p.length());
    assertFalse(p.toString().contains(" len "), p.toString());
    assertEquals(p, Packet.parse(p.toString()));
  }

  /**
   * Without {@code state}, a packet has the state conntrack gives it when it belongs to no
   * connection: icmp_new and the ICMPv6 tracker make an echo reply without its request
   * INVALID, tcp_new a lone RST or SYN/ACK.
   */
  @Test
  void withoutAStateThePacketIsTheFirstOfItsConnection() {
    assertEquals(ConnState.INVALID,
        Packet.parse("icmp 2001:db8::1 -> 2001:db8::2 in eth0 type echo-reply").state());
    assertEquals(ConnState.INVALID,
        Packet.parse("icmp 192.0.2.1 -> 192.0.2.2 in eth0 type echo-reply").state());
    assertEquals(ConnState.INVALID,
        Packet.parse("icmp 192.0.2.1 -> 192.0.2.2 in eth0 type 3/3").state());
    assertEquals(ConnState.NEW,
        Packet.parse("icmp 2001:db8::1 -> 2001:db8::2 in eth0 type echo-request").state());
    assertEquals(ConnState.NEW, Packet.parse("icmp 2001:db8::1 -> ff02::1 in eth0 type 135")
        .state(), "ND: conntrack leaves it untracked itself");
    assertEquals(ConnState.INVALID,
        Packet.parse("tcp 192.0.2.1:1 -> 192.0.2.2:80 in eth0 flags RST").state());
    assertEquals(ConnState.INVALID,
        Packet.parse("tcp 192.0.2.1:1 -> 192.0.2.2:80 in eth0 flags SYN,ACK").state());
    assertEquals(ConnState.NEW,
        Packet.parse("tcp 192.0.2.1:1 -> 192.0.2.2:80 in eth0 flags ACK,PSH").state());
    assertEquals(ConnState.ESTABLISHED, Packet.parse(
        "icmp 2001:db8::1 -> 2001:db8::2 in eth0 type echo-reply state established").state());
  }

  @Test
  void anAttributeGivenTwiceIsRefusedAtItsSecondPlace() {
    String text = "tcp 192.0.2.1:1 -> 192.0.2.2:80 in eth0 in eth1";
    Packet.SyntaxError e = refused(text);
    assertEquals("'in' is given twice", e.getMessage());
    assertEquals(text.lastIndexOf("in ") + 1, e.column());
    assertEquals("'out' is given twice",
        refused("tcp 192.0.2.1:1 -> 192.0.2.2:80 out eth0 out eth0").getMessage());
    assertEquals("'tos' and 'dscp' both set the TOS byte: give one",
        refused("tcp 192.0.2.1:1 -> 192.0.2.2:80 tos 4 dscp 1 out eth0").getMessage());
  }

  /** IFNAMSIZ is 16 with the terminating NUL: dev_valid_name refuses longer names. */
  @Test
  void interfaceNamesAreThoseTheKernelAccepts() {
    assertEquals("abcdefghijklmno",
        Packet.parse("udp 192.0.2.1:1 -> 192.0.2.2:53 in abcdefghijklmno").in());
    String text = "udp 192.0.2.1:1 -> 192.0.2.2:53 in abcdefghijklmnop";
    Packet.SyntaxError e = refused(text);
    assertEquals("interface name 'abcdefghijklmnop' is longer than the 15 characters the kernel"
        + " allows", e.getMessage());
    assertEquals(text.indexOf("abcd") + 1, e.column());
    refused("udp 192.0.2.1:1 -> 192.0.2.2:53 out eth0:1");
    refused("udp 192.0.2.1:1 -> 192.0.2.2:53 in ..");
  }

  @Test
  void errorsNameTheColumnOfTheWordAtFault() {
    assertEquals(15, refused("tcp 192.0.2.1 => 192.0.2.2").column()); // the word for "->"
    assertEquals(5, refused("tcp 192.0.2.999:1 -> 192.0.2.2:2").column());
    assertEquals(33, refused("tcp 192.0.2.1:1 -> 192.0.2.2:80 colour blue").column());
    assertEquals(37, refused("udp 192.0.2.1:1 -> 192.0.2.2:53 ttl 256").column());
  }
}
