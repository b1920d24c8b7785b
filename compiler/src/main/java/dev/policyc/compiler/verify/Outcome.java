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
    NAT,
    /**
     * Off the end of the user chain explored (or RETURN from it): back to its caller, only in a
     * comparison of one chain from one place on ({@link ChainEdits}).
     */
    RETURN
  }

  /** A NAT target as a rule says it: {@code DNAT to 10.0.0.5:80}, {@code MASQUERADE}. */
  static String nat(Target t) {
    if (t instanceof Target.Dnat d) {
      return "DNAT to " + to(d.addrs(), d.ports());
    } else if (t instanceof Target.Snat s) {
      return "SNAT to " + to(s.addrs(), s.ports());
    } else if (t instanceof Target.Masquerade m) {
      return "MASQUERADE" + (m.ports() == null ? "" : " to ports " + m.ports());
    } else if (t instanceof Target.Redirect r) {
      return "REDIRECT" + (r.ports() == null ? "" : " to ports " + r.ports());
    }
    return t.toString();
  }

  private static String to(Object addrs, Object ports) {
    return (addrs == null ? "" : addrs.toString()) + (ports == null ? "" : ":" + ports);
  }

  /** The verdict in the words of a rule: ACCEPT, DROP, REJECT (with), or the NAT target. */
  String verdict() {
    return switch (kind) {
      case ACCEPT, DROP, RETURN -> kind.name();
      case REJECT -> rejectWith == null ? "REJECT" : "REJECT (" + rejectWith + ")";
      case NAT -> nat(nat);
    };
  }
}
