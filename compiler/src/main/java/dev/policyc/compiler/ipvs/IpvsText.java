package dev.policyc.compiler.ipvs;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;

/** How ipvsadm writes addresses: IPv6 in brackets before a port, netmasks dotted for IPv4. */
public final class IpvsText {
  private IpvsText() {}

  /** {@code 10.0.0.1:80} or {@code [2001:db8::1]:80}. */
  public static String endpoint(IpAddr a, int port) {
    return (a.family() == Family.IPV6 ? "[" + a + "]" : a.toString()) + ":" + port;
  }

  /** The IPv4 netmask of a prefix length, dotted. */
  public static String netmask(int prefix) {
    long m = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    return IpAddr.v4(m).toString();
  }
}
