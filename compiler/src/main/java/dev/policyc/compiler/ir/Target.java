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
      if (with.isEmpty()) {
        throw new IllegalArgumentException("REJECT without an answer");
      }
    }
  }

  /** Back to the caller; in a built-in chain, applies the policy. */
  record Return() implements Target {}

  /** Into a user chain and back. */
  record Jump(String chain) implements Target {
    public Jump {
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("jump to no chain");
      }
    }
  }

  /** Into a user chain without a way back: its end returns to the caller's caller. */
  record Goto(String chain) implements Target {
    public Goto {
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("goto no chain");
      }
    }
  }

  /** Logs and goes on; level is the syslog level 0–7 (4 when not given). */
  record Log(String prefix, int level) implements Target {
    public Log {
      if (level < 0 || level > 7) {
        throw new IllegalArgumentException("log level " + level);
      }
    }
  }

  /**
   * Destination NAT to an address range and/or port range (either may be null, not both); ends
   * the table.
   */
  record Dnat(IpRange addrs, PortRange ports) implements Target {
    public Dnat {
      natTo("DNAT", addrs, ports);
    }
  }

  /** Source NAT to an address range and/or port range; ends the table. */
  record Snat(IpRange addrs, PortRange ports) implements Target {
    public Snat {
      natTo("SNAT", addrs, ports);
    }
  }

  /**
   * Source NAT to the output interface's address, optionally into a port range; {@code
   * randomFully} ({@code --random-fully}) picks the source port at random even when the
   * packet's own would do.
   */
  record Masquerade(PortRange ports, boolean randomFully) implements Target {
    /** Without {@code --random-fully}. */
    public Masquerade(PortRange ports) {
      this(ports, false);
    }
  }

  /** Destination NAT to the host itself (the input interface's address), optionally to ports. */
  record Redirect(PortRange ports) implements Target {}

  /** {@code mark = (mark & ~mask) ^ value}; goes on. */
  record Mark(long value, long mask) implements Target {
    public Mark {
      bits32("MARK", value, mask);
    }
  }

  /**
   * Connection mark. SET: {@code ctmark = (ctmark & ~mask) ^ value}. SAVE: {@code ctmark =
   * (ctmark & ~ctmask) ^ (mark & nfmask)}. RESTORE: {@code mark = (mark & ~nfmask) ^ (ctmark &
   * ctmask)}. Goes on; does nothing to a packet without a connection.
   */
  record ConnMark(Mode mode, long value, long mask, long nfmask, long ctmask) implements Target {
    public ConnMark {
      Objects.requireNonNull(mode);
      bits32("CONNMARK", value, mask);
      bits32("CONNMARK", nfmask, ctmask);
    }

    /** What the target does. */
    public enum Mode {
      SET,
      SAVE,
      RESTORE
    }
  }

  /** Sets the DSCP bits, keeping ECN; goes on. */
  record Dscp(int value) implements Target {
    public Dscp {
      if (value < 0 || value > 63) {
        throw new IllegalArgumentException("DSCP " + value);
      }
    }
  }

  /** {@code tos = (tos & ~mask) ^ value}; goes on. */
  record Tos(int value, int mask) implements Target {
    public Tos {
      if (value < 0 || value > 255 || mask < 0 || mask > 255) {
        throw new IllegalArgumentException("TOS " + value + "/" + mask);
      }
    }
  }

  /** Sets, increments or decrements the TTL (IPv6: hop limit), clamped to 0–255; goes on. */
  record Ttl(Op op, int value) implements Target {
    public Ttl {
      Objects.requireNonNull(op);
      if (value < 0 || value > 255) {
        throw new IllegalArgumentException("TTL " + value);
      }
    }

    /** The change made. */
    public enum Op {
      SET,
      INC,
      DEC
    }
  }

  /** Rewrites the MSS option of TCP SYNs: to a value, or to the path MTU when {@code mss} is 0. */
  record TcpMss(int mss) implements Target {
    public TcpMss {
      if (mss < 0 || mss > 65535) {
        throw new IllegalArgumentException("MSS " + mss);
      }
    }
  }

  /** {@code CT --notrack}: the packet is not tracked (state UNTRACKED, no NAT); goes on. */
  record NoTrack() implements Target {}

  private static void natTo(String what, IpRange addrs, PortRange ports) {
    if (addrs == null && ports == null) {
      throw new IllegalArgumentException(what + " to neither an address nor a port");
    }
  }

  private static void bits32(String what, long a, long b) {
    if (a < 0 || a > Netfilter.MARK_MAX || b < 0 || b > Netfilter.MARK_MAX) {
      throw new IllegalArgumentException(what + " values 0x" + Long.toHexString(a) + "/0x"
          + Long.toHexString(b) + " are not 32 bits");
    }
  }
}
