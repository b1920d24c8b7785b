package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Target;
import java.util.List;

/**
 * How one table ends for a class of packets: its verdict, the NAT target that ended it, what the
 * continuing targets did to the packet, and the LOG and TCPMSS targets met, in order.
 *
 * @param nat the NAT target that ended the table ({@code kind} NAT), else null
 * @param rejectWith the answer of a REJECT, else null
 */
record Outcome(Kind kind, String rejectWith, Target nat, SymState state, List<String> events) {
  Outcome {
    events = List.copyOf(events);
  }

  /** How the table ended. */
  enum Kind {
    ACCEPT,
    DROP,
    REJECT,
    NAT
  }

  /** The verdict in the words of a rule: ACCEPT, DROP, REJECT (with), or the NAT target. */
  String verdict() {
    return switch (kind) {
      case ACCEPT, DROP -> kind.name();
      case REJECT -> rejectWith == null ? "REJECT" : "REJECT (" + rejectWith + ")";
      case NAT -> nat.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT) + " "
          + nat;
    };
  }
}
