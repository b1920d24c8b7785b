package dev.policyc.compiler.space;

import dev.policyc.compiler.ir.Match;
import java.util.List;

/**
 * A rule the analyses cannot describe as a cube: its matches include some whose outcome depends
 * on state or on facts outside the packet (limit and statistic, address types, sets the policy
 * does not hold). {@code bound} holds every packet the rule can match, so a packet outside it
 * never matches; inside, it may or may not. No pass moves a rule across an opaque one.
 *
 * @param bound the cube of the rule's other matches
 * @param opaque the matches the analyses cannot reason about
 */
public record Opaque(Cube bound, List<Match> opaque) implements Constraint {
  public Opaque {
    opaque = List.copyOf(opaque);
  }
}
