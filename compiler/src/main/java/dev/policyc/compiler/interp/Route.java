package dev.policyc.compiler.interp;

import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.ir.IpAddr;
import java.util.Objects;

/** The routing decision for a packet: delivered to the host, sent out of a device, or refused. */
sealed interface Route {
  /**
   * For the host itself. A packet the host sends this way leaves by {@code lo} towards its own
   * destination.
   */
  record Local() implements Route {}

  /**
   * Out of {@code dev} towards {@code nextHop} (forwarded, or sent by the host). Without a host
   * model the next hop is the destination.
   */
  record Forward(String dev, IpAddr nextHop) implements Route {
    public Forward {
      Objects.requireNonNull(dev, "dev");
      Objects.requireNonNull(nextHop, "nextHop");
    }
  }

  /** Not routed: the trip ends with {@code outcome} (MARTIAN, NO_ROUTE, NOT_FORWARDED). */
  record Refused(Outcome outcome) implements Route {
    public Refused {
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  Route LOCAL = new Local();
}
