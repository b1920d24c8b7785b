package dev.policyc.dsl;

/**
 * What a rule does with a packet it matches: a netfilter target. Values are written as the user
 * wrote them and checked by lowering.
 */
public sealed interface Action
    permits Action.Accept,
        Action.Drop,
        Action.Reject,
        Action.Return,
        Action.Jump,
        Action.Goto,
        Action.Log,
        Action.Dnat,
        Action.Snat,
        Action.Masquerade,
        Action.Redirect,
        Action.Mark,
        Action.ConnMark,
        Action.Dscp,
        Action.Tos,
        Action.Ttl,
        Action.TcpMss,
        Action.NoTrack,
        Action.Count {

  /** Ends the current table for this packet; it goes on to the next table or hook. */
  record Accept() implements Action {}

  /** Drops the packet. */
  record Drop() implements Action {}

  /**
   * Drops the packet and answers with an ICMP error or a TCP reset.
   *
   * @param with the answer ({@code tcp-reset}, {@code port-unreachable}, …); null for the default
   */
  record Reject(String with) implements Action {}

  /** Returns to the calling chain (or applies the policy in a built-in chain). */
  record Return() implements Action {}

  /** Jumps to a user chain and returns from it. */
  record Jump(String chain) implements Action {}

  /** Goes to a user chain without returning. */
  record Goto(String chain) implements Action {}

  /** Logs the packet to the kernel log and goes on. */
  record Log(String prefix, String level) implements Action {}

  /** Rewrites the destination: {@code addr[-addr][:port[-port]]}, IPv6 as {@code [addr]:port}. */
  record Dnat(String to) implements Action {}

  /** Rewrites the source: {@code addr[-addr][:port[-port]]}. */
  record Snat(String to) implements Action {}

  /** Rewrites the source to the output interface's address, optionally into a port range. */
  record Masquerade(String ports) implements Action {}

  /** Redirects to the host itself, optionally to other ports. */
  record Redirect(String ports) implements Action {}

  /**
   * Changes the packet mark.
   *
   * @param op how: set ({@code value[/mask]}: clear the mask's bits, then set the value's),
   *     xset ({@code value/mask}: clear the mask's bits, then XOR the value, as {@code
   *     --set-xmark}), or, and, xor
   * @param value a 32-bit number, with {@code /mask} for {@code set} and {@code xset}
   */
  record Mark(Op op, String value) implements Action {
    /** The operation on the mark. */
    public enum Op {
      SET,
      XSET,
      OR,
      AND,
      XOR
    }
  }

  /**
   * Changes the connection mark, or copies between packet and connection marks.
   *
   * @param op set the connection mark ({@code SET} as {@code --set-mark}, {@code XSET} as
   *     {@code --set-xmark}), save the packet mark into it, or restore from it
   * @param value for {@code SET} and {@code XSET}: {@code value[/mask]}; otherwise null
   * @param nfmask for save/restore: the packet-mark bits taken or replaced (default all)
   * @param ctmask for save/restore: the connection-mark bits taken or replaced (default all)
   */
  record ConnMark(Op op, String value, String nfmask, String ctmask) implements Action {
    public ConnMark {
      boolean set = op == Op.SET || op == Op.XSET;
      if (set && (nfmask != null || ctmask != null)) {
        throw new IllegalArgumentException("connmark set takes value[/mask], not nfmask/ctmask");
      }
      if (!set && value != null) {
        throw new IllegalArgumentException("connmark " + op + " takes masks, not a value");
      }
    }

    /** The operation on the connection mark. */
    public enum Op {
      SET,
      XSET,
      SAVE,
      RESTORE
    }
  }

  /** Sets the DSCP field: a number or a class name. */
  record Dscp(String value) implements Action {}

  /** Sets TOS bits: {@code value[/mask]}. */
  record Tos(String value) implements Action {}

  /** Sets, increments or decrements the TTL (IPv6: hop limit). */
  record Ttl(Op op, int value) implements Action {
    /** The operation on the TTL. */
    public enum Op {
      SET,
      INC,
      DEC
    }
  }

  /** Sets the TCP MSS option of SYN packets: {@code clamp-to-pmtu} or a number. */
  record TcpMss(String mss) implements Action {}

  /** Exempts the packet from connection tracking ({@code -j CT --notrack}); raw table only. */
  record NoTrack() implements Action {}

  /** Only counts the packet (a rule without a target) and goes on; for accounting. */
  record Count() implements Action {}

  static Action accept() {
    return new Accept();
  }

  static Action drop() {
    return new Drop();
  }

  static Action reject() {
    return new Reject(null);
  }

  static Action reject(String with) {
    return new Reject(with);
  }

  static Action returns() {
    return new Return();
  }

  static Action jump(String chain) {
    return new Jump(chain);
  }

  static Action goTo(String chain) {
    return new Goto(chain);
  }

  static Action log(String prefix) {
    return new Log(prefix, null);
  }

  static Action log(String prefix, String level) {
    return new Log(prefix, level);
  }

  static Action dnat(String to) {
    return new Dnat(to);
  }

  static Action snat(String to) {
    return new Snat(to);
  }

  static Action masquerade() {
    return new Masquerade(null);
  }

  static Action redirect(String ports) {
    return new Redirect(ports);
  }

  static Action setMark(String value) {
    return new Mark(Mark.Op.SET, value);
  }

  static Action notrack() {
    return new NoTrack();
  }

  /** Counts the packet and goes on. */
  static Action count() {
    return new Count();
  }

  /** Changes the mark: {@code op} with a value ({@code value/mask} for SET). */
  static Action mark(Mark.Op op, String value) {
    return new Mark(op, value);
  }

  /** Sets the connection mark: {@code value[/mask]}. */
  static Action setConnmark(String value) {
    return new ConnMark(ConnMark.Op.SET, value, null, null);
  }

  /** Copies the packet mark into the connection mark (all bits). */
  static Action saveConnmark() {
    return new ConnMark(ConnMark.Op.SAVE, null, null, null);
  }

  /** Copies the packet-mark bits {@code nfmask} into the connection-mark bits {@code ctmask}. */
  static Action saveConnmark(String nfmask, String ctmask) {
    return new ConnMark(ConnMark.Op.SAVE, null, nfmask, ctmask);
  }

  /** Copies the connection mark into the packet mark (all bits). */
  static Action restoreConnmark() {
    return new ConnMark(ConnMark.Op.RESTORE, null, null, null);
  }

  static Action restoreConnmark(String nfmask, String ctmask) {
    return new ConnMark(ConnMark.Op.RESTORE, null, nfmask, ctmask);
  }

  static Action dscp(String valueOrClass) {
    return new Dscp(valueOrClass);
  }

  static Action tos(String valueMask) {
    return new Tos(valueMask);
  }

  static Action ttl(Ttl.Op op, int value) {
    return new Ttl(op, value);
  }

  /** {@code clamp-to-pmtu} or an MSS value. */
  static Action tcpmss(String mss) {
    return new TcpMss(mss);
  }

  static Action masquerade(String ports) {
    return new Masquerade(ports);
  }
}
