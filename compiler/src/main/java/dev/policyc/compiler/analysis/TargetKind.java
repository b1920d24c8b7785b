package dev.policyc.compiler.analysis;

import dev.policyc.compiler.ir.Target;

/** What a target does to the rest of its chain, as far as moving rules is concerned. */
public enum TargetKind {
  /** Ends the chain for the packets it matches: a verdict, RETURN, GOTO, a NAT target. */
  TERMINAL,
  /** Goes into a user chain and may come back, changed. */
  JUMP,
  /** Rewrites the packet or its connection and goes on (MARK, TOS, TTL, NOTRACK…). */
  MODIFY,
  /** Goes on with the packet unchanged (LOG, a counting rule). */
  NEUTRAL;

  public static TargetKind of(Target t) {
    if (t instanceof Target.Accept || t instanceof Target.Drop || t instanceof Target.Reject
        || t instanceof Target.Return || t instanceof Target.Goto || t instanceof Target.Dnat
        || t instanceof Target.Snat || t instanceof Target.Masquerade
        || t instanceof Target.Redirect) {
      return TERMINAL;
    } else if (t instanceof Target.Jump) {
      return JUMP;
    } else if (t instanceof Target.Log || t instanceof Target.None) {
      return NEUTRAL;
    } else if (t instanceof Target.Mark || t instanceof Target.ConnMark
        || t instanceof Target.Dscp || t instanceof Target.Tos || t instanceof Target.Ttl
        || t instanceof Target.TcpMss || t instanceof Target.NoTrack) {
      return MODIFY;
    }
    throw new AssertionError("unknown target " + t);
  }
}
