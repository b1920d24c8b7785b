package dev.policyc.compiler.verify;

import java.util.List;

/**
 * What the engine found: the policies are equal for every packet, differ (with the classes of
 * packets that differ), or could not be decided (with the reason).
 *
 * @param regions the classes of packets the first policy's tables were split into
 * @param evaluations rule evaluations spent on classes of packets
 */
public record Result(Status status, List<Difference> differences, String reason, long regions,
    long evaluations) {
  public Result {
    differences = List.copyOf(differences);
  }

  /** The verdict of a comparison. */
  public enum Status {
    EQUAL,
    DIFFERENT,
    UNKNOWN
  }

  public boolean equal() {
    return status == Status.EQUAL;
  }
}
