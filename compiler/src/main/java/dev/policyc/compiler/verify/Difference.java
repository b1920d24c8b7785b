package dev.policyc.compiler.verify;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.space.Cube;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.Map;

/**
 * A class of packets the two policies decide differently.
 *
 * <p>For {@link Kind#TABLE}: the packets of {@code cube} (and of the opaque {@code conditions})
 * as they reach {@code table} at {@code hook}, which the table ends as {@code before} in the
 * first policy and {@code after} in the second. {@code witness} is a packet entering the host
 * that the interpreter decides differently under the two policies ({@code decisionBefore},
 * {@code decisionAfter}), or null when no candidate showed the difference end to end (the
 * tables differ, but later hooks may hide it).
 *
 * <p>For {@link Kind#HOST} and {@link Kind#CONNTRACK}: a difference outside the rules
 * ({@code before}/{@code after} say what), with a witness when one was found.
 */
public record Difference(
    Kind kind,
    Family family,
    Table table,
    Hook hook,
    Cube cube,
    Map<String, Boolean> conditions,
    String before,
    String after,
    Packet witness,
    Decision decisionBefore,
    Decision decisionAfter) {
  public Difference {
    conditions = conditions == null ? Map.of() : Map.copyOf(conditions);
  }

  /** Where the policies differ. */
  public enum Kind {
    /** A table ends a class of packets differently. */
    TABLE,
    /** The host models differ. */
    HOST,
    /** One policy's rules switch connection tracking on, the other's do not. */
    CONNTRACK
  }

  /** Whether the interpreter confirmed the difference with a concrete packet. */
  public boolean confirmed() {
    return witness != null;
  }
}
