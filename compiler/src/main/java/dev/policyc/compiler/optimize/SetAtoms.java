package dev.policyc.compiler.optimize;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.compiler.space.SetCubes;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The rules of a run as the decision tree sees them, with each rule that looks up a set cut into
 * its set's atoms: one constraint per address interval of the set's entries (within the rule's
 * other matches). A rule {@code -m set --match-set S src} whose entries lie all over the address
 * space has the hull of the whole space, and the tree copied it into every leaf it split off
 * (ipc1_10k-alt: 5,400 of 18,900 leaf rules were such copies); its atoms are narrow, and each
 * goes only to the leaves whose region it meets. A leaf still holds the rule itself, once,
 * however many of its atoms it got: within the leaf's region the whole set and the atoms there
 * hold for the same packets. A leaf that got one atom of an address set, one prefix (or of an
 * address,port set of the rule's protocol, one prefix and one port range), holds the
 * rule with that address in place of the lookup ({@link #rule}), one header test instead of a
 * set lookup in the kernel.
 *
 * <p>A rule is cut only when the cut is exact: its lookup is its only match the packet space
 * cannot express but through the set's cubes ({@link SetCubes}), so each atom is exactly the
 * rule's packets there and may decide for the tree's pruning.
 */
final class SetAtoms {
  /** A rule of more atoms than this stays whole. */
  static final int MAX_ATOMS_PER_RULE = 4096;

  final List<Constraint> constraints = new ArrayList<>();
  private final List<Integer> owners = new ArrayList<>();
  private final List<Boolean> deciding = new ArrayList<>();
  /** Per atom, the header matches that may replace its rule's lookup when alone, or null. */
  private final List<List<Match>> plain = new ArrayList<>();
  private final List<Match.InSet> lookups = new ArrayList<>();
  /** Per atom written as header matches, the rule a leaf holds for it ({@link #rule}). */
  private final Map<Integer, Rule> written = new HashMap<>();
  private Function<Rule, Constraint> constraintOf;
  private int cut;

  private SetAtoms() {}

  /**
   * The constraints of {@code run}: each rule's ({@code constraint} of it), and a rule that looks
   * up a set cut into its atoms when {@code explode}. {@code decides} tells whether a rule decides
   * every packet it matches (a terminal target).
   */
  static SetAtoms of(List<Rule> run, Function<Rule, Constraint> constraint,
      Function<String, IpSet> sets, Family family, boolean[] decides, boolean explode) {
    SetAtoms out = new SetAtoms();
    out.constraintOf = constraint;
    for (int k = 0; k < run.size(); k++) {
      Rule rule = run.get(k);
      Constraint c = constraint.apply(rule);
      if (explode && out.explode(k, rule, c, sets, family, decides[k])) {
        continue;
      }
      out.add(k, c, decides[k], null, null);
    }
    return out;
  }

  /** How many constraints: the rules, with each cut rule counted by its atoms. */
  int size() {
    return constraints.size();
  }

  /** How many rules were cut into atoms. */
  int cutRules() {
    return cut;
  }

  int owner(int atom) {
    return owners.get(atom);
  }

  /** Per constraint, the rule of the run it is part of. */
  int[] owners() {
    return owners.stream().mapToInt(Integer::intValue).toArray();
  }

  boolean[] decides() {
    boolean[] out = new boolean[deciding.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = deciding.get(i);
    }
    return out;
  }

  /**
   * The rule a leaf holds for {@code count} consecutive atoms of {@code owner} starting at {@code
   * first}: the rule itself, or, for a lone atom of an address set that is one prefix, the rule
   * with that address in place of the lookup. That rule stands for the rules the set was made of
   * that hold packets of the atom (its origin's parts, and its comment names them), not for every
   * member: the kernel's counter of {@code -s 10.0.0.1} counts only the rules of that address.
   */
  Rule rule(Rule owner, int first, int count) {
    List<Match> instead = count == 1 ? plain.get(first) : null;
    if (instead == null) {
      return owner;
    }
    return written.computeIfAbsent(first, a -> {
      List<Match> matches = new ArrayList<>();
      for (Match m : owner.matches()) {
        if (m == lookups.get(a)) {
          matches.addAll(instead);
        } else {
          matches.add(m);
        }
      }
      List<Rule> parts = owner.origin().parts();
      Cube atom = bound(constraints.get(a));
      List<Rule> meeting = new ArrayList<>();
      for (Rule part : parts) {
        if (bound(constraintOf.apply(part)).intersects(atom)) {
          meeting.add(part);
        }
      }
      return meeting.isEmpty() || meeting.size() == parts.size() ? owner.withMatches(matches)
          : Merged.rule(matches, owner.target(), meeting);
    });
  }

  private static Cube bound(Constraint c) {
    return c instanceof Opaque o ? o.bound() : (Cube) c;
  }

  private void add(int owner, Constraint c, boolean decides, List<Match> addr, Match.InSet s) {
    constraints.add(c);
    owners.add(owner);
    deciding.add(decides);
    plain.add(addr);
    lookups.add(s);
  }

  private boolean explode(int k, Rule rule, Constraint c, Function<String, IpSet> sets,
      Family family, boolean decides) {
    Match.InSet lookup = null;
    for (Match m : rule.matches()) {
      if (m instanceof Match.InSet s) {
        if (lookup != null || s.negated()) {
          return false; // two lookups, or a negated one: left whole
        }
        lookup = s;
      }
    }
    IpSet set = lookup == null ? null : sets.apply(lookup.name());
    if (set == null || !set.type().hasAddress()) {
      return false;
    }
    List<Cube> cubes = new ArrayList<>();
    if (c instanceof Cube cube) {
      cubes.add(cube); // an address set: the lookup is one cube, already in the rule's
    } else if (c instanceof Opaque o && o.opaque().size() == 1 && o.opaque().get(0) == lookup) {
      for (Cube entries : SetCubes.of(set, lookup.dirs(), family)) {
        Cube in = o.bound().intersect(entries);
        if (!in.isEmpty()) {
          cubes.add(in);
        }
      }
    } else {
      return false; // another match the space cannot express: the atoms would not be exact
    }
    Side side = lookup.dirs().get(0);
    Field field = side == Side.SRC ? Field.SRC : Field.DST;
    boolean noAddr = rule.matches().stream()
        .noneMatch(m -> m instanceof Match.Addr a && a.side() == side);
    boolean addressOnly = !set.type().hasPort() && set.type().dimensions() == 1 && noAddr;
    // an address,port set of the rule's protocol (as extract-sets makes them): a lone atom is an
    // address and a port range, header tests too
    Side portSide = lookup.dirs().size() == 2 ? lookup.dirs().get(1) : null;
    int proto = rule.protocol();
    boolean withPort = set.type().hasPort() && set.type().dimensions() == 2 && portSide != null
        && noAddr && (proto == Protocols.TCP || proto == Protocols.UDP || proto == Protocols.SCTP)
        && rule.matches().stream()
            .noneMatch(m -> m instanceof Match.Ports pm && pm.side() == portSide);
    Field portField = portSide == Side.SRC ? Field.SPORT : Field.DPORT;
    List<Cube> atoms = new ArrayList<>();
    List<List<Match>> addrs = new ArrayList<>();
    for (Cube cube : cubes) {
      ValueSet v = cube.get(field);
      List<IpRange> ranges = v instanceof IntervalSet iv ? iv.ipRanges(family) : List.of();
      PortRange port = withPort ? onePort(cube, portField, proto) : null;
      if (ranges.size() <= 1) {
        atoms.add(cube);
        addrs.add(ranges.size() == 1 ? plain(side, ranges.get(0), addressOnly, portSide, port)
            : null);
        continue;
      }
      for (IpRange r : ranges) {
        atoms.add(cube.and(field, IntervalSet.of(r)));
        addrs.add(plain(side, r, addressOnly, portSide, port));
      }
      if (atoms.size() > MAX_ATOMS_PER_RULE) {
        return false;
      }
    }
    if (atoms.size() < 2) {
      return false; // nothing to cut
    }
    for (int i = 0; i < atoms.size(); i++) {
      add(k, atoms.get(i), decides, addrs.get(i), lookup);
    }
    cut++;
    return true;
  }

  /**
   * The header matches of a lone atom of address {@code r}: the address when the set is one of
   * addresses, the address and {@code port} when it is of address,port pairs; null when none
   * (not a prefix, or not such a set).
   */
  private static List<Match> plain(Side side, IpRange r, boolean addressOnly, Side portSide,
      PortRange port) {
    if (!r.isPrefix()) {
      return null;
    }
    if (addressOnly) {
      return List.of(new Match.Addr(side, r, false));
    }
    return port == null ? null
        : List.of(new Match.Addr(side, r, false), new Match.Ports(portSide, List.of(port), false));
  }

  /** The one port range of an atom's cube of protocol {@code proto}, or null. */
  private static PortRange onePort(Cube cube, Field portField, int proto) {
    if (!(cube.get(Field.PROTO) instanceof IntervalSet p) || p.intervals() != 1
        || !p.contains(proto) || p.first()[1] != p.last()[1]
        || !(cube.get(portField) instanceof IntervalSet ports) || ports.intervals() != 1) {
      return null;
    }
    return ports.portRanges().get(0);
  }
}
