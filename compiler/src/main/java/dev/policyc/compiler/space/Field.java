package dev.policyc.compiler.space;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;

/**
 * A packet field as the analyses see it, with the kind of value set that describes it and the
 * width of its domain. The conntrack state is the one the matches of the chain see (a raw-table
 * match sees INVALID: the packet has no entry yet), values {@link ConnState} ordinals.
 */
public enum Field {
  SRC(Kind.INTERVAL, 0),
  DST(Kind.INTERVAL, 0),
  PROTO(Kind.INTERVAL, 8),
  SPORT(Kind.INTERVAL, 16),
  DPORT(Kind.INTERVAL, 16),
  /** ICMP type and code as {@code type << 8 | code}. */
  ICMP(Kind.INTERVAL, 16),
  TCP_FLAGS(Kind.MASK, 8),
  CT_STATE(Kind.INTERVAL, 3),
  MARK(Kind.MASK, 32),
  CT_MARK(Kind.MASK, 32),
  /** The whole TOS byte; DSCP is its upper six bits. */
  TOS(Kind.MASK, 8),
  LENGTH(Kind.INTERVAL, 16),
  TTL(Kind.INTERVAL, 8),
  /** 1 for a second or later IPv4 fragment. */
  FRAGMENT(Kind.INTERVAL, 1),
  IN(Kind.NAME, 0),
  OUT(Kind.NAME, 0);

  /** How a field's values are described. */
  public enum Kind {
    INTERVAL,
    MASK,
    NAME
  }

  private final Kind kind;
  private final int width;

  Field(Kind kind, int width) {
    this.kind = kind;
    this.width = width;
  }

  public Kind kind() {
    return kind;
  }

  /** Bits of the domain in a family (addresses: 32 or 128; names: 0). */
  public int width(Family f) {
    return this == SRC || this == DST ? IpAddr.bits(f) : width;
  }

  /** Every value of the field. */
  public ValueSet full(Family f) {
    return switch (kind) {
      case INTERVAL -> this == CT_STATE
          ? IntervalSet.range(width, 0, ConnState.values().length - 1)
          : IntervalSet.full(width(f));
      case MASK -> MaskSet.full(width);
      case NAME -> NameSet.full();
    };
  }
}
