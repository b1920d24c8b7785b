package dev.policyc.compiler.classifier;

import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The classifier's search structure for one chain: a few decision trees whose nodes cut one field
 * (protocol, source or destination address, source or destination port) into 2 to 256 equal
 * parts by a run of its bits, so that a packet goes down a level with one shift and one mask
 * (HiCuts' equal-size cuts), and whose leaves list, in first-match order, every rule that can
 * match a packet of the leaf's region.
 *
 * <p>Rules are first separated by which addresses they leave wide (EffiCuts' separable trees):
 * a rule with a wide source would be copied into every part of a cut on the source, so rules
 * narrow in both addresses, wide in one, and wide in both get trees of their own. A cut stores
 * the smallest rule of its subtree, so that a lookup, taking the trees in order, goes down a tree
 * only while that rule comes before the best match found so far. A rule is placed by the hull of
 * its values on the five fields ({@link Cube}, an {@link Opaque} rule by its bound), which holds
 * every packet it matches; the leaf's rules are still tested in full. Identical subtrees are
 * stored once.
 *
 * <p>This is not the {@code tree} package's construction, which the decision-tree pass and
 * iptables need: a dispatch in iptables costs one rule per branch tested, so that builder makes
 * few-branch splits at interval bounds and bounds the copies by the emitted rule count; a lookup
 * table pays nothing per branch and is bounded by its memory instead (docs/classifier.md).
 */
final class CutTrees {
  /** A node of at most this many rules is a leaf. */
  static final int LEAF_SIZE = 8;
  /** The most bits one node cuts: 256 children. */
  private static final int MAX_BITS = 8;
  /**
   * HiCuts' space factor: a cut's copies plus its children, against the node's rules; more for
   * nodes of few rules (their copies cost little, and they are where wide rules pile up).
   */
  private static final double SPACE_FACTOR = 8.0;
  private static final double SMALL_SPACE_FACTOR = 32.0;
  private static final int SMALL = 256;
  /**
   * The room of a chain's trees: ints of nodes per rule (plus {@link #ROOM_BASE}), so that the
   * tables stay within 1 MiB per 10K rules (each rule also takes 32 bytes of hull and action and
   * about 22 of offsets, origin and comment). Each tree is built within a budget of ints, which
   * a cut shares among its parts; when the trees take more than the room, those that took more
   * than an even share of it are built again with that share as their budget.
   */
  private static final long INTS_PER_RULE = 11;
  private static final long ROOM_BASE = 1024;
  /**
   * How a cut weighs its largest part against the mean of its parts (the rules a packet meets
   * where the packets spread evenly over the field): 1/4 the largest, 3/4 the mean. The largest
   * alone (HiCuts) keeps a protocol cut from being made where most rules are TCP, though the
   * packets of other protocols then meet only the rules of any protocol: fw4_10k's packets
   * tested 51 rules a lookup, now 25.
   */
  private static final double LARGEST_WEIGHT = 0.25;

  /** Whether and when {@link #build} merges the last two trees. */
  enum Merge {
    NEVER,
    /** When the merged tree fits the room and its leaves hold fewer rules: {@link #mergeLast}. */
    WHEN_IT_PAYS,
    ALWAYS
  }

  /**
   * A reference to a node, as a tree stores it (in its roots and in a cut's parts): the node's
   * offset in {@code nodes} above {@link #OFFSET_SHIFT}, then the field the node cuts (3 bits;
   * {@link #LEAF} for a leaf), the shift of its run of bits (6 bits) and the run's length - 1
   * (3 bits). A cut's node is {@code min, part…} (min: the subtree's smallest rule, each part a
   * reference), a leaf's {@code n, self, rule…}: a lookup reads how to go down a level from the
   * reference it holds, so that a level costs one read of the node (the cut's own header was
   * a second read, at another place than the part it picked). A leaf's reference reads bit 63
   * of the protocol and ports word, always 0, so going down from a leaf reads {@code self}, the
   * leaf's own reference: a lookup that walks several trees at once steps them all until each
   * is at its leaf, without a branch per tree.
   */
  static final int OFFSET_SHIFT = 12;
  /** The field code of a leaf in a reference. */
  static final int LEAF = 7;
  /** The largest node offset a reference holds. */
  static final int MAX_OFFSET = (1 << (32 - OFFSET_SHIFT)) - 1;

  /**
   * The runtime's field codes: which value a node reads. An IPv4 tree reads two words instead,
   * {@link #V4_ADDRS} (source above destination) and {@link #V4_REST} (protocol, source port,
   * destination port, from bit 32 down), so that a lookup picks its value without a branch.
   */
  static final int V4_ADDRS = 0;
  static final int V4_REST = 1;
  static final int PROTO = 0;
  static final int SRC_HI = 1;
  static final int SRC_LO = 2;
  static final int DST_HI = 3;
  static final int DST_LO = 4;
  static final int SPORT = 5;
  static final int DPORT = 6;

  /**
   * The structure of a chain: the references of its trees' roots (the tree whose rules come
   * first in the chain first), the nodes, and for an IPv4 chain the hull of each rule as
   * {@link #QUICK} ints (source and destination bounds with the sign bit flipped, so that a
   * signed comparison orders them; source and destination port bounds as {@code lo << 16 | hi};
   * the protocol or {@link #ANY_PROTO}; then -1, the place of the rule's action, which {@link
   * ClassifierTables} fills), empty for IPv6: a test every packet the rule matches passes, made
   * before the rule's program.
   */
  record Built(int[] roots, int[] nodes, int leafEntries, int[] quick) {}

  /** Ints per rule in {@link Built#quick()}. */
  static final int QUICK = 8;
  /** The hull's protocol word when the rule takes any protocol. */
  static final int ANY_PROTO = 256;
  /** Added to the protocol word of a rule with a port match (it never matches a fragment). */
  static final int HAS_PORTS = 512;

  /** The rules' hulls, and what a cut asks of them. */
  private final CutHulls hulls;
  private final int[] width;
  private final List<Integer> nodes = new ArrayList<>();
  private final Map<Key, Integer> interned = new HashMap<>();

  /** The largest offset this build may give a node ({@link #MAX_OFFSET} but in tests). */
  private final int maxOffset;

  /**
   * Per rule, {@link #ENDS} and {@link #PORTS} ({@link #kinds}), or null: then no rule is left
   * out of a node for an earlier one's sake.
   */
  private final int[] kinds;

  /**
   * A rule whose matches are exactly its hull (an IPv4 rule of addresses, protocol and ports)
   * and whose target ends the chain for every packet it matches (ACCEPT, DROP, REJECT): within a
   * node's region, a later rule whose hull it holds there is never reached.
   */
  static final int ENDS = 1;
  /** A rule with a port match: it never matches a fragment, which a rule without one may. */
  static final int PORTS = 2;
  /** Nodes of at most this many rules leave out the rules an earlier ending rule holds. */
  private static final int PRUNE = 64;

  private CutTrees(List<Constraint> rules, Family family, int maxOffset, int[] kinds) {
    this.maxOffset = maxOffset;
    this.kinds = kinds;
    this.hulls = new CutHulls(rules, family);
    this.width = hulls.width;
  }


  /**
   * The trees of a chain's rules (their constraints, in first-match order), each rule's {@link
   * #ENDS} and {@link #PORTS} in {@code kinds} (null: none known).
   */
  static Built build(List<Constraint> rules, Family family, int[] kinds) {
    return build(rules, family, MAX_OFFSET, Merge.WHEN_IT_PAYS, kinds);
  }

  /** {@link #build(List, Family, int[])} with room for fewer nodes, for a test of running out. */
  static Built build(List<Constraint> rules, Family family, int maxOffset) {
    return build(rules, family, maxOffset, Merge.WHEN_IT_PAYS, null);
  }

  /** With the last two trees merged as {@code merge} says, for tests. */
  static Built build(List<Constraint> rules, Family family, int maxOffset, Merge merge,
      int[] kinds) {
    int n = rules.size();
    CutTrees b = new CutTrees(rules, family, maxOffset, kinds);
    List<List<Integer>> groups = new ArrayList<>();
    for (int g = 0; g < 4; g++) {
      groups.add(new ArrayList<>());
    }
    for (int r = 0; r < n; r++) {
      groups.get((b.hulls.wide(1, r) ? 1 : 0) | (b.hulls.wide(2, r) ? 2 : 0)).add(r);
    }
    // the group whose middle rule comes first is walked first: its match, likely early,
    // prunes the walks of the others (a subtree whose rules all come later is not entered)
    groups.removeIf(List::isEmpty);
    groups.sort((x, y) -> Integer.compare(x.get(x.size() / 2), y.get(y.size() / 2)));
    // the room of all trees, within what a reference can address (cuts stop at half of it)
    long room = Math.min(INTS_PER_RULE * n + ROOM_BASE, maxOffset / 2);
    long[] budgets = new long[groups.size()];
    Arrays.fill(budgets, room);
    Trees t = b.trees(groups, budgets, room, merge);
    if (t.over(room)) {
      // the trees that took more than their share are built again with that share as their
      // budget, which each cut shares among its parts (until 2026-12-08 a count of the room
      // left stopped the cuts: a tree built depth first left its last subtrees, and the trees
      // built after it, as leaves of hundreds of rules; acl2_10k's lookups tested 130 rules)
      b = new CutTrees(rules, family, maxOffset, kinds);
      t = b.trees(groups, shares(t.ints, budgets, room), room, merge);
    }
    List<Integer> roots = new ArrayList<>(t.roots);
    if (roots.isEmpty()) {
      roots.add(b.leaf(new int[0]));
    }
    if (b.nodes.size() > maxOffset + 1) {
      // too many nodes for a reference's offset (cuts stop at half of it): one leaf per group
      b = new CutTrees(rules, family, maxOffset, kinds);
      roots.clear();
      for (List<Integer> g : t.groups) {
        roots.add(b.leaf(toArray(g)));
      }
    }
    int[] rootRefs = roots.stream().mapToInt(Integer::intValue).toArray();
    int[] nodes = CutLayout.breadthFirst(b.nodes.stream().mapToInt(Integer::intValue).toArray(),
        rootRefs);
    return new Built(rootRefs, nodes, CutLayout.leafEntries(nodes, rootRefs),
        family == Family.IPV4 ? b.hulls.quick(kinds) : new int[0]);
  }

  /**
   * A chain's trees as built: their groups of rules, roots, and the ints each group's tree took
   * before the last two were merged.
   */
  private record Trees(List<List<Integer>> groups, List<Integer> roots, long[] ints) {
    boolean over(long room) {
      return Arrays.stream(ints).sum() > room;
    }
  }

  /** A tree per group within its budget, then the last two merged as {@code merge} says. */
  private Trees trees(List<List<Integer>> groups, long[] budgets, long room, Merge merge) {
    List<Integer> roots = new ArrayList<>();
    long[] ints = new long[groups.size()];
    for (int g = 0; g < groups.size(); g++) {
      roots.add(node(toArray(groups.get(g)), new CutRegion(width), budgets[g]));
      ints[g] = CutLayout.stored(nodes, roots.get(g));
    }
    List<List<Integer>> gs = new ArrayList<>(groups);
    if (merge != Merge.NEVER) {
      mergeLast(gs, roots, ints, room, merge == Merge.ALWAYS);
    }
    return new Trees(gs, roots, ints);
  }

  /**
   * Budgets within the room: a tree that took at most an even share of what the trees that
   * took less left keeps its budget (and so its tree); the others get that share.
   */
  private static long[] shares(long[] took, long[] budgets, long room) {
    Integer[] order = new Integer[took.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Long.compare(took[x], took[y]));
    long[] out = budgets.clone();
    long left = room;
    for (int i = 0; i < order.length; i++) {
      int g = order[i];
      long share = left / (order.length - i);
      if (took[g] > share) {
        out[g] = share;
      }
      left -= Math.min(took[g], share);
    }
    return out;
  }

  /** A chain as one leaf of all its rules (with their hulls for IPv4; {@code kinds} as built). */
  static Built single(List<Constraint> rules, Family family, int[] kinds) {
    CutTrees b = new CutTrees(rules, family, MAX_OFFSET, kinds);
    int n = rules.size();
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    int[] roots = {b.leaf(all)};
    int[] nodes = CutLayout.breadthFirst(b.nodes.stream().mapToInt(Integer::intValue).toArray(),
        roots);
    return new Built(roots, nodes, n,
        family == Family.IPV4 ? b.hulls.quick(kinds) : new int[0]);
  }

  /**
   * The last tree merged into the one before it (never into the first, whose narrow rules a wide
   * rule would be copied among) when the merged tree fits in what the other trees leave of the
   * room and its leaves hold fewer rules than the two trees' leaves together ({@link
   * CutLayout#load}): one walk less for a packet that the first tree does not decide early. In
   * acl1_10k the trees of its 324 rules wide in one address and its 76 wide in both become one
   * (per lookup 4.0 rule tests and 3.5 cuts; apart 4.8 and 4.1); in ipc1_10k, fw1_10k and
   * acl2_10k a merged tree within the room would hold 1.8, 5.5 and 4.8 times the rules a leaf.
   */
  private void mergeLast(List<List<Integer>> groups, List<Integer> roots, long[] ints,
      long room, boolean always) {
    int k = groups.size();
    if (k < 3) {
      return;
    }
    List<Integer> m = new ArrayList<>(groups.get(k - 2));
    m.addAll(groups.get(k - 1));
    m.sort(null);
    long others = Arrays.stream(ints).sum() - ints[k - 2] - ints[k - 1];
    int merged = node(toArray(m), new CutRegion(width), Math.max(0, room - others));
    if (always || CutLayout.load(nodes, merged)
        <= CutLayout.load(nodes, roots.get(k - 2)) + CutLayout.load(nodes, roots.get(k - 1))) {
      groups.set(k - 2, m);
      groups.remove(k - 1);
      roots.set(k - 2, merged);
      roots.remove(k - 1);
    } // else the merged tree's nodes are left unreachable: breadthFirst drops them
  }

  private static int[] toArray(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  /** A node's reference: its offset, field, shift and run of bits. */
  static int ref(int offset, int field, int shift, int bits) {
    return offset << OFFSET_SHIFT | field << 9 | shift << 3 | (bits - 1);
  }

  /**
   * The rules less those an earlier rule that {@link #ENDS} holds within the region (checked
   * against the rules kept: what a left-out rule holds, the rule that held it holds too).
   */
  private int[] reached(int[] rules, CutRegion region) {
    if (kinds == null || rules.length > PRUNE) {
      return rules;
    }
    int[] out = new int[rules.length];
    int n = 0;
    for (int b : rules) {
      boolean held = false;
      for (int i = 0; i < n && !held; i++) {
        held = holds(out[i], b, region);
      }
      if (!held) {
        out[n++] = b;
      }
    }
    return n == rules.length ? rules : Arrays.copyOf(out, n);
  }

  /** Whether rule a ends every packet of rule b's hull within the region. */
  private boolean holds(int a, int b, CutRegion region) {
    if ((kinds[a] & ENDS) == 0 || (kinds[a] & PORTS) != 0 && (kinds[b] & PORTS) == 0) {
      return false;
    }
    return hulls.holds(a, b, region);
  }

  private int node(int[] all, CutRegion region, double budget) {
    int[] rules = reached(all, region);
    if (rules.length <= LEAF_SIZE) {
      return leaf(rules);
    }
    if (nodes.size() > maxOffset / 2) {
      return leaf(rules);
    }
    int bestD = -1;
    int bestBits = 0;
    long bestScore = Long.MAX_VALUE;
    CutRegion[] at = new CutRegion[5];
    for (int d = 0; d < 5; d++) {
      at[d] = hulls.shared(rules, region, d);
      int free = width[d] - at[d].fixed[d];
      int pos0 = free; // bit position (from the least significant) above the free bits
      for (int bits = 1; bits <= Math.min(MAX_BITS, free); bits++) {
        int pos = pos0 - bits;
        if (pos < 64 && pos + bits > 64) {
          break; // a run of bits across the two words of an IPv6 address
        }
        int children = 1 << bits;
        double factor = rules.length < SMALL ? SMALL_SPACE_FACTOR : SPACE_FACTOR;
        if (children > factor * rules.length) {
          break; // more children only take more room
        }
        long[] sizes = hulls.sizes(rules, at[d], d, bits);
        long total = sizes[0];
        long max = sizes[1];
        if (max >= rules.length || total + children > factor * rules.length
            || 1 + children + total + 2 * sizes[2] > budget) {
          continue;
        }
        // the rules a lookup tests in a part first, then the copies and the node's size; a
        // packet meets the mean part where packets spread evenly over the field's values, but
        // over protocols they gather on the few that rules name: there each run of a cut's
        // parts is as likely as another (fw4_10k's trace, 46 % of protocol 7, which shared a
        // part with TCP in a cut of 128 parts: 25 rule tests a lookup; now 7.5)
        double mean = d == 0 ? (double) total / sizes[2] : (double) sizes[3] / children;
        double tested = LARGEST_WEIGHT * max + (1 - LARGEST_WEIGHT) * mean;
        long score = (long) (tested * 64) + (total - rules.length) * 64 / rules.length
            + children / 4;
        if (score < bestScore) {
          bestScore = score;
          bestD = d;
          bestBits = bits;
        }
      }
    }
    if (bestD < 0) {
      return leaf(rules);
    }
    int d = bestD;
    int bits = bestBits;
    int children = 1 << bits;
    CutRegion cut = at[d];
    boolean[] begins = new boolean[children + 1];
    int[][] members = hulls.members(rules, cut, d, bits, begins);
    double squares = 0;
    long leaves = 1 + children; // the ints of the cut, and of its parts were each a leaf
    for (int i = 0; i < children; i++) {
      if (begins[i]) {
        squares += (double) members[i].length * members[i].length;
        leaves += 2 + members[i].length;
      }
    }
    double spare = Math.max(0, budget - leaves);
    int[] kids = new int[children];
    // a run's node built once, the runs of more rules first; each part's budget is its ints as
    // a leaf and a share of what the budget leaves, in proportion to the square of its rules (a
    // part of many rules needs more cuts, and its copies multiply); what a part leaves of its
    // share goes to the parts built after it (until 2026-12-08 it was lost: of acl5_10k's room
    // the trees took 0.80 MiB per 10K rules, now 0.94, and its lookups test 2.9 rules, not 4.5)
    for (int i : largestFirst(members, begins)) {
      double square = (double) members[i].length * members[i].length;
      double share = spare * square / Math.max(1, squares);
      int before = nodes.size();
      kids[i] = node(members[i], cut.child(d, bits, i), 2 + members[i].length + share);
      spare = Math.max(0, spare - Math.max(0, nodes.size() - before - 2 - members[i].length));
      squares -= square;
    }
    for (int i = 1; i < children; i++) {
      if (!begins[i]) {
        kids[i] = kids[i - 1];
      }
    }
    int pos = width[d] - cut.fixed[d] - bits;
    int field;
    if (width[1] == 32) {
      field = d == 1 || d == 2 ? V4_ADDRS : V4_REST;
      pos += d == 0 || d == 1 ? 32 : d == 3 ? 16 : 0;
    } else {
      field = switch (d) {
        case 0 -> PROTO;
        case 1 -> pos >= 64 ? SRC_HI : SRC_LO;
        case 2 -> pos >= 64 ? DST_HI : DST_LO;
        case 3 -> SPORT;
        default -> DPORT;
      };
    }
    int[] content = new int[1 + children];
    content[0] = rules[0]; // the subtree's smallest rule: every rule is in some child
    System.arraycopy(kids, 0, content, 1, children);
    // cuts of other fields with the same parts share the content: the reference tells them apart
    return ref(intern(content, false), field, pos >= 64 ? pos - 64 : pos, bits);
  }

  /** The parts where runs begin, those of more rules first (of as many, the lower first). */
  private static Integer[] largestFirst(int[][] members, boolean[] begins) {
    List<Integer> runs = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      if (begins[i]) {
        runs.add(i);
      }
    }
    runs.sort((x, y) -> members[x].length != members[y].length
        ? Integer.compare(members[y].length, members[x].length) : Integer.compare(x, y));
    return runs.toArray(new Integer[0]);
  }

  private int leaf(int[] rules) {
    int[] content = new int[2 + rules.length];
    content[0] = rules.length;
    // content[1], the leaf's reference, is set where the leaf ends up (breadthFirst)
    System.arraycopy(rules, 0, content, 2, rules.length);
    return ref(intern(content, true), LEAF, 63, 1);
  }

  private int intern(int[] content, boolean leaf) {
    Key k = new Key(content, leaf);
    Integer at = interned.get(k);
    if (at != null) {
      return at;
    }
    int offset = nodes.size();
    for (int v : content) {
      nodes.add(v);
    }
    interned.put(k, offset);
    return offset;
  }

  /** A node's content as a map key (a leaf and a cut of the same ints are two nodes). */
  private record Key(int[] content, boolean leaf) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && leaf == k.leaf && Arrays.equals(content, k.content);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(content) * 2 + (leaf ? 1 : 0);
    }

    @Override
    public String toString() {
      return Arrays.toString(content);
    }
  }
}
