package dev.policyc.compiler.verify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.testing.IrShrinker;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The engine against the interpreter, on random policies and a second policy made from each:
 * an equivalent rewrite (disjoint rules swapped, a rule split in two, a shadowed copy added), a
 * planted edit (a port, a prefix bit, an action, an overlapping pair swapped, a conntrack state
 * dropped), or an unrelated random policy. When the engine says equal, random packets biased to
 * both policies' boundaries agree; when it says different, every witness it gives is decided
 * differently by the interpreter; equivalent rewrites are never reported; an edit that any
 * sampled packet shows is always found.
 */
class EquivalencePropertyTest {
  private static final int PAIRS = 1200;
  private static final int PACKETS = 80;
  private static final long BUDGET = 2_000_000;

  /** How the second policy was made. */
  enum Kind {
    SWAP_DISJOINT(true),
    SPLIT(true),
    SHADOWED_COPY(true),
    PORT(false),
    PREFIX(false),
    ACTION(false),
    SWAP_OVERLAPPING(false),
    STATE(false),
    UNRELATED(false);

    final boolean equivalent;

    Kind(boolean equivalent) {
      this.equivalent = equivalent;
    }
  }

  record Pair(Kind kind, IrPolicy a, IrPolicy b, long seed) {}

  private final Map<Kind, int[]> tally = new EnumMap<>(Kind.class);

  @Test
  void engineAgreesWithTheInterpreter() {
    int trials = Property.trials(PAIRS);
    Property.forAll("equivalence engine = interpreter", Property.seed(20261205L), trials,
        EquivalencePropertyTest::generate, this::check, EquivalencePropertyTest::shrink,
        p -> p.kind() + "\nA:\n" + p.a() + "\nB:\n" + p.b());
    StringBuilder sb = new StringBuilder("equivalence engine: " + trials + " pairs;");
    int made = 0;
    for (Map.Entry<Kind, int[]> e : tally.entrySet()) {
      int[] t = e.getValue();
      made += t[0];
      sb.append(' ').append(e.getKey()).append(' ').append(t[0]).append(" (equal ").append(t[1])
          .append(", different ").append(t[2]).append(", unknown ").append(t[3])
          .append(", witnesses ").append(t[4]).append(')');
    }
    System.out.println(sb);
    assertTrue(made >= trials, "every pair compared");
    int unknown = tally.values().stream().mapToInt(t -> t[3]).sum();
    assertTrue(unknown <= trials / 100, unknown + " pairs undecided");
    for (Kind k : Kind.values()) {
      int[] t = tally.get(k);
      assertTrue(t != null && t[0] >= trials / 100, "too few pairs of kind " + k);
      if (!k.equivalent) {
        assertTrue(t[2] > 0 && t[4] > 0, "no " + k + " edit found and shown by a witness");
      }
    }
  }

  static Pair generate(Random rnd) {
    long seed = rnd.nextLong();
    Random r = new Random(seed);
    IrPolicy a = new RandomPolicies(r).policy(RandomPolicies.Options.ALL);
    for (int attempt = 0; attempt < 20; attempt++) {
      Kind k = Kind.values()[r.nextInt(Kind.values().length)];
      IrPolicy b = Mutations.apply(k, a, r);
      if (b != null) {
        return new Pair(k, a, b, seed);
      }
    }
    return new Pair(Kind.UNRELATED, a, new RandomPolicies(r).policy(RandomPolicies.Options.ALL),
        seed);
  }

  String check(Pair p) {
    Result res = Equivalence.compare(p.a(), p.b(), BUDGET, 8);
    int[] t = tally.computeIfAbsent(p.kind(), k -> new int[5]);
    t[0]++;
    t[res.status().ordinal() + 1]++;
    for (Difference d : res.differences()) {
      if (d.confirmed()) {
        t[4]++;
        Decision x = Interpreter.decide(p.a(), d.witness());
        Decision y = Interpreter.decide(p.b(), d.witness());
        if (x.effect().equals(y.effect())) {
          return "witness " + d.witness() + " is decided alike: " + x;
        }
      }
    }
    if (res.status() == Result.Status.UNKNOWN) {
      return null; // counted; at most 1 % of the pairs may be undecided (asserted at the end)
    }
    Packet differs = sampleDifference(p);
    if (res.equal() && differs != null) {
      return "engine says equal, but " + differs + " is decided\n  A: "
          + Interpreter.decide(p.a(), differs) + "\n  B: " + Interpreter.decide(p.b(), differs);
    }
    if (p.kind().equivalent && !res.equal()) {
      return "an equivalent rewrite is reported: " + res.differences();
    }
    return null;
  }

  /** A packet the interpreter decides differently under the two policies, or null. */
  static Packet sampleDifference(Pair p) {
    Random rnd = new Random(p.seed());
    RandomPackets ga = new RandomPackets(rnd, p.a());
    RandomPackets gb = new RandomPackets(rnd, p.b());
    for (int i = 0; i < PACKETS; i++) {
      Packet pkt = (i % 2 == 0 ? ga : gb).next();
      Decision x = Interpreter.decide(p.a(), pkt);
      Decision y = Interpreter.decide(p.b(), pkt);
      if (!x.effect().equals(y.effect())) {
        return pkt;
      }
    }
    return null;
  }

  /**
   * Smaller pairs: either side shrunk. An equivalent rewrite is not shrunk, since shrinking one
   * side alone would break the equivalence the check relies on.
   */
  static List<Pair> shrink(Pair p) {
    List<Pair> out = new ArrayList<>();
    if (p.kind().equivalent) {
      return out;
    }
    for (IrPolicy a : IrShrinker.candidates(p.a())) {
      out.add(new Pair(p.kind(), a, p.b(), p.seed()));
    }
    for (IrPolicy b : IrShrinker.candidates(p.b())) {
      out.add(new Pair(p.kind(), p.a(), b, p.seed()));
    }
    return out;
  }

  /** The rewrites and edits. */
  static final class Mutations {
    private Mutations() {}

    /** The policy {@code k} makes of {@code a}, or null when {@code a} offers no place for it. */
    static IrPolicy apply(Kind k, IrPolicy a, Random r) {
      if (k == Kind.UNRELATED) {
        return new RandomPolicies(r).policy(RandomPolicies.Options.ALL);
      }
      Family f = r.nextBoolean() ? Family.IPV4 : Family.IPV6;
      List<RuleTable> tables = a.ruleset(f).tables();
      if (tables.isEmpty()) {
        return null;
      }
      int ti = r.nextInt(tables.size());
      RuleTable t = tables.get(ti);
      int ci = r.nextInt(t.chains().size());
      Chain c = t.chains().get(ci);
      List<Rule> rules = new ArrayList<>(c.rules());
      if (rules.isEmpty()) {
        return null;
      }
      int i = r.nextInt(rules.size());
      if (k == Kind.SWAP_DISJOINT || k == Kind.SWAP_OVERLAPPING) {
        i = swapPlace(k, rules, f, a, r.nextInt(Math.max(1, rules.size())));
        if (i < 0) {
          return null;
        }
      }
      Rule rule = rules.get(i);
      switch (k) {
        case SWAP_DISJOINT, SWAP_OVERLAPPING -> {
          if (i + 1 >= rules.size()) {
            return null;
          }
          Rule next = rules.get(i + 1);
          if (!terminal(rule) || !terminal(next)) {
            return null;
          }
          Cube x = cube(rule, f, a);
          Cube y = cube(next, f, a);
          if (x == null || y == null) {
            return null;
          }
          boolean disjoint = x.intersect(y).isEmpty();
          if (disjoint != (k == Kind.SWAP_DISJOINT)
              || k == Kind.SWAP_OVERLAPPING && rule.target().equals(next.target())) {
            return null;
          }
          rules.set(i, next);
          rules.set(i + 1, rule);
        }
        case SPLIT -> {
          int mi = addrMatch(rule);
          if (mi < 0 || stateful(rule)) {
            return null;
          }
          Match.Addr ad = (Match.Addr) rule.matches().get(mi);
          IpRange[] halves = halves(ad.range());
          if (halves == null || ad.negated()) {
            return null;
          }
          rules.set(i, withMatch(rule, mi, new Match.Addr(ad.side(), halves[0], false)));
          rules.add(i + 1, withMatch(rule, mi, new Match.Addr(ad.side(), halves[1], false)));
        }
        case SHADOWED_COPY -> {
          if (!terminal(rule) || stateful(rule)) {
            return null;
          }
          rules.add(i + 1, rule);
        }
        case PORT -> {
          int mi = indexOf(rule, Match.Ports.class);
          if (mi < 0) {
            return null;
          }
          Match.Ports ps = (Match.Ports) rule.matches().get(mi);
          PortRange p0 = ps.ranges().get(0);
          PortRange moved = p0.hi() < 65535 ? new PortRange(p0.lo() + 1, p0.hi() + 1)
              : new PortRange(p0.lo() - 1, p0.hi() - 1);
          List<PortRange> rs = new ArrayList<>(ps.ranges());
          rs.set(0, moved);
          rules.set(i, withMatch(rule, mi, new Match.Ports(ps.side(), rs, ps.negated())));
        }
        case PREFIX -> {
          int mi = addrMatch(rule);
          if (mi < 0) {
            return null;
          }
          Match.Addr ad = (Match.Addr) rule.matches().get(mi);
          IpRange[] halves = halves(ad.range());
          if (halves == null) {
            return null;
          }
          rules.set(i, withMatch(rule, mi, new Match.Addr(ad.side(), halves[r.nextInt(2)],
              ad.negated())));
        }
        case ACTION -> {
          Target tg = rule.target();
          Target other;
          if (tg instanceof Target.Accept) {
            other = new Target.Drop();
          } else if (tg instanceof Target.Drop) {
            other = new Target.Accept();
          } else {
            return null;
          }
          rules.set(i, new Rule(rule.matches(), other, rule.comment(), rule.origin()));
        }
        case STATE -> {
          int mi = indexOf(rule, Match.CtState.class);
          if (mi < 0) {
            return null;
          }
          Match.CtState cs = (Match.CtState) rule.matches().get(mi);
          if (cs.states().size() < 2) {
            return null;
          }
          Set<ConnState> fewer = EnumSet.copyOf(cs.states());
          fewer.remove(fewer.iterator().next());
          rules.set(i, withMatch(rule, mi, new Match.CtState(fewer, cs.negated())));
        }
        default -> throw new AssertionError(k);
      }
      List<Chain> chains = new ArrayList<>(t.chains());
      chains.set(ci, new Chain(c.name(), c.policy(), rules));
      List<RuleTable> ts = new ArrayList<>(tables);
      ts.set(ti, t.withChains(chains));
      Ruleset rs = new Ruleset(f, ts);
      return new IrPolicy(a.name(), a.host(), a.sets(), f == Family.IPV4 ? rs : a.ipv4(),
          f == Family.IPV6 ? rs : a.ipv6());
    }

    /** A place where two adjacent rules can be swapped as {@code k} wants, from {@code from}. */
    private static int swapPlace(Kind k, List<Rule> rules, Family f, IrPolicy a, int from) {
      for (int n = 0; n + 1 < rules.size(); n++) {
        int i = (from + n) % (rules.size() - 1);
        Rule x = rules.get(i);
        Rule y = rules.get(i + 1);
        if (!terminal(x) || !terminal(y)) {
          continue;
        }
        Cube cx = cube(x, f, a);
        Cube cy = cube(y, f, a);
        if (cx == null || cy == null) {
          continue;
        }
        boolean disjoint = cx.intersect(cy).isEmpty();
        if (k == Kind.SWAP_DISJOINT ? disjoint : !disjoint && !x.target().equals(y.target())) {
          return i;
        }
      }
      return -1;
    }

    private static boolean terminal(Rule r) {
      Target t = r.target();
      return t instanceof Target.Accept || t instanceof Target.Drop || t instanceof Target.Reject;
    }

    private static boolean stateful(Rule r) {
      for (Match m : r.matches()) {
        if (m instanceof Match.Limit || m instanceof Match.Statistic) {
          return true;
        }
      }
      return false;
    }

    private static Cube cube(Rule r, Family f, IrPolicy p) {
      Constraint c = Constraints.of(r, f, p);
      return c instanceof Cube cube ? cube : null;
    }

    private static int addrMatch(Rule r) {
      return indexOf(r, Match.Addr.class);
    }

    private static int indexOf(Rule r, Class<? extends Match> kind) {
      for (int i = 0; i < r.matches().size(); i++) {
        if (kind.isInstance(r.matches().get(i))) {
          return i;
        }
      }
      return -1;
    }

    private static Rule withMatch(Rule r, int i, Match m) {
      List<Match> ms = new ArrayList<>(r.matches());
      ms.set(i, m);
      return r.withMatches(ms);
    }

    /** The two halves of a prefix, or null when it is a single address or not a prefix. */
    private static IpRange[] halves(IpRange range) {
      int len = range.prefixLength();
      int bits = IpAddr.bits(range.family());
      if (len < 0 || len >= bits) {
        return null;
      }
      return new IpRange[] {IpRange.prefix(range.first(), len + 1),
        IpRange.prefix(range.first().fillHost(bits - len - 1).plus(1), len + 1)};
    }
  }
}
