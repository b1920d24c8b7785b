package dev.policyc.dsl;

/** A TCP header flag, with its bit in the flags byte. */
public enum TcpFlag {
  FIN(0x01),
  SYN(0x02),
  RST(0x04),
  PSH(0x08),
  ACK(0x10),
  URG(0x20),
  ECE(0x40),
  CWR(0x80);

  private final int bit;

  TcpFlag(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }
}
