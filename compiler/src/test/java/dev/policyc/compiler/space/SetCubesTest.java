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

  private static final String[] V4_HOSTS = {"10.1.2.3", "192.0.2.9", "203.0.113.7"};

  /** Packets compared, in the set; of the three-dimensional types, compared and in the set. */
  private static final int[] SEEN = new int[4];

  @Test
  void cubesHoldExactlyThePacketsTheInterpreterFindsInTheSet() {
    java.util.Arrays.fill(SEEN, 0);
    Property.forAll("set cubes agree with the interpreter", Property.seed(20261206),
        Property.trials(300), r -> r.nextLong(), SetCubesTest::check, s -> List.of(),
        s -> "set seed " + s);
    assertTrue(SEEN[0] > 3000 && SEEN[1] > 300 && SEEN[0] - SEEN[1] > 300,
        "compared " + SEEN[0] + " packets, " + SEEN[1] + " in the set");
    assertTrue(SEEN[2] > 500 && SEEN[3] > 30 && SEEN[2] - SEEN[3] > 30,
        "three-dimensional sets: compared " + SEEN[2] + " packets, " + SEEN[3] + " in the set");
  }

  private static Packet address(Packet p, Side side, dev.policyc.compiler.ir.IpAddr a) {
    return side == Side.SRC ? p.withSrc(a, p.sport()) : p.withDst(a, p.dport());
  }

  private static String check(long seed) {
    Random r = new Random(seed);
    List<IpSet.Type> types = Arrays.asList(IpSet.Type.values());
    IpSet.Type type = types.get(r.nextInt(types.size()));
    List<IpSet.Entry> entries = new ArrayList<>();
    int n = 1 + r.nextInt(5);
    for (int i = 0; i < n; i++) {
      int[] p = PORTS[r.nextInt(PORTS.length)];
      // the three-dimensional types hold a host first, and a host (ip) or a net second
      IpRange addr = !type.hasAddress() ? null : type.hasSecondAddress()
          ? IpRange.parse(V4_HOSTS[r.nextInt(V4_HOSTS.length)])
          : IpRange.parse(V4[r.nextInt(V4.length)]);
      int proto = type.hasAddress() && type.hasPort() ? PROTOS[r.nextInt(PROTOS.length)] : 0;
      IpRange addr2 = !type.hasSecondAddress() ? null : type == IpSet.Type.HASH_IP_PORT_IP
          ? IpRange.parse(V4_HOSTS[r.nextInt(V4_HOSTS.length)])
          : IpRange.parse(V4[r.nextInt(V4.length)]);
      entries.add(new IpSet.Entry(addr, proto, type.hasPort() ? new PortRange(p[0], p[1])
          : null, addr2));
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
    for (int i = 0; i < (type.hasSecondAddress() ? 120 : 40); i++) {
      Packet p = packets.next(Family.IPV4);
      if (type.hasSecondAddress() && i >= 40) {
        // a random packet rarely meets all three elements of an entry: aim at one
        IpSet.Entry e = entries.get(r.nextInt(entries.size()));
        p = address(p, dirs.get(0), e.addr().first());
        if (p.hasPorts()) {
          int port = e.ports().lo() + r.nextInt(e.ports().hi() - e.ports().lo() + 1);
          p = dirs.get(1) == Side.SRC ? p.withSrc(p.src(), port) : p.withDst(p.dst(), port);
        }
        p = address(p, dirs.get(2), r.nextBoolean() ? e.addr2().first() : e.addr2().last());
      }
      Boolean matched = alone.matches(p);
      if (matched == null) {
        continue;
      }
      Point pt = alone.point(p);
      boolean inCubes = cubes.stream().anyMatch(pt::in);
      SEEN[0]++;
      SEEN[1] += inCubes ? 1 : 0;
      if (type.hasSecondAddress()) {
        SEEN[2]++;
        SEEN[3] += inCubes ? 1 : 0;
      }
      if (matched != (inCubes ^ negated)) {
        return "packet " + p + ": interpreter " + (matched ? "matches" : "does not match")
            + (negated ? " ! " : " ") + set + " " + dirs + ", cubes " + cubes;
      }
    }
    return null;
  }
}
