package dev.policyc.compiler.ir;

/** An inclusive range of port numbers, 0–65535. */
public record PortRange(int lo, int hi) implements Comparable<PortRange> {
  public static final PortRange ALL = new PortRange(0, 65535);

  public PortRange {
    if (lo < 0 || hi > 65535 || lo > hi) {
      throw new IllegalArgumentException("bad port range " + lo + ":" + hi);
    }
  }

  public static PortRange of(int port) {
    return new PortRange(port, port);
  }

  public boolean contains(int port) {
    return lo <= port && port <= hi;
  }

  public boolean isSingle() {
    return lo == hi;
  }

  // equals by hand, meaning what the record's means: the generated one runs through method
  // handles, slow before the JIT compiles it, and lowering asks it of every port list. hashCode
  // stays the record's.
  @Override
  public boolean equals(Object o) {
    return o instanceof PortRange p && p.lo == lo && p.hi == hi;
  }

  @Override
  public int compareTo(PortRange o) {
    return lo != o.lo ? Integer.compare(lo, o.lo) : Integer.compare(hi, o.hi);
  }

  /** {@code p} or {@code lo:hi}, as iptables prints port matches. */
  @Override
  public String toString() {
    return lo == hi ? Integer.toString(lo) : lo + ":" + hi;
  }
}
