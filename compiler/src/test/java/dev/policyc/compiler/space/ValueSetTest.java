package dev.policyc.compiler.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/**
 * The value sets against brute force: on small domains every operation is checked value by
 * value; addresses at the edges of the 32- and 128-bit domains; names on the witness universe.
 */
class ValueSetTest {
  private static final int TRIALS = Property.trials(300);

  @Test
  void intervalSetOperationsAgreeWithBruteForceOnEightBits() {
    Property.forAll("interval set algebra", Property.seed(7101), TRIALS,
        r -> new IntervalSet[] {randomIntervals(r), randomIntervals(r)},
        p -> brute(p[0], p[1]), p -> List.of(), p -> p[0] + " and " + p[1]);
  }

  private static IntervalSet randomIntervals(Random r) {
    IntervalSet s = IntervalSet.empty(8);
    for (int i = r.nextInt(4); i > 0; i--) {
      int a = r.nextInt(256);
      int b = Math.min(255, a + r.nextInt(40));
      s = s.union(IntervalSet.range(8, a, b));
    }
    return r.nextInt(8) == 0 ? s.complement() : s;
  }

  private static String brute(IntervalSet a, IntervalSet b) {
    IntervalSet u = a.union(b);
    IntervalSet i = a.intersect(b);
    IntervalSet c = a.complement();
    for (long v = 0; v < 256; v++) {
      boolean ia = a.contains(v);
      boolean ib = b.contains(v);
      if (u.contains(v) != (ia || ib) || i.contains(v) != (ia && ib) || c.contains(v) == ia) {
        return "wrong at " + v;
      }
    }
    if (a.containsAll(b) != b.intersect(a.complement()).isEmpty() || !c.complement().equals(a)) {
      return "containment or double complement";
    }
    boolean meet = false;
    boolean contains = true;
    for (long v = 0; v < 256; v++) {
      meet |= a.contains(v) && b.contains(v);
      contains &= !b.contains(v) || a.contains(v);
    }
    if (a.intersects(b) != meet || a.containsAll(b) != contains) {
      return "intersects or containsAll without building sets";
    }
    return null;
  }

  @Test
  void maskSetFromAPredicateHoldsExactlyItsValues() {
    Random r = new Random(7103);
    for (int trial = 0; trial < 200; trial++) {
      long a = r.nextInt(256);
      long b = r.nextInt(256);
      int shift = r.nextInt(3);
      java.util.function.IntPredicate holds = x -> (x >> shift) % 7 == a % 7 || x == b;
      MaskSet s = MaskSet.of(8, holds);
      for (int x = 0; x < 256; x++) {
        assertEquals(holds.test(x), s.contains(x), "value " + x);
      }
    }
    assertEquals("{0x40/0xc0}", MaskSet.of(8, x -> (x >> 6) == 1).toString());
  }

  @Test
  void intervalsAreKeptMergedAndSorted() {
    IntervalSet s = IntervalSet.ofPorts(List.of(new PortRange(80, 80), new PortRange(20, 22),
        new PortRange(23, 30), new PortRange(81, 90), new PortRange(21, 21)));
    assertEquals(List.of(new PortRange(20, 30), new PortRange(80, 90)), s.portRanges());
    assertEquals(2, s.intervals());
  }

  /**
   * The share of its domain a set holds, what the decision tree weighs a region's even packets
   * by: exact for ports and IPv4, and for IPv6 across the 64-bit word boundary too.
   */
  @Test
  void aSetsShareOfItsDomainIsItsValuesOverTheDomain() {
    assertEquals(0.0, IntervalSet.empty(16).share());
    assertEquals(1.0, IntervalSet.full(128).share());
    assertEquals(0x1p-24, IntervalSet.of(IpRange.parse("10.0.0.0/24")).share());
    assertEquals(0.5, IntervalSet.of(IpRange.parse("128.0.0.0/1")).share());
    assertEquals(22 / 65536.0, IntervalSet.ofPorts(List.of(new PortRange(20, 30),
        new PortRange(80, 90))).share());
    assertEquals(0x1p-64, IntervalSet.of(IpRange.parse("2001:db8::/64")).share());
    assertEquals(0.5, IntervalSet.of(IpRange.parse("::/1")).share());
    // 16 addresses across the boundary of the two words
    assertEquals(16 * 0x1p-128, IntervalSet.of(
        IpRange.parse("::ffff:ffff:ffff:fff8-0:0:0:1::7")).share(), 1e-50);
    Cube c = Cube.all(Family.IPV4).and(Field.SRC, IntervalSet.of(IpRange.parse("10.0.0.0/8")))
        .and(Field.PROTO, IntervalSet.point(8, 6));
    assertEquals(0x1p-8 / 256, c.share());
    assertEquals(1.0, Cube.all(Family.IPV6).share());
  }

  @Test
  void addressesWorkAtTheEdgesOfBothFamilies() {
    IntervalSet all6 = IntervalSet.of(IpRange.all(Family.IPV6));
    assertTrue(all6.isFull());
    IntervalSet top = IntervalSet.of(IpRange.parse("ffff::/16"));
    IntervalSet rest = top.complement();
    assertEquals(List.of(IpRange.parse("::-fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
        rest.ipRanges(Family.IPV6));
    assertTrue(top.contains(IpAddr.max(Family.IPV6)));
    assertFalse(rest.contains(IpAddr.max(Family.IPV6)));
    IntervalSet low = IntervalSet.of(IpRange.parse("0.0.0.0/1"));
    IntervalSet high = IntervalSet.of(IpRange.parse("128.0.0.0/1"));
    assertTrue(low.union(high).isFull());
    assertEquals(high, low.complement());
    // ranges crossing the 64-bit word boundary of IPv6 merge and split correctly
    IntervalSet a = IntervalSet.of(IpRange.parse("::ffff:ffff:ffff:fff0-0:0:0:1::f"));
    IntervalSet b = IntervalSet.of(IpRange.parse("0:0:0:1::10-0:0:0:1::20"));
    assertEquals(1, a.union(b).intervals());
    assertTrue(a.union(b).contains(IpAddr.parse("0:0:0:1::")));
  }

  @Test
  void maskSetOperationsAgreeWithBruteForceOnEightBits() {
    Property.forAll("mask set algebra", Property.seed(7102), TRIALS,
        r -> new MaskSet[] {randomMasks(r), randomMasks(r)},
        p -> bruteMasks(p[0], p[1]), p -> List.of(), p -> p[0] + " and " + p[1]);
  }

  private static MaskSet randomMasks(Random r) {
    MaskSet s = MaskSet.empty(8);
    for (int i = r.nextInt(4); i > 0; i--) {
      long mask = r.nextInt(256);
      s = s.union(MaskSet.of(8, r.nextInt(256) & mask, mask));
    }
    return r.nextInt(6) == 0 ? s.complement() : s;
  }

  private static String bruteMasks(MaskSet a, MaskSet b) {
    MaskSet u = a.union(b);
    MaskSet i = a.intersect(b);
    MaskSet c = a.complement();
    for (long v = 0; v < 256; v++) {
      boolean ia = a.contains(v);
      boolean ib = b.contains(v);
      if (u.contains(v) != (ia || ib) || i.contains(v) != (ia && ib) || c.contains(v) == ia) {
        return "wrong at " + v;
      }
    }
    boolean contains = true;
    for (long v = 0; v < 256; v++) {
      contains &= !b.contains(v) || a.contains(v);
    }
    if (a.containsAll(b) != contains || a.isEmpty() != none(a::contains)) {
      return "containment or emptiness";
    }
    if (a.intersects(b) != !none(v -> a.contains(v) && b.contains(v))) {
      return "intersects without building the intersection";
    }
    return null;
  }

  private static boolean none(LongPredicate p) {
    for (long v = 0; v < 256; v++) {
      if (p.test(v)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aMarkMaskIsOnePatternNotManyIntervals() {
    MaskSet kube = MaskSet.of(32, 0x4000, 0x4000);
    assertTrue(kube.contains(0x4000) && kube.contains(0xc001) && !kube.contains(0x8000));
    assertTrue(kube.complement().contains(0x8000));
    assertTrue(MaskSet.of(8, 0x03, 0x01).isEmpty(), "value bits outside the mask never match");
  }

  @Test
  void nameSetsFollowTheKernelsWildcard() {
    NameSet eth = NameSet.of("eth+");
    assertTrue(eth.contains("eth") && eth.contains("eth0") && !eth.contains("et"));
    NameSet notEth0 = NameSet.of("eth0").complement();
    NameSet ethButEth0 = eth.intersect(notEth0);
    assertTrue(ethButEth0.contains("eth1") && !ethButEth0.contains("eth0"));
    assertFalse(ethButEth0.isEmpty());
    assertTrue(NameSet.of("eth0").intersect(NameSet.of("wan+")).isEmpty());
    assertTrue(eth.containsAll(NameSet.of("eth0")) && !NameSet.of("eth0").containsAll(eth));
    assertTrue(eth.union(eth.complement()).isFull());
    assertTrue(NameSet.of("+").isFull());
  }

  @Test
  void nameSetOperationsAgreeWithBruteForceOnTheirWitnesses() {
    String[] patterns = {"eth0", "eth1", "eth+", "e+", "lo", "veth+", "veth0", "wan0", "+"};
    Property.forAll("name set algebra", Property.seed(7103), TRIALS, r -> {
      NameSet[] p = new NameSet[2];
      for (int k = 0; k < 2; k++) {
        NameSet s = NameSet.empty();
        for (int i = r.nextInt(3) + 1; i > 0; i--) {
          NameSet one = NameSet.of(patterns[r.nextInt(patterns.length)]);
          s = r.nextBoolean() ? s.union(one) : s.union(one.complement());
        }
        p[k] = r.nextInt(4) == 0 ? s.complement() : s;
      }
      return p;
    }, p -> bruteNames(p[0], p[1], patterns), p -> List.of(), p -> p[0] + " and " + p[1]);
  }

  private static String bruteNames(NameSet a, NameSet b, String[] patterns) {
    List<String> names = new ArrayList<>(NameSet.witnesses(Set.of(patterns)));
    names.addAll(List.of("eth2", "vethx", "x", "e", "lo0", "wan00"));
    NameSet u = a.union(b);
    NameSet i = a.intersect(b);
    NameSet c = a.complement();
    boolean contains = true;
    boolean empty = true;
    for (String n : names) {
      boolean ia = a.contains(n);
      boolean ib = b.contains(n);
      contains &= !ib || ia;
      empty &= !ia;
      if (u.contains(n) != (ia || ib) || i.contains(n) != (ia && ib) || c.contains(n) == ia) {
        return "wrong at " + n;
      }
    }
    if (a.containsAll(b) != contains || a.isEmpty() != empty) {
      return "containment " + a.containsAll(b) + " or emptiness " + a.isEmpty();
    }
    return null;
  }
}
