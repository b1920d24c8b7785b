package dev.policyc.compiler.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decision trees over constraints: first-match order per leaf, replication, bounds. */
class TreeBuilderTest {
  private static final Family V4 = Family.IPV4;
  private static final TreeBuilder.Options SMALL = new TreeBuilder.Options(2, 2.0, 24);

  @Test
  void disjointDestinationsSplitWithoutCopies() {
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      rules.add(dst("10.0." + i + ".0", 24));
    }
    Node root = TreeBuilder.build(rules, V4, SMALL);
    Node.Split split = assertInstanceOf(Node.Split.class, root);
    assertEquals(Field.DST, split.field());
    assertEquals(16, root.size(), "no rule copied");
    for (Node.Leaf leaf : leaves(root)) {
      assertTrue(leaf.rules().size() <= 2, "leaf " + leaf);
    }
  }

  @Test
  void aRuleOverTheWholeSplitFieldIsInEveryLeaf() {
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rules.add(dst("10.0." + i + ".0", 24));
    }
    rules.add(4, Cube.all(V4).and(Field.PROTO, IntervalSet.point(8, 6)));
    Node root = TreeBuilder.build(rules, V4, new TreeBuilder.Options(2, 4.0, 24));
    for (Node.Leaf leaf : leaves(root)) {
      assertTrue(leaf.rules().contains(4), "leaf " + leaf + " lacks the wildcard rule");
    }
  }

  /**
   * Parts of one rule (a set rule cut into its entries) count once: 16 rules of 4 parts each, on
   * 64 distinct networks, split into leaves of at most 2 rules (up to 8 parts), none copied, and
   * no further: counted by parts, leaves of 2 would make 32 of them.
   */
  @Test
  void partsOfOneRuleCountOnce() {
    List<Constraint> rules = new ArrayList<>();
    int[] owners = new int[64];
    for (int i = 0; i < 64; i++) {
      rules.add(dst("10." + i + ".0.0", 16)); // rule i / 4: 10.0/16 to 10.3/16, 10.4/16…
      owners[i] = i / 4;
    }
    Node root = TreeBuilder.build(rules, null, null, owners, V4, SMALL);
    int parts = 0;
    for (Node.Leaf leaf : leaves(root)) {
      long owned = leaf.rules().stream().map(i -> owners[i]).distinct().count();
      assertTrue(owned <= 2, "leaf " + leaf);
      parts += leaf.rules().size();
    }
    assertEquals(64, parts, "no part copied");
    assertTrue(leaves(root).size() <= 16, leaves(root).size() + " leaves: split by parts");
    assertThrows(IllegalArgumentException.class,
        () -> TreeBuilder.build(rules, null, null, new int[] {1}, V4, SMALL));
    assertThrows(IllegalArgumentException.class,
        () -> TreeBuilder.build(rules, null, null, new int[0], V4, SMALL));
    int[] skipping = owners.clone();
    skipping[63] = 17;
    assertThrows(IllegalArgumentException.class,
        () -> TreeBuilder.build(rules, null, null, skipping, V4, SMALL));
  }

  @Test
  void portsAreSplitWithinOneProtocol() {
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      rules.add(Cube.all(V4).and(Field.PROTO, IntervalSet.point(8, 6))
          .and(Field.FRAGMENT, IntervalSet.point(1, 0))
          .and(Field.DPORT, IntervalSet.point(16, 1000 + i)));
    }
    Node.Split root = assertInstanceOf(Node.Split.class, TreeBuilder.build(rules, V4, SMALL));
    assertEquals(Field.PROTO, root.field(), "the protocol first: ports need one");
    Node.Split tcp = assertInstanceOf(Node.Split.class, root.branches().get(0).child());
    assertEquals(Field.DPORT, tcp.field());
  }

  @Test
  void noCopiesBeyondTheGrowthBound() {
    List<Constraint> rules = randomRules(new Random(7), 200);
    Node root = TreeBuilder.build(rules, V4, new TreeBuilder.Options(2, 1.0, 24));
    assertEquals(200, root.size());
    Node grown = TreeBuilder.build(rules, V4, new TreeBuilder.Options(2, 1.5, 24));
    assertTrue(grown.size() <= 300, "size " + grown.size());
  }

  /**
   * A region of few rules that holds most headers is split while the room lasts, not only the
   * regions where the rules are dense: 200 rules in 10.0.0.0/16 and 24 over 128.0.0.0/1, room for
   * 10 dispatch rules. Counting a node's packets by its rules alone, the 24 stay in one leaf (of
   * 32 rules, with 8 of the dense ones: the dense nodes come first), and a flow into
   * 128.0.0.0/1 tests them all; with a fifth of the packets spread evenly, the largest leaf there
   * has 13.
   */
  @Test
  void aSparseRegionOfMostHeadersIsSplitToo() {
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      rules.add(dst("10.0." + i + ".0", 24));
    }
    for (int i = 0; i < 24; i++) {
      rules.add(dst((128 + 5 * i) + ".1.0.0", 16));
    }
    Node root = TreeBuilder.build(rules, V4, new TreeBuilder.Options(2, 1 + 10.0 / 224, 24));
    int sparse = 0;
    for (Node.Leaf leaf : leaves(root)) {
      if (leaf.rules().stream().anyMatch(r -> r >= 200)) {
        sparse = Math.max(sparse, leaf.rules().size());
      }
    }
    assertTrue(sparse <= 16, "a leaf of " + sparse + " rules over 128.0.0.0/1");
  }

  @Test
  void depthIsBounded() {
    List<Constraint> rules = randomRules(new Random(3), 300);
    assertTrue(depth(TreeBuilder.build(rules, V4, new TreeBuilder.Options(1, 8.0, 3))) <= 3);
  }

  @Test
  void rulesThatCannotBeToldApartStayOneLeaf() {
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rules.add(dst("10.0.0.0", 8));
    }
    assertInstanceOf(Node.Leaf.class, TreeBuilder.build(rules, V4, SMALL));
  }

  @Test
  void anOpaqueRuleIsPlacedByItsBound() {
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rules.add(dst("10.0." + i + ".0", 24));
    }
    rules.add(new Opaque((Cube) dst("10.0.3.0", 24), List.of(new Match.Limit(10, 5))));
    Node root = TreeBuilder.build(rules, V4, SMALL);
    int holding = 0;
    for (Node.Leaf leaf : leaves(root)) {
      holding += leaf.rules().contains(8) ? 1 : 0;
    }
    assertEquals(1, holding, "only the leaf of 10.0.3.0/24 can match it");
  }

  /**
   * The tree's promise: every rule whose constraint meets a leaf's region is in that leaf, and
   * each leaf keeps the input order.
   */
  @Test
  void everyLeafHoldsEveryRuleThatMeetsItsRegionInOrder() {
    for (long seed = 1; seed <= 40; seed++) {
      Random r = new Random(seed);
      List<Constraint> rules = randomRules(r, 20 + r.nextInt(200));
      Node root = TreeBuilder.build(rules, V4, new TreeBuilder.Options(1 + r.nextInt(8),
          1.0 + r.nextInt(3), 4 + r.nextInt(20)));
      checkRegions(root, Cube.all(V4), rules, "seed " + seed);
    }
  }

  @Test
  void aLeafHoldsNothingAfterADecidingRuleThatCoversItsRegion() {
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rules.add(dst("10.0." + i + ".0", 24));
    }
    rules.add(dst("10.0.0.0", 16)); // 8: every packet of the leaves of 10.0.0.0/16
    for (int i = 0; i < 8; i++) {
      rules.add(dst("10.0." + (8 + i) + ".128", 25)); // under rule 8 only
    }
    boolean[] decides = new boolean[rules.size()];
    java.util.Arrays.fill(decides, true);
    Node root = TreeBuilder.build(rules, decides, V4, SMALL);
    for (Node.Leaf leaf : leaves(root)) {
      assertTrue(leaf.rules().stream().allMatch(i -> i <= 8), "dead rules kept in " + leaf);
    }
    // without the facts (the classifier's call), and when rule 8 only logs, they stay
    Node kept = TreeBuilder.build(rules, V4, SMALL);
    decides[8] = false;
    Node logging = TreeBuilder.build(rules, decides, V4, SMALL);
    for (Node n : List.of(kept, logging)) {
      assertTrue(leaves(n).stream().anyMatch(l -> l.rules().contains(9)), "rule 9 lost");
    }
  }

  @Test
  void anOpaqueRuleCoversNothing() {
    List<Constraint> rules = new ArrayList<>();
    rules.add(new Opaque(Cube.all(V4), List.of(new Match.Limit(10, 5))));
    for (int i = 0; i < 8; i++) {
      rules.add(dst("10.0." + i + ".0", 24));
    }
    boolean[] decides = new boolean[rules.size()];
    java.util.Arrays.fill(decides, true);
    Node root = TreeBuilder.build(rules, decides, V4, SMALL);
    assertEquals(9, rules.size());
    for (int i = 1; i < 9; i++) {
      final int rule = i;
      assertTrue(leaves(root).stream().anyMatch(l -> l.rules().contains(rule)), "rule " + i);
    }
  }

  /**
   * With the deciding facts a leaf may leave out a rule that meets its region only where it can
   * be no packet's first match: one earlier deciding rule of the leaf holds its packets of the
   * region, with no rule that goes on between them.
   */
  @Test
  void aPrunedLeafLeavesOutOnlyRulesThatCannotMatchFirst() {
    for (long seed = 1; seed <= 40; seed++) {
      Random r = new Random(seed);
      List<Constraint> rules = randomRules(r, 20 + r.nextInt(200));
      boolean[] decides = new boolean[rules.size()];
      for (int i = 0; i < decides.length; i++) {
        decides[i] = r.nextInt(8) > 0;
      }
      Node root = TreeBuilder.build(rules, decides, V4, new TreeBuilder.Options(1 + r.nextInt(8),
          1.0 + r.nextInt(3), 4 + r.nextInt(20)));
      checkPruned(root, Cube.all(V4), rules, decides, "seed " + seed);
    }
  }

  /**
   * A split is weighed by what it takes off the rules a packet tests per rule it adds: halving
   * the node on the destination would take more off (branches of 9 and 9 rules against 4 and 12
   * on the source) but copies the two rules over the destinations' whole range, where the source
   * split copies nothing; per rule added, the source split gains more and is taken.
   */
  @Test
  void aSplitWithoutCopiesIsTakenOverABetterOneWithCopies() {
    List<Constraint> rules = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Cube src = Cube.all(V4).and(Field.SRC, IntervalSet.of(IpRange.parse(
          (i < 4 ? "10.0.0.0" : "10.128.0.0") + "/9")));
      rules.add(src.and(Field.DST, IntervalSet.of(IpRange.parse(
          i < 14 ? "20.0." + i + ".0/24" : "20.0.0.0/16"))));
    }
    Node.Split root = assertInstanceOf(Node.Split.class,
        TreeBuilder.build(rules, V4, new TreeBuilder.Options(4, 2.0, 1)));
    assertEquals(Field.SRC, root.field());
    assertEquals(16, root.size(), "no rule copied");
  }

  private static void checkPruned(Node n, Cube region, List<Constraint> rules,
      boolean[] decides, String where) {
    if (n instanceof Node.Split s) {
      for (Node.Branch b : s.branches()) {
        checkPruned(b.child(), region.and(s.field(), b.values()), rules, decides, where);
      }
      return;
    }
    List<Integer> leaf = ((Node.Leaf) n).rules();
    for (int i = 1; i < leaf.size(); i++) {
      assertTrue(leaf.get(i - 1) < leaf.get(i), where + ": order " + leaf);
    }
    for (int i = 0; i < rules.size(); i++) {
      Cube within = ((Cube) rules.get(i)).intersect(region);
      if (within.isEmpty() || leaf.contains(i)) {
        continue;
      }
      boolean dead = false;
      for (int j = i - 1; j >= 0 && !dead; j--) {
        if (!leaf.contains(j)) {
          continue;
        }
        if (!decides[j]) {
          break; // a rule that goes on: nothing before it may stand for rule i
        }
        dead = ((Cube) rules.get(j)).contains(within);
      }
      // or a deciding rule before it covers the whole region (what the leaf ends with)
      int last = leaf.isEmpty() ? -1 : leaf.get(leaf.size() - 1);
      dead |= last >= 0 && last < i && decides[last] && ((Cube) rules.get(last)).contains(region);
      assertTrue(dead, where + ": rule " + i + " left out of " + leaf + " but can match first");
    }
  }

  private static void checkRegions(Node n, Cube region, List<Constraint> rules, String where) {
    if (n instanceof Node.Leaf leaf) {
      for (int i = 1; i < leaf.rules().size(); i++) {
        assertTrue(leaf.rules().get(i - 1) < leaf.rules().get(i), where + ": order " + leaf);
      }
      for (int i = 0; i < rules.size(); i++) {
        if (((Cube) rules.get(i)).intersects(region)) {
          assertTrue(leaf.rules().contains(i), where + ": rule " + i + " missing from " + leaf);
        }
      }
      return;
    }
    Node.Split s = (Node.Split) n;
    for (Node.Branch b : s.branches()) {
      checkRegions(b.child(), region.and(s.field(), b.values()), rules, where);
    }
  }

  /** Rules like a ClassBench set's: address prefixes, a protocol or any, port ranges. */
  private static List<Constraint> randomRules(Random r, int n) {
    List<Constraint> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Cube c = Cube.all(V4);
      if (r.nextInt(4) > 0) {
        c = c.and(Field.DST, IntervalSet.of(IpRange.prefix(IpAddr.v4(r.nextInt(16) << 24
            | r.nextInt(4) << 16), 8 + r.nextInt(17))));
      }
      if (r.nextBoolean()) {
        c = c.and(Field.SRC, IntervalSet.of(IpRange.prefix(IpAddr.v4(r.nextInt(8) << 28),
            r.nextInt(9))));
      }
      int proto = new int[] {0, 6, 6, 17, 1}[r.nextInt(5)];
      if (proto != 0) {
        c = c.and(Field.PROTO, IntervalSet.point(8, proto));
        if (proto != 1 && r.nextBoolean()) {
          int lo = r.nextInt(2000);
          c = c.and(Field.FRAGMENT, IntervalSet.point(1, 0))
              .and(Field.DPORT, IntervalSet.range(16, lo, lo + r.nextInt(3) * r.nextInt(500)));
        }
      }
      out.add(c);
    }
    return out;
  }

  private static Constraint dst(String addr, int len) {
    return Cube.all(V4).and(Field.DST, IntervalSet.of(IpRange.prefix(IpAddr.parse(addr), len)));
  }

  private static List<Node.Leaf> leaves(Node n) {
    List<Node.Leaf> out = new ArrayList<>();
    if (n instanceof Node.Leaf l) {
      out.add(l);
    } else {
      for (Node.Branch b : ((Node.Split) n).branches()) {
        out.addAll(leaves(b.child()));
      }
    }
    return out;
  }

  private static int depth(Node n) {
    if (n instanceof Node.Leaf) {
      return 0;
    }
    int d = 0;
    for (Node.Branch b : ((Node.Split) n).branches()) {
      d = Math.max(d, depth(b.child()));
    }
    return d + 1;
  }
}
