package dev.policyc.compiler.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The layout of {@link CutTrees}' nodes, read as the runtime reads it: every leaf holds its own
 * reference (a walk of several trees at once steps a leaf to itself), and a walk of each tree to
 * its leaf finds the first rule whose hull holds the header, as a scan of all hulls does; also
 * when the nodes outgrow what a reference can address, and the trees fall back to leaves.
 */
class CutTreesTest {
  @Test
  void walksFindTheFirstHullThatHoldsTheHeader() {
    Set s = set(2_000);
    CutTrees.Built b = CutTrees.build(s.rules, Family.IPV4, (int[]) null);
    assertTrue(cuts(b) > 50, "trees of cuts, not leaves: " + cuts(b));
    check(s, b);
  }

  @Test
  void nodesBeyondTheReachOfAReferenceStopTheCuts() {
    Set s = set(2_000);
    int full = CutTrees.build(s.rules, Family.IPV4, (int[]) null).nodes().length;
    // room for two thirds of the nodes: cuts stop at half of it, the rest are leaves
    CutTrees.Built b = CutTrees.build(s.rules, Family.IPV4, full * 2 / 3);
    assertTrue(b.nodes().length <= full * 2 / 3 + 1 && cuts(b) > 0,
        b.nodes().length + " of " + full + ", " + cuts(b) + " cuts");
    check(s, b);
    // room for fewer ints than the rules: one leaf per tree
    CutTrees.Built leaves = CutTrees.build(s.rules, Family.IPV4, s.rules.size() / 2);
    assertEquals(0, cuts(leaves));
    check(s, leaves);
  }

  @Test
  void theLastTwoTreesMergedStillFindTheFirstHull() {
    Set s = set(2_000);
    int groups = groups(CutTrees.build(s.rules, Family.IPV4, CutTrees.MAX_OFFSET,
        CutTrees.Merge.NEVER, null).quick());
    assertTrue(groups >= 3, groups + " groups");
    // never merged, and always
    CutTrees.Built apart = CutTrees.build(s.rules, Family.IPV4, CutTrees.MAX_OFFSET,
        CutTrees.Merge.NEVER, null);
    assertEquals(groups, apart.roots().length);
    check(s, apart);
    CutTrees.Built merged = CutTrees.build(s.rules, Family.IPV4, CutTrees.MAX_OFFSET,
        CutTrees.Merge.ALWAYS, null);
    assertEquals(groups - 1, merged.roots().length, "the last two trees made one");
    assertEquals(entries(merged), merged.leafEntries());
    assertTrue(cuts(merged) > cuts(apart) / 2, cuts(merged) + " cuts");
    check(s, merged);
  }

  /**
   * Within a node, a rule that an earlier rule ending the chain (exact, ACCEPT, DROP or REJECT)
   * holds is left out: the first hull found is the same, with fewer leaf entries.
   */
  @Test
  void rulesAnEarlierEndingRuleHoldsAreLeftOut() {
    Set s = set(2_000);
    int[] ends = new int[s.rules.size()];
    Arrays.fill(ends, CutTrees.ENDS);
    CutTrees.Built all = CutTrees.build(s.rules, Family.IPV4, (int[]) null);
    CutTrees.Built pruned = CutTrees.build(s.rules, Family.IPV4, ends);
    assertTrue(pruned.leafEntries() < all.leafEntries(),
        pruned.leafEntries() + " against " + all.leafEntries());
    check(s, pruned);
  }

  /**
   * TCP with a port match (of every port) and then TCP: the second is left out only when the
   * first ends the chain and, since a rule with ports never matches a fragment, the second has
   * ports too.
   */
  @Test
  void aRuleIsLeftOutOnlyForAnEndingRuleThatMatchesItsFragments() {
    List<Constraint> rules = new ArrayList<>();
    Cube tcp = Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 6));
    rules.add(tcp);
    rules.add(tcp);
    for (int i = 0; i < 10; i++) {
      // in the same tree as the first two (wide in both addresses)
      rules.add(tcp.and(Field.SPORT, IntervalSet.point(16, 1000 + i)));
    }
    int[] kinds = new int[rules.size()];
    Arrays.fill(kinds, CutTrees.ENDS | CutTrees.PORTS);
    kinds[0] = CutTrees.ENDS;
    kinds[1] = CutTrees.ENDS;
    assertEquals(1, CutTrees.build(rules, Family.IPV4, kinds).leafEntries());
    kinds[0] = CutTrees.ENDS | CutTrees.PORTS;
    CutTrees.Built b = CutTrees.build(rules, Family.IPV4, kinds);
    assertEquals(2, b.leafEntries(), "rule 1 takes the fragments rule 0 leaves");
    assertEquals(1, b.roots().length);
    kinds[0] = 0;
    kinds[1] = 0;
    assertTrue(CutTrees.build(rules, Family.IPV4, kinds).leafEntries() >= rules.size(),
        "an earlier rule that may let packets go on leaves every rule");
  }

  /**
   * A cut of the protocol among TCP rules, UDP rules and rules of any protocol: the parts of
   * every other protocol hold the same rules whole, five runs of parts in all, and a run is one
   * node, so the cut holds the rules of any protocol five times, not 256 (counted a copy a part,
   * 2,620 rules and 256 parts, it outgrew its space factor, 32 times its 70 rules, and was not
   * made). A rule that covers only part of a part (a protocol range ending within it) makes that
   * part a run of its own.
   */
  @Test
  void partsThatHoldTheSameRulesWholeAreOneNode() {
    List<Constraint> rules = new ArrayList<>();
    Cube tcp = Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 6));
    Cube udp = Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 17));
    for (int i = 0; i < 30; i++) {
      rules.add(tcp.and(Field.DPORT, IntervalSet.point(16, 1000 + i)));
      rules.add(udp.and(Field.DPORT, IntervalSet.point(16, 2000 + i)));
    }
    for (int i = 0; i < 10; i++) {
      rules.add(Cube.all(Family.IPV4).and(Field.SPORT, IntervalSet.point(16, 3000 + i)));
    }
    // 256 parts: [0, 5], 6, [7, 16], 17, [18, 255]; 10 rules of any protocol in each run
    assertArrayEquals(new long[] {30 + 30 + 5 * 10, 40, 5, 30 + 30 + 256 * 10},
        CutHulls.rootCut(rules, Family.IPV4, 0, 8));
    // by the top 4 bits: [0, 15] holds TCP and UDP (17 is in part 1): parts 0 and 1 differ
    assertArrayEquals(new long[] {40 + 40 + 10, 40, 3, 40 + 40 + 14 * 10},
        CutHulls.rootCut(rules, Family.IPV4, 0, 4));
    // a rule of protocols 0 to 100 ends within part 6 of a cut by the top 4 bits (96 to 111)
    rules.add(Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.range(8, 0, 100)));
    long[] parts = CutHulls.rootCut(rules, Family.IPV4, 0, 4);
    assertEquals(5, parts[2], "runs: 0, 1, [2, 5], 6, [7, 15]");
  }

  /**
   * Rules narrow in both addresses, then more rules wide in both that overlapping port ranges
   * tell apart: the trees stay within their room of 11 ints a rule (with the 32 bytes of hull and
   * action and the rest of a rule, 1 MiB of tables per 10K rules), and still find the first
   * hull. When a count of the room left stopped the cuts (until 2026-12-08) these trees took
   * 15.4 ints a rule: the count was of leaf entries, and the cuts' parts were not counted.
   */
  @Test
  void theTreesStayWithinTheirRoom() {
    java.util.Random random = new java.util.Random(5);
    List<Constraint> rules = new ArrayList<>();
    Cube tcp = Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 6));
    for (int i = 0; i < 300; i++) {
      rules.add(tcp.and(Field.SRC, IntervalSet.point(32, random.nextInt() & 0xffffffffL))
          .and(Field.DST, IntervalSet.point(32, random.nextInt() & 0xffffffffL))
          .and(Field.DPORT, IntervalSet.point(16, random.nextInt(1024))));
    }
    for (int i = 0; i < 1_500; i++) {
      int s = random.nextInt(65536 - 3000);
      int d = random.nextInt(65536 - 3000);
      rules.add(tcp.and(Field.SPORT, IntervalSet.range(16, s, s + random.nextInt(3000)))
          .and(Field.DPORT, IntervalSet.range(16, d, d + random.nextInt(3000))));
    }
    int[] kinds = new int[rules.size()];
    Arrays.fill(kinds, CutTrees.ENDS | CutTrees.PORTS);
    CutTrees.Built b = CutTrees.build(rules, Family.IPV4, kinds);
    assertTrue(b.nodes().length <= 11 * rules.size() + 1024, b.nodes().length + " ints");
    assertTrue(cuts(b) > 100, cuts(b) + " cuts");
    List<ClassBenchTraceGenerator.Header> headers = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      Cube r = (Cube) rules.get(random.nextInt(rules.size()));
      headers.add(new ClassBenchTraceGenerator.Header(pick(r, Field.SRC, random),
          pick(r, Field.DST, random), (int) pick(r, Field.SPORT, random),
          (int) pick(r, Field.DPORT, random), 6, 0));
    }
    check(new Set(rules, headers), b, 5_000);
  }

  /**
   * Rules wide in both addresses: rules of ICMP, TCP and UDP that the hulls cannot tell apart
   * (they log, so none leaves the others out), then rules of any protocol on short prefixes. A
   * packet of protocol 7 or 16 can match only the rules of any protocol. When a protocol cut was
   * weighed by its mean part over the 256 protocol values (until 2026-12-08), a cut of 128 parts
   * cost less than one of 256, and its part of protocols 6 and 7 held TCP's rules: such packets
   * tested 80 rules a lookup. Weighed by its runs of parts, the cut takes 256 parts, and they
   * test 11.
   */
  @Test
  void packetsOfAProtocolBesideANamedOneTestOnlyTheRulesOfAnyProtocol() {
    java.util.Random random = new java.util.Random(11);
    List<Constraint> rules = new ArrayList<>();
    for (int[] p : new int[][] {{1, 20}, {6, 60}, {17, 40}}) {
      for (int i = 0; i < p[1]; i++) {
        rules.add(Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, p[0])));
      }
    }
    int named = rules.size();
    for (int i = 0; i < 80; i++) {
      int len = 5 + random.nextInt(5);
      long net = (random.nextInt() & 0xffffffffL) >>> (32 - len) << (32 - len);
      IntervalSet prefix = IntervalSet.range(32, net, net + (1L << (32 - len)) - 1);
      rules.add(Cube.all(Family.IPV4).and(random.nextBoolean() ? Field.SRC : Field.DST, prefix));
    }
    int[] kinds = new int[rules.size()];
    Arrays.fill(kinds, named, kinds.length, CutTrees.ENDS);
    CutTrees.Built b = CutTrees.build(rules, Family.IPV4, kinds);
    List<ClassBenchTraceGenerator.Header> beside = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      beside.add(new ClassBenchTraceGenerator.Header(random.nextInt() & 0xffffffffL,
          random.nextInt() & 0xffffffffL, 0, 0, i % 2 == 0 ? 7 : 16, 0));
    }
    check(new Set(rules, beside), b, 500);
    double tests = work(b, beside).testsALookup();
    assertTrue(tests < 20, tests + " rule tests a packet of protocol 7 or 16");
  }

  /**
   * TCP rules that no cut tells apart (they log, so none leaves the others out), then UDP rules
   * each on one destination port: a cut of the protocol gives TCP's part most of the tree's
   * budget, in proportion to the square of its rules, and TCP's part cannot use it. Since
   * 2026-12-08 what a part leaves of its share goes to the parts built after it, and UDP's rules
   * get the cuts they need: a UDP packet tests 1.2 of them a lookup, against 1.7 before.
   */
  @Test
  void whatAPartLeavesOfItsShareGoesToTheOthers() {
    java.util.Random random = new java.util.Random(13);
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      rules.add(Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 6)));
    }
    Cube udp = Cube.all(Family.IPV4).and(Field.PROTO, IntervalSet.point(8, 17));
    for (int i = 0; i < 100; i++) {
      rules.add(udp.and(Field.DPORT, IntervalSet.point(16, random.nextInt(65536))));
    }
    int[] kinds = new int[rules.size()];
    Arrays.fill(kinds, 600, kinds.length, CutTrees.ENDS | CutTrees.PORTS);
    CutTrees.Built b = CutTrees.build(rules, Family.IPV4, kinds);
    List<ClassBenchTraceGenerator.Header> headers = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      Cube r = (Cube) rules.get(600 + random.nextInt(100));
      headers.add(new ClassBenchTraceGenerator.Header(random.nextInt() & 0xffffffffL,
          random.nextInt() & 0xffffffffL, random.nextInt(65536),
          (int) pick(r, Field.DPORT, random), 17, 0));
    }
    check(new Set(rules, headers), b, 2_000);
    double tests = work(b, headers).testsALookup();
    assertTrue(tests < 1.4, tests + " rule tests a UDP packet");
  }

  /**
   * What the lookups of a trace cost, each tree walked in turn as the runtime's {@code first4}
   * walks the trees that do not go down together: down while the subtree's smallest rule comes
   * before the best match so far, its leaf tested up to that match (a packet of a protocol
   * without ports has ports 0, as the runtime gives it).
   *
   * @param cuts cuts gone down
   * @param leaves leaves reached
   * @param tests rules' hulls tested
   * @param most the most rules' hulls one lookup tested
   */
  record Work(long cuts, long leaves, long tests, int most, int lookups) {
    double testsALookup() {
      return tests / (double) lookups;
    }
  }

  static Work work(CutTrees.Built b, List<ClassBenchTraceGenerator.Header> trace) {
    int[] q = b.quick();
    int[] nodes = b.nodes();
    long cuts = 0;
    long leaves = 0;
    long tests = 0;
    int most = 0;
    for (ClassBenchTraceGenerator.Header h : trace) {
      Header k = Header.of(h);
      int best = Integer.MAX_VALUE;
      int tested = 0;
      for (int ref : b.roots()) {
        int o = ref >>> CutTrees.OFFSET_SHIFT;
        while ((ref >>> 9 & 7) != CutTrees.LEAF && nodes[o] < best) {
          ref = k.down(nodes, ref);
          o = ref >>> CutTrees.OFFSET_SHIFT;
          cuts++;
        }
        if ((ref >>> 9 & 7) != CutTrees.LEAF) {
          continue;
        }
        leaves++;
        for (int e = o + 2; e < o + 2 + nodes[o] && nodes[e] < best; e++) {
          tested++;
          if (k.holds(q, nodes[e])) {
            best = nodes[e];
          }
        }
      }
      tests += tested;
      most = Math.max(most, tested);
    }
    return new Work(cuts, leaves, tests, most, trace.size());
  }

  /** A value of a rule's field, at random. */
  private static long pick(Cube r, Field f, java.util.Random random) {
    IntervalSet s = (IntervalSet) r.get(f);
    long lo = s.first()[1];
    long hi = s.last()[1];
    return lo + (long) (random.nextDouble() * (hi - lo + 1));
  }

  /** How many of the four groups (wide source, wide destination) hold rules, from the hulls. */
  private static int groups(int[] q) {
    boolean[] seen = new boolean[4];
    for (int b = 0; b < q.length; b += CutTrees.QUICK) {
      boolean wideSrc = Integer.toUnsignedLong(q[b + 1] - q[b]) >= 1L << 16;
      boolean wideDst = Integer.toUnsignedLong(q[b + 3] - q[b + 2]) >= 1L << 16;
      seen[(wideSrc ? 1 : 0) | (wideDst ? 2 : 0)] = true;
    }
    int n = 0;
    for (boolean g : seen) {
      n += g ? 1 : 0;
    }
    return n;
  }

  private record Set(List<Constraint> rules, List<ClassBenchTraceGenerator.Header> trace) {}

  private static Set set(int n) {
    List<ClassBenchFilter> fs = ClassBenchGenerator.generate(n, 7);
    IrPolicy ir = ClassifierBenchmark.ir("cuts", fs);
    Chain input = ir.ruleset(Family.IPV4).table(Table.FILTER).orElseThrow().chains().stream()
        .filter(c -> c.name().equals("INPUT")).findFirst().orElseThrow();
    List<Constraint> rules = new ArrayList<>();
    for (Rule r : input.rules()) {
      rules.add(Constraints.of(r, Family.IPV4, ir));
    }
    return new Set(rules, ClassBenchTraceGenerator.generate(fs, 5_000, 3));
  }

  /** The cuts reachable from the roots; every leaf's own reference checked on the way. */
  private static int cuts(CutTrees.Built b) {
    return walk(b)[0];
  }

  /** The rules of the distinct leaves reachable from the roots. */
  private static int entries(CutTrees.Built b) {
    return walk(b)[1];
  }

  /** The cuts and the leaf entries reachable from the roots, each node counted once. */
  private static int[] walk(CutTrees.Built b) {
    int cuts = 0;
    int entries = 0;
    List<Integer> todo = new ArrayList<>();
    for (int r : b.roots()) {
      todo.add(r);
    }
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    while (!todo.isEmpty()) {
      int ref = todo.remove(todo.size() - 1);
      int o = ref >>> CutTrees.OFFSET_SHIFT;
      if (!seen.add(ref)) {
        continue;
      }
      if ((ref >>> 9 & 7) == CutTrees.LEAF) {
        // a leaf's reference is its own, so it is counted once
        assertEquals(ref, b.nodes()[o + 1], "a leaf's own reference at " + o);
        entries += b.nodes()[o];
        continue;
      }
      cuts++;
      for (int c = 1; c <= 2 << (ref & 7); c++) {
        todo.add(b.nodes()[o + c]);
      }
    }
    return new int[] {cuts, entries};
  }

  private static void check(Set s, CutTrees.Built b) {
    check(s, b, s.trace.size() / 2 + 1);
  }

  private static void check(Set s, CutTrees.Built b, int least) {
    int[] q = b.quick();
    int[] nodes = b.nodes();
    int found = 0;
    for (ClassBenchTraceGenerator.Header h : s.trace) {
      Header k = Header.of(h);
      int linear = -1;
      for (int r = 0; r < q.length / CutTrees.QUICK && linear < 0; r++) {
        linear = k.holds(q, r) ? r : -1;
      }
      int best = Integer.MAX_VALUE;
      for (int ref : b.roots()) {
        while ((ref >>> 9 & 7) != CutTrees.LEAF) {
          ref = k.down(nodes, ref);
        }
        int o = ref >>> CutTrees.OFFSET_SHIFT;
        for (int e = o + 2; e < o + 2 + nodes[o]; e++) {
          if (nodes[e] < best && k.holds(q, nodes[e])) {
            best = nodes[e];
            break;
          }
        }
      }
      assertEquals(linear, best == Integer.MAX_VALUE ? -1 : best, h.line());
      found += linear >= 0 ? 1 : 0;
    }
    assertTrue(found >= least, found + " headers matched");
  }

  /**
   * A trace's header as the runtime reads it: ports 0 for a protocol without ports, the
   * addresses with the sign bit flipped, and an IPv4 tree's two words.
   */
  private record Header(int proto, int sport, int dport, int fsrc, int fdst, long k0, long k1) {
    static Header of(ClassBenchTraceGenerator.Header h) {
      int proto = h.proto();
      boolean ports = proto == 6 || proto == 17 || proto == 132 || proto == 33 || proto == 136;
      int sport = ports ? h.sport() : 0;
      int dport = ports ? h.dport() : 0;
      return new Header(proto, sport, dport, (int) h.src() ^ Integer.MIN_VALUE,
          (int) h.dst() ^ Integer.MIN_VALUE, h.src() << 32 | h.dst(),
          (long) proto << 32 | (long) sport << 16 | dport);
    }

    /** The reference a cut leads the header to. */
    int down(int[] nodes, int ref) {
      long v = (ref >>> 9 & 7) == CutTrees.V4_ADDRS ? k0 : k1;
      return nodes[(ref >>> CutTrees.OFFSET_SHIFT) + 1
          + ((int) (v >>> (ref >>> 3 & 63)) & ((2 << (ref & 7)) - 1))];
    }

    boolean holds(int[] q, int r) {
      return CutTreesTest.holds(q, r, proto, fsrc, fdst, sport, dport);
    }
  }

  /**
   * Whether rule r's hull (as {@link CutTrees.Built#quick()} holds it) holds the header, its
   * addresses with the sign bit flipped.
   */
  static boolean holds(int[] q, int r, int proto, int fsrc, int fdst, int sport, int dport) {
    int b = r * CutTrees.QUICK;
    int p = q[b + 6] & 0x1ff;
    return fsrc >= q[b] && fsrc <= q[b + 1] && fdst >= q[b + 2] && fdst <= q[b + 3]
        && (p == CutTrees.ANY_PROTO || p == proto) && sport >= q[b + 4] >>> 16
        && sport <= (q[b + 4] & 0xffff) && dport >= q[b + 5] >>> 16
        && dport <= (q[b + 5] & 0xffff);
  }
}
