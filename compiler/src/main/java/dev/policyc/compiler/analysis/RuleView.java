package dev.policyc.compiler.analysis;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.Family;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * One IR rule as the packet-space analyses see it: the packets it can match, whether that is
 * exact, what its target does to the rest of the chain, and the policy rule it came from.
 *
 * @param index the rule's index in its chain
 * @param cube the packets it matches; for an opaque rule (limit, statistic, address type…)
 *     the packets it may match
 * @param opaque true when {@code cube} only bounds the packets it matches
 * @param kind what its target does to the rest of the chain
 * @param modifies the packet fields the target may change for the rules after it (for a jump:
 *     those any rule of the chains it reaches may change)
 * @param group the policy rule it came from: rules of one policy rule share a group, and are
 *     kept or removed together
 * @param hull the smallest and largest value of the cube's addresses, protocol and ports (the
 *     upper 64 bits of IPv6 addresses) as {lo, hi} pairs, or null for an empty cube: the
 *     analyses compare these before they compare cubes, as most pairs of rules of a long chain
 *     are apart
 * @param readMask the fields the cube constrains, as a {@link #mask}
 * @param modifiesMask {@code modifies} as a {@link #mask}
 */
public record RuleView(int index, Rule rule, Cube cube, boolean opaque, Kind kind,
    Set<Field> modifies, int group, long[] hull, int readMask, int modifiesMask) {

  /** What a target does to the rest of its chain. */
  public enum Kind {
    /** Ends the chain for the packets it matches: a verdict, RETURN, GOTO, a NAT target. */
    TERMINAL,
    /** JUMP: may end the packet, change it, or come back. */
    JUMP,
    /** Changes a field later rules may match, and goes on (MARK, CONNMARK, TOS, TTL…). */
    MODIFY,
    /** Goes on without changing the packet (LOG, a counting rule). */
    NEUTRAL
  }

  public RuleView {
    modifies = Set.copyOf(modifies);
  }

  /**
   * The view of rule {@code r} at {@code index} of its chain in family {@code f}; {@code
   * jumpModifies} are the fields the chains a jump reaches may change (see {@link
   * ChainEffects#modifiedFields}), ignored for other targets.
   */
  public static RuleView of(int index, Rule r, Family f, IrPolicy ir, Set<Field> jumpModifies,
      int group) {
    Constraint c = Constraints.of(r, f, ir);
    Cube cube = c instanceof Opaque o ? o.bound() : (Cube) c;
    Target t = r.target();
    Kind kind = kind(t);
    Set<Field> mod = kind == Kind.JUMP ? jumpModifies : modifies(t);
    return new RuleView(index, r, cube, c instanceof Opaque, kind, mod, group, cube.hull(),
        mask(cube.constrained().keySet()), mask(mod));
  }

  /**
   * The view of {@code r}, a rule with this rule's matches and target (another origin, say), at
   * another index of its chain, in another group.
   */
  public RuleView at(int index, int group, Rule r) {
    if (!r.matches().equals(rule.matches()) || !r.target().equals(rule.target())) {
      throw new IllegalArgumentException("not the same matches and target: " + r);
    }
    return new RuleView(index, r, cube, opaque, kind, modifies, group, hull, readMask,
        modifiesMask);
  }

  /** What a target does to the rest of its chain. */
  public static Kind kind(Target t) {
    if (t instanceof Target.Accept || t instanceof Target.Drop || t instanceof Target.Reject
        || t instanceof Target.Return || t instanceof Target.Goto || t instanceof Target.Dnat
        || t instanceof Target.Snat || t instanceof Target.Masquerade
        || t instanceof Target.Redirect) {
      return Kind.TERMINAL;
    } else if (t instanceof Target.Jump) {
      return Kind.JUMP;
    } else if (t instanceof Target.Log || t instanceof Target.None) {
      return Kind.NEUTRAL;
    } else if (t instanceof Target.Mark || t instanceof Target.ConnMark
        || t instanceof Target.Dscp || t instanceof Target.Tos || t instanceof Target.Ttl
        || t instanceof Target.TcpMss || t instanceof Target.NoTrack) {
      return Kind.MODIFY;
    }
    throw new AssertionError("unknown target " + t);
  }

  /** The fields a target that goes on may change (see the interpreter's TargetEffects). */
  public static Set<Field> modifies(Target t) {
    if (t instanceof Target.Mark) {
      return EnumSet.of(Field.MARK);
    } else if (t instanceof Target.ConnMark c) {
      return c.mode() == Target.ConnMark.Mode.RESTORE ? EnumSet.of(Field.MARK)
          : EnumSet.of(Field.CT_MARK);
    } else if (t instanceof Target.Dscp || t instanceof Target.Tos) {
      return EnumSet.of(Field.TOS);
    } else if (t instanceof Target.Ttl) {
      return EnumSet.of(Field.TTL);
    } else if (t instanceof Target.TcpMss) {
      return EnumSet.of(Field.LENGTH); // an added MSS option lengthens the segment
    } else if (t instanceof Target.NoTrack) {
      return EnumSet.of(Field.CT_STATE, Field.CT_MARK);
    }
    return EnumSet.noneOf(Field.class);
  }

  public boolean isTerminal() {
    return kind == Kind.TERMINAL;
  }

  /** True when the rule's match reads one of the fields of a {@link #mask}. */
  public boolean reads(int fields) {
    return (readMask & fields) != 0;
  }

  /**
   * True when the cubes meet once the fields of a {@link #mask} are left out (any value of them
   * would do).
   */
  public boolean meetsIgnoring(RuleView o, int ignored) {
    for (Map.Entry<Field, ValueSet> e : cube.constrained().entrySet()) {
      if ((ignored & (1 << e.getKey().ordinal())) != 0) {
        continue;
      }
      ValueSet w = o.cube.constrained().get(e.getKey());
      if (w == null ? e.getValue().isEmpty() : !e.getValue().intersects(w)) {
        return false;
      }
    }
    for (Map.Entry<Field, ValueSet> e : o.cube.constrained().entrySet()) {
      if ((ignored & (1 << e.getKey().ordinal())) == 0
          && !cube.constrained().containsKey(e.getKey()) && e.getValue().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** A set of fields as bits, by ordinal. */
  public static int mask(Set<Field> fields) {
    int m = 0;
    for (Field f : fields) {
      m |= 1 << f.ordinal();
    }
    return m;
  }
}
