package dev.policyc.dsl;

/**
 * A TCP header flag iptables can match, with its bit in the flags byte. ECE and CWR are not
 * here: libxt_tcp knows only these six, and its {@code ALL} means them.
 */
public enum TcpFlag {
  FIN(0x01),
  SYN(0x02),
  RST(0x04),
  PSH(0x08),
  ACK(0x10),
  URG(0x20);

  private final int bit;

  TcpFlag(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }
}
