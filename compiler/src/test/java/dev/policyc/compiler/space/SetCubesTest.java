package dev.policyc.compiler.space;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SetCubes} means what the interpreter means: for random sets of every type (address,port
 * entries of several protocols with overlapping port ranges included) and a rule with only the
 * set match in filter INPUT, the interpreter matches a packet exactly when its point is in one of
 * the set's cubes, and the cubes are disjoint.
 */
class SetCubesTest {
  private static final String[] V4 = {"10.0.0.0/8", "10.1.2.3", "10.1.2.0/24", "192.0.2.9",
    "192.0.2.0/25", "203.0.113.0/24"};
  private static final int[] PROTOS = {Protocols.TCP, Protocols.UDP, Protocols.SCTP,
    Protocols.ICMP, 47};
  private static final int[][] PORTS = {{22, 22}, {53, 53}, {80, 90}, {85, 100}, {0, 10},
    {0x0800, 0x08ff}};

  private static final int[] SEEN = new int[2];

  @Test
  void cubesHoldExactlyThePacketsTheInterpreterFindsInTheSet() {
    SEEN[0] = 0;
    SEEN[1] = 0;
    Property.forAll("set cubes agree with the interpreter", Property.seed(20261206),
        Property.trials(300), r -> r.nextLong(), SetCubesTest::check, s -> List.of(),
        s -> "set seed " + s);
    assertTrue(SEEN[0] > 3000 && SEEN[1] > 300 && SEEN[0] - SEEN[1] > 300,
        "compared " + SEEN[0] + " packets, " + SEEN[1] + " in the set");
  }

  private static String check(long seed) {
    Random r = new Random(seed);
    IpSet.Type type = IpSet.Type.values()[r.nextInt(IpSet.Type.values().length)];
    List<IpSet.Entry> entries = new ArrayList<>();
    int n = 1 + r.nextInt(5);
    for (int i = 0; i < n; i++) {
      int[] p = PORTS[r.nextInt(PORTS.length)];
      IpRange addr = type.hasAddress() ? IpRange.parse(V4[r.nextInt(V4.length)]) : null;
      int proto = type.hasAddress() && type.hasPort() ? PROTOS[r.nextInt(PROTOS.length)] : 0;
      entries.add(new IpSet.Entry(addr, proto, type.hasPort() ? new PortRange(p[0], p[1])
          : null));
    }
    IpSet set = new IpSet("s", type, Family.IPV4, entries,
        type == IpSet.Type.BITMAP_PORT ? PortRange.ALL : null, 65536);
    List<Side> dirs = new ArrayList<>();
    for (int i = 0; i < type.dimensions(); i++) {
      dirs.add(r.nextBoolean() ? Side.SRC : Side.DST);
    }
    boolean negated = r.nextInt(3) == 0;
    Rule rule = new Rule(List.of(new Match.InSet("s", dirs, negated)), new Target.Accept());
    IrPolicy policy = new IrPolicy("one", null, List.of(set),
        new Ruleset(Family.IPV4, List.of(new RuleTable(Table.FILTER, List.of(
            new Chain("INPUT", Verdict.DROP, List.of(rule)),
            new Chain("FORWARD", Verdict.ACCEPT, List.of()),
            new Chain("OUTPUT", Verdict.ACCEPT, List.of()))))),
        new Ruleset(Family.IPV6, List.of()));
    List<Cube> cubes = SetCubes.of(set, dirs, Family.IPV4);
    for (int i = 0; i < cubes.size(); i++) {
      for (int j = i + 1; j < cubes.size(); j++) {
        if (cubes.get(i).intersects(cubes.get(j))) {
          return "cubes " + cubes.get(i) + " and " + cubes.get(j) + " overlap in " + set;
        }
      }
    }
    RandomPackets packets = new RandomPackets(r, policy);
    for (int i = 0; i < 40; i++) {
      Packet p = packets.next(Family.IPV4);
      p = p.withRoute(p.in() == null ? "eth0" : p.in(), null);
      Decision d = Interpreter.decide(policy, p);
      if (d.path().stream().noneMatch(s -> s.chain().equals("INPUT"))) {
        continue; // held or dropped before filter INPUT (fragments, martians)
      }
      boolean matched = d.path().stream().anyMatch(s -> s.rule() == 1);
      Point pt = point(p);
      boolean inCubes = cubes.stream().anyMatch(pt::in);
      SEEN[0]++;
      SEEN[1] += inCubes ? 1 : 0;
      if (matched != (inCubes ^ negated)) {
        return "packet " + p + ": interpreter " + (matched ? "matches" : "does not match")
            + (negated ? " ! " : " ") + set + " " + dirs + ", cubes " + cubes;
      }
    }
    return null;
  }

  /** The packet as filter INPUT's matches see it (no conntrack: no rule asks for it). */
  private static Point point(Packet p) {
    Map<Field, Long> n = new EnumMap<>(Field.class);
    n.put(Field.PROTO, (long) p.proto());
    n.put(Field.SPORT, (long) p.sport());
    n.put(Field.DPORT, (long) p.dport());
    n.put(Field.ICMP, (long) (p.icmpType() << 8 | p.icmpCode()));
    n.put(Field.TCP_FLAGS, (long) p.tcpFlags());
    n.put(Field.CT_STATE, (long) ConnState.INVALID.ordinal());
    n.put(Field.MARK, p.mark());
    n.put(Field.CT_MARK, p.ctmark());
    n.put(Field.TOS, (long) p.tos());
    n.put(Field.LENGTH, (long) p.length());
    n.put(Field.TTL, (long) p.ttl());
    n.put(Field.FRAGMENT, p.fragment() ? 1L : 0L);
    return new Point(p.family(), p.src(), p.dst(), n, p.in(), "");
  }
}
