package dev.policyc.compiler.space;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    // the types the packet space models (it refuses the three-dimensional ones)
    List<IpSet.Type> types = Arrays.stream(IpSet.Type.values())
        .filter(t -> !t.hasSecondAddress()).toList();
    IpSet.Type type = types.get(r.nextInt(types.size()));
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
    RuleAlone alone = new RuleAlone(rule, Family.IPV4, List.of(set));
    List<Cube> cubes = SetCubes.of(set, dirs, Family.IPV4);
    for (int i = 0; i < cubes.size(); i++) {
      for (int j = i + 1; j < cubes.size(); j++) {
        if (cubes.get(i).intersects(cubes.get(j))) {
          return "cubes " + cubes.get(i) + " and " + cubes.get(j) + " overlap in " + set;
        }
      }
    }
    RandomPackets packets = new RandomPackets(r, alone.policy());
    for (int i = 0; i < 40; i++) {
      Packet p = packets.next(Family.IPV4);
      Boolean matched = alone.matches(p);
      if (matched == null) {
        continue;
      }
      Point pt = alone.point(p);
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
}
