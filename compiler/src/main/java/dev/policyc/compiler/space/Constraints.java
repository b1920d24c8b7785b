package dev.policyc.compiler.space;

import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Derives the packets a rule matches, field by field, with the interpreter's semantics: a port,
 * ICMP or TCP-flags match never holds for a non-first fragment (negated or not), a connmark
 * match never without a connection, a DSCP match is the TOS byte's upper six bits.
 */
public final class Constraints {
  private Constraints() {}

  /** The rule's constraint in a family, without set contents (set matches are opaque). */
  public static Constraint of(Rule rule, Family f) {
    return of(rule, f, null);
  }

  /**
   * The rule's constraint in a family. With the policy, a set match is the packets of its
   * entries ({@link SetCubes}) when they make one cube (and, negated, when that cube constrains
   * one field); other set matches are opaque.
   */
  public static Constraint of(Rule rule, Family f, IrPolicy policy) {
    Cube cube = Cube.all(f);
    List<Match> opaque = new ArrayList<>();
    for (Match m : rule.matches()) {
      Cube next = and(cube, m, f, policy);
      if (next == null) {
        opaque.add(m);
      } else {
        cube = next;
      }
    }
    return opaque.isEmpty() ? cube : new Opaque(cube, opaque);
  }

  /**
   * The packets one match holds for, or null when the match is opaque (as in {@link #of(Rule,
   * Family, IrPolicy)}).
   */
  public static Cube ofMatch(Match m, Family f, IrPolicy policy) {
    return and(Cube.all(f), m, f, policy);
  }

  /** The cube narrowed by one match, or null when the match is opaque. */
  static Cube and(Cube c, Match m, Family f, IrPolicy policy) {
    if (m instanceof Match.Addr a) {
      ValueSet v = IntervalSet.of(a.range());
      return c.and(a.side() == Side.SRC ? Field.SRC : Field.DST, neg(v, a.negated()));
    } else if (m instanceof Match.Proto p) {
      return c.and(Field.PROTO, neg(IntervalSet.point(8, p.number()), p.negated()));
    } else if (m instanceof Match.Ports p) {
      ValueSet v = neg(IntervalSet.ofPorts(p.ranges()), p.negated());
      return notFragment(c).and(p.side() == Side.SRC ? Field.SPORT : Field.DPORT, v);
    } else if (m instanceof Match.Iface i) {
      return c.and(i.out() ? Field.OUT : Field.IN, neg(NameSet.of(i.name()), i.negated()));
    } else if (m instanceof Match.CtState s && !s.snat() && !s.dnat()) {
      ValueSet v = IntervalSet.empty(3);
      for (ConnState st : s.states()) {
        v = v.union(IntervalSet.point(3, st.ordinal()));
      }
      return c.and(Field.CT_STATE, neg(v, s.negated()).intersect(Field.CT_STATE.full(f)));
    } else if (m instanceof Match.Icmp ic) {
      ValueSet v = ic.type() == 0xff
          ? IntervalSet.full(16)
          : IntervalSet.range(16, ((long) ic.type() << 8) | ic.codeLo(),
              ((long) ic.type() << 8) | ic.codeHi());
      return notFragment(c).and(Field.ICMP, neg(v, ic.negated()));
    } else if (m instanceof Match.TcpFlags t) {
      return notFragment(c).and(Field.TCP_FLAGS, neg(MaskSet.of(8, t.comp(), t.mask()),
          t.negated()));
    } else if (m instanceof Match.Mark mk) {
      return c.and(Field.MARK, neg(MaskSet.of(32, mk.value(), mk.mask()), mk.negated()));
    } else if (m instanceof Match.ConnMark cm) {
      ValueSet connected = IntervalSet.empty(3);
      for (ConnState st : List.of(ConnState.NEW, ConnState.ESTABLISHED, ConnState.RELATED)) {
        connected = connected.union(IntervalSet.point(3, st.ordinal()));
      }
      return c.and(Field.CT_STATE, connected)
          .and(Field.CT_MARK, neg(MaskSet.of(32, cm.value(), cm.mask()), cm.negated()));
    } else if (m instanceof Match.Dscp d) {
      return c.and(Field.TOS, neg(MaskSet.of(8, (long) d.value() << 2, 0xfc), d.negated()));
    } else if (m instanceof Match.Tos t) {
      return c.and(Field.TOS, neg(MaskSet.of(8, t.value(), t.mask()), t.negated()));
    } else if (m instanceof Match.Length l) {
      return c.and(Field.LENGTH, neg(IntervalSet.range(16, l.lo(), l.hi()), l.negated()));
    } else if (m instanceof Match.Ttl t) {
      ValueSet eq = IntervalSet.point(8, t.value());
      ValueSet v = switch (t.op()) {
        case EQ -> eq;
        case NE -> eq.complement();
        case LT -> t.value() == 0 ? IntervalSet.empty(8) : IntervalSet.range(8, 0, t.value() - 1);
        case GT -> t.value() == 255 ? IntervalSet.empty(8)
            : IntervalSet.range(8, t.value() + 1, 255);
      };
      return c.and(Field.TTL, v);
    } else if (m instanceof Match.Fragment fr) {
      return c.and(Field.FRAGMENT, IntervalSet.point(1, fr.negated() ? 0 : 1));
    } else if (m instanceof Match.InSet s) {
      return inSet(c, s, f, policy);
    } else if (m instanceof Match.AddrType || m instanceof Match.Limit
        || m instanceof Match.Statistic || m instanceof Match.Recent
        || m instanceof Match.CtState || m instanceof Match.Ipvs
        || m instanceof Match.Physdev) {
      // host-dependent, stateful, the connection's NAT (ctstate DNAT), its IPVS connection
      // (-m ipvs), or its bridge ports (-m physdev: the interpreter assumes no bridge, but a
      // real host may bridge, so the checker claims nothing): opaque
      return null;
    } else if (m instanceof Match.Nfacct) {
      return c; // counts, and always matches
    }
    throw new AssertionError("unknown match " + m);
  }

  private static Cube notFragment(Cube c) {
    return c.and(Field.FRAGMENT, IntervalSet.point(1, 0));
  }

  private static Cube inSet(Cube c, Match.InSet s, Family f, IrPolicy policy) {
    IpSet set = policy == null ? null : policy.set(s.name()).orElse(null);
    if (set == null) {
      return null;
    }
    List<Cube> cubes = SetCubes.of(set, s.dirs(), f);
    if (cubes.isEmpty()) {
      // ip_set_test: the set never holds a packet of this family
      return s.negated() ? c : c.and(Field.PROTO, IntervalSet.empty(8));
    }
    if (cubes.size() > 1) {
      return null; // a union of cubes (an address,port set): MatchSpace splits on it
    }
    Cube only = cubes.get(0);
    if (!s.negated()) {
      return c.intersect(only);
    }
    Map<Field, ValueSet> fields = only.constrained();
    if (fields.isEmpty()) {
      return c.and(Field.PROTO, IntervalSet.empty(8));
    }
    if (fields.size() > 1) {
      return null; // the complement of a cube of several fields is no cube
    }
    Map.Entry<Field, ValueSet> e = fields.entrySet().iterator().next();
    return c.and(e.getKey(), e.getValue().complement());
  }

  private static ValueSet neg(ValueSet v, boolean negated) {
    return negated ? v.complement() : v;
  }

  /** The ports of a port field's values as ranges (for rebuilding matches from cubes). */
  public static List<PortRange> ports(ValueSet v) {
    return ((IntervalSet) v).portRanges();
  }
}
