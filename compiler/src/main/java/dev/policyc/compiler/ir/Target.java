package dev.policyc.compiler.ir;

import java.util.Objects;

/** What a matching rule does: one iptables target, or none ({@link None}, a counting rule). */
public sealed interface Target
    permits Target.None,
        Target.Accept,
        Target.Drop,
        Target.Reject,
        Target.Return,
        Target.Jump,
        Target.Goto,
        Target.Log,
        Target.Dnat,
        Target.Snat,
        Target.Masquerade,
        Target.Redirect,
        Target.Mark,
        Target.ConnMark,
        Target.Dscp,
        Target.Tos,
        Target.Ttl,
        Target.TcpMss,
        Target.NoTrack {

  /** No target: the rule only counts; evaluation goes on. */
  record None() implements Target {}

  /** Ends the current table; the packet goes on to the next table or hook. */
  record Accept() implements Target {}

  /** Ends the packet. */
  record Drop() implements Target {}

  /** Ends the packet and answers; {@code with} is iptables' name for the answer. */
  record Reject(String with) implements Target {
    public Reject {
      Objects.requireNonNull(with);
    }
  }

  /** Back to the caller; in a built-in chain, applies the policy. */
  record Return() implements Target {}

  /** Into a user chain and back. */
  record Jump(String chain) implements Target {}

  /** Into a user chain without a way back: its end returns to the caller's caller. */
  record Goto(String chain) implements Target {}

  /** Logs and goes on; level is the syslog level 0–7 (4 when not given). */
  record Log(String prefix, int level) implements Target {}

  /**
   * Destination NAT to an address range and/or port range (either may be null, not both); ends
   * the table.
   */
  record Dnat(IpRange addrs, PortRange ports) implements Target {}

  /** Source NAT to an address range and/or port range; ends the table. */
  record Snat(IpRange addrs, PortRange ports) implements Target {}

  /** Source NAT to the output interface's address, optionally into a port range. */
  record Masquerade(PortRange ports) implements Target {}

  /** Destination NAT to the host itself (the input interface's address), optionally to ports. */
  record Redirect(PortRange ports) implements Target {}

  /** {@code mark = (mark & ~mask) ^ value}; goes on. */
  record Mark(long value, long mask) implements Target {}

  /**
   * Connection mark. SET: {@code ctmark = (ctmark & ~mask) ^ value}. SAVE: {@code ctmark =
   * (ctmark & ~ctmask) ^ (mark & nfmask)}. RESTORE: {@code mark = (mark & ~nfmask) ^ (ctmark &
   * ctmask)}. Goes on; does nothing to a packet without a connection.
   */
  record ConnMark(Mode mode, long value, long mask, long nfmask, long ctmask) implements Target {
    /** What the target does. */
    public enum Mode {
      SET,
      SAVE,
      RESTORE
    }
  }

  /** Sets the DSCP bits, keeping ECN; goes on. */
  record Dscp(int value) implements Target {}

  /** {@code tos = (tos & ~mask) ^ value}; goes on. */
  record Tos(int value, int mask) implements Target {}

  /** Sets, increments or decrements the TTL (IPv6: hop limit), clamped to 0–255; goes on. */
  record Ttl(Op op, int value) implements Target {
    /** The change made. */
    public enum Op {
      SET,
      INC,
      DEC
    }
  }

  /** Rewrites the MSS option of TCP SYNs: to a value, or to the path MTU when {@code mss} is 0. */
  record TcpMss(int mss) implements Target {}

  /** {@code CT --notrack}: the packet is not tracked (state UNTRACKED, no NAT); goes on. */
  record NoTrack() implements Target {}
}
