package dev.policyc.compiler.classifier;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.compiler.space.ValueSet;
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
  /** The leaf entries all trees of a chain may hold, per rule (then nodes stop being cut). */
  private static final int MAX_ENTRIES_PER_RULE = 16;
  /**
   * A tree's budget of leaf entries, per rule of its group. A node's budget bounds the rules of
   * all parts of its cut, and is shared among the parts in proportion to the rules each holds:
   * deep in a tree, where the copies of the cuts above multiply, a wide rule is no longer copied
   * into every part (fw1_10k's tree of 406 rules wide in both addresses held 73,255 entries,
   * now 21,534).
   */
  private static final int TREE_BUDGET = 3000;
  /** How many times the ints of two trees their merged tree may take ({@link #mergeLast}). */
  private static final long MERGE_GROWTH = 3;

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

  private static final Field[] FIELDS = {Field.PROTO, Field.SRC, Field.DST, Field.SPORT,
      Field.DPORT};

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

  private final int[] width = new int[5];
  /** Per field and rule: the hull's lower and upper bounds as (hi, lo) words. */
  private final long[][] loHi = new long[5][];
  private final long[][] loLo = new long[5][];
  private final long[][] upHi = new long[5][];
  private final long[][] upLo = new long[5][];
  private final List<Integer> nodes = new ArrayList<>();
  private final Map<Key, Integer> interned = new HashMap<>();
  private long room;
  /** While a merged tree is tried: the size of {@link #nodes} beyond which cuts stop. */
  private long stopAt = Long.MAX_VALUE;

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
    int n = rules.size();
    int addr = IpAddr.bits(family);
    int[] widths = {8, addr, addr, 16, 16};
    for (int d = 0; d < 5; d++) {
      width[d] = widths[d];
      loHi[d] = new long[n];
      loLo[d] = new long[n];
      upHi[d] = new long[n];
      upLo[d] = new long[n];
    }
    for (int r = 0; r < n; r++) {
      Constraint c = rules.get(r);
      Cube cube = c instanceof Cube k ? k : ((Opaque) c).bound();
      for (int d = 0; d < 5; d++) {
        ValueSet v = cube.get(FIELDS[d]);
        if (v instanceof IntervalSet s && !s.isEmpty()) {
          long[] first = s.first();
          long[] last = s.last();
          loHi[d][r] = first[0];
          loLo[d][r] = first[1];
          upHi[d][r] = last[0];
          upLo[d][r] = last[1];
        } else {
          // no bound known (or none matched): every value, the safe side
          loHi[d][r] = 0;
          loLo[d][r] = 0;
          upHi[d][r] = width[d] > 64 ? -1L : 0;
          upLo[d][r] = width[d] >= 64 ? -1L : (1L << width[d]) - 1;
        }
      }
    }
    this.room = (long) MAX_ENTRIES_PER_RULE * n + 1024;
  }

  /**
   * The trees of a chain's rules (their constraints, in first-match order), each rule's {@link
   * #ENDS} and {@link #PORTS} in {@code kinds} (null: none known).
   */
  static Built build(List<Constraint> rules, Family family, int[] kinds) {
    return build(rules, family, MAX_OFFSET, MERGE_GROWTH, kinds);
  }

  /** {@link #build(List, Family, int[])} with room for fewer nodes, for a test of running out. */
  static Built build(List<Constraint> rules, Family family, int maxOffset) {
    return build(rules, family, maxOffset, MERGE_GROWTH, null);
  }

  /** With another bound on a merged tree than {@link #MERGE_GROWTH}, for tests. */
  static Built build(List<Constraint> rules, Family family, int maxOffset, long mergeGrowth,
      int[] kinds) {
    CutTrees b = new CutTrees(rules, family, maxOffset, kinds);
    int n = rules.size();
    List<List<Integer>> groups = new ArrayList<>();
    for (int g = 0; g < 4; g++) {
      groups.add(new ArrayList<>());
    }
    for (int r = 0; r < n; r++) {
      groups.get((b.wide(1, r) ? 1 : 0) | (b.wide(2, r) ? 2 : 0)).add(r);
    }
    // the group whose middle rule comes first is walked first: its match, likely early,
    // prunes the walks of the others (a subtree whose rules all come later is not entered)
    groups.removeIf(List::isEmpty);
    groups.sort((x, y) -> Integer.compare(x.get(x.size() / 2), y.get(y.size() / 2)));
    List<Integer> roots = new ArrayList<>();
    for (List<Integer> g : groups) {
      roots.add(b.node(toArray(g), new CutRegion(b.width),
          (double) TREE_BUDGET * g.size()));
    }
    b.mergeLast(groups, roots, mergeGrowth);
    if (roots.isEmpty()) {
      roots.add(b.leaf(new int[0]));
    }
    if (b.nodes.size() > maxOffset + 1) {
      // too many nodes for a reference's offset (cuts stop at half of it: the project's
      // generated 100K set takes 342,404 ints): one leaf per group
      b = new CutTrees(rules, family, maxOffset, kinds);
      roots.clear();
      for (List<Integer> g : groups) {
        roots.add(b.leaf(toArray(g)));
      }
    }
    int[] rootRefs = roots.stream().mapToInt(Integer::intValue).toArray();
    int[] nodes = CutLayout.breadthFirst(b.nodes.stream().mapToInt(Integer::intValue).toArray(),
        rootRefs);
    return new Built(rootRefs, nodes, CutLayout.leafEntries(nodes, rootRefs),
        family == Family.IPV4 ? b.quick(n) : new int[0]);
  }

  private int[] quick(int n) {
    int[] q = new int[QUICK * n];
    for (int r = 0; r < n; r++) {
      int o = QUICK * r;
      q[o] = (int) loLo[1][r] ^ Integer.MIN_VALUE;
      q[o + 1] = (int) upLo[1][r] ^ Integer.MIN_VALUE;
      q[o + 2] = (int) loLo[2][r] ^ Integer.MIN_VALUE;
      q[o + 3] = (int) upLo[2][r] ^ Integer.MIN_VALUE;
      q[o + 4] = (int) (loLo[3][r] << 16 | upLo[3][r]);
      q[o + 5] = (int) (loLo[4][r] << 16 | upLo[4][r]);
      q[o + 6] = (loLo[0][r] == upLo[0][r] ? (int) loLo[0][r] : ANY_PROTO)
          | (kinds != null && (kinds[r] & PORTS) != 0 ? HAS_PORTS : 0);
      q[o + 7] = -1;
    }
    return q;
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
        family == Family.IPV4 ? b.quick(n) : new int[0]);
  }

  /**
   * The last tree merged into the one before it (never into the first, whose narrow rules a wide
   * rule would be copied among) when the merged tree takes at most {@link #MERGE_GROWTH} times the
   * ints of the two: one walk less for a packet that the first tree does not decide early. In
   * acl1_10k the trees of its 324 rules wide in one address and its 76 wide in both become one
   * (635 and 8,944 ints, 25,135 merged; per lookup 6.3 rule tests and 1.8 leaves become 4.6 and
   * 1.4); in ipc1_10k and fw1_10k the merged tree would take 4.9 and 5.1 times as much, and is
   * given up as soon as it outgrows the bound.
   */
  private void mergeLast(List<List<Integer>> groups, List<Integer> roots, long growth) {
    int k = groups.size();
    if (k < 3) {
      return;
    }
    List<Integer> m = new ArrayList<>(groups.get(k - 2));
    m.addAll(groups.get(k - 1));
    m.sort(null);
    long bound = growth * (CutLayout.stored(nodes, roots.get(k - 2))
        + CutLayout.stored(nodes, roots.get(k - 1)));
    long before = room;
    stopAt = nodes.size() + bound;
    int merged = node(toArray(m), new CutRegion(width), (double) TREE_BUDGET * m.size());
    boolean fits = nodes.size() <= stopAt && CutLayout.stored(nodes, merged) <= bound;
    stopAt = Long.MAX_VALUE;
    if (fits) {
      groups.set(k - 2, m);
      groups.remove(k - 1);
      roots.set(k - 2, merged);
      roots.remove(k - 1);
    } else {
      room = before; // the merged tree's nodes are left unreachable: breadthFirst drops them
    }
  }

  private static int[] toArray(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Whether rule r's hull on an address field spans more than half the field's bits. */
  private boolean wide(int d, int r) {
    int half = width[d] / 2;
    // the hull's size - 1 = up - lo (128-bit); wide when it is at least 2^half
    long h = upHi[d][r] - loHi[d][r] - (Long.compareUnsigned(upLo[d][r], loLo[d][r]) < 0 ? 1 : 0);
    long l = upLo[d][r] - loLo[d][r];
    if (half >= 64) {
      return Long.compareUnsigned(h, 1L << (half - 64)) >= 0;
    }
    return h != 0 || Long.compareUnsigned(l, 1L << half) >= 0;
  }

  /**
   * The region with field d's fixed bits extended by the leading bits all the node's rules share
   * there (their hulls clamped to the region): a packet off them matches none of the rules, so
   * the cut may read the bits below, where the rules differ (what HiCuts gets by shrinking a
   * node's region to its rules).
   */
  private CutRegion shared(int[] rules, CutRegion region, int d) {
    long aHi = 0;
    long aLo = 0;
    long diffHi = 0;
    long diffLo = 0;
    for (int i = 0; i < rules.length; i++) {
      clamp(rules[i], region, d);
      long lh = clamped[0];
      long ll = clamped[1];
      long uh = clamped[2];
      long ul = clamped[3];
      if (i == 0) {
        aHi = lh;
        aLo = ll;
      }
      diffHi |= (lh ^ aHi) | (uh ^ aHi);
      diffLo |= (ll ^ aLo) | (ul ^ aLo);
    }
    int common;
    if (width[d] > 64) {
      common = diffHi != 0 ? Long.numberOfLeadingZeros(diffHi)
          : 64 + Long.numberOfLeadingZeros(diffLo);
    } else {
      common = Long.numberOfLeadingZeros(diffLo) - (64 - width[d]);
    }
    common = Math.min(common, width[d]);
    return common <= region.fixed[d] ? region : region.narrow(d, common, aHi, aLo);
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
    for (int d = 0; d < 5; d++) {
      clamp(b, region, d); // b's hull within the region, within a's?
      if (cmp(loHi[d][a], loLo[d][a], clamped[0], clamped[1]) > 0
          || cmp(upHi[d][a], upLo[d][a], clamped[2], clamped[3]) < 0) {
        return false;
      }
    }
    return true;
  }

  /** {@link #clamp}'s answer: the low bound (hi, lo words), then the high bound. */
  private final long[] clamped = new long[4];

  /** Rule r's hull on field d clamped to the region, into {@link #clamped}. */
  private void clamp(int r, CutRegion region, int d) {
    region.clamp(d, loHi[d][r], loLo[d][r], upHi[d][r], upLo[d][r], clamped);
  }

  private int node(int[] all, CutRegion region, double budget) {
    int[] rules = reached(all, region);
    if (rules.length <= LEAF_SIZE || room <= 0 || nodes.size() > maxOffset / 2
        || nodes.size() > stopAt) {
      return leaf(rules);
    }
    int bestD = -1;
    int bestBits = 0;
    long bestScore = Long.MAX_VALUE;
    CutRegion[] at = new CutRegion[5];
    for (int d = 0; d < 5; d++) {
      at[d] = shared(rules, region, d);
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
        long[] sizes = sizes(rules, at[d], d, bits);
        long total = sizes[0];
        long max = sizes[1];
        if (max >= rules.length || total + children > factor * rules.length || total > budget) {
          continue;
        }
        // the largest child first (what a lookup tests), then the copies and the node's size
        long score = max * 64 + (total - rules.length) * 64 / rules.length + children / 4;
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
    int[][] members = members(rules, cut, d, bits);
    long total = 0;
    for (int[] m : members) {
      total += m.length;
    }
    int[] kids = new int[children];
    for (int i = 0; i < children; i++) {
      // the budget shared in proportion to the rules each child holds
      kids[i] = node(members[i], cut.child(d, bits, i), budget * members[i].length / total);
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

  private int leaf(int[] rules) {
    int[] content = new int[2 + rules.length];
    content[0] = rules.length;
    // content[1], the leaf's reference, is set where the leaf ends up (breadthFirst)
    System.arraycopy(rules, 0, content, 2, rules.length);
    int before = nodes.size();
    int at = intern(content, true);
    if (nodes.size() != before) {
      room -= rules.length;
    }
    return ref(at, LEAF, 63, 1);
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

  /** The child index range [first, last] rule r meets, packed as first << 32 | last. */
  private long span(int r, CutRegion region, int d, int bits) {
    // clamp the rule's hull to the region, then read the bits below the fixed ones
    clamp(r, region, d);
    long aHi = clamped[0];
    long aLo = clamped[1];
    long zHi = clamped[2];
    long zLo = clamped[3];
    int pos = width[d] - region.fixed[d] - bits;
    long mask = (1L << bits) - 1;
    long first = pos >= 64 ? (aHi >>> (pos - 64)) & mask : (aLo >>> pos) & mask;
    long last = pos >= 64 ? (zHi >>> (pos - 64)) & mask : (zLo >>> pos) & mask;
    return first << 32 | last;
  }

  /** Of a cut: the rules of all children together, and of the largest. */
  private long[] sizes(int[] rules, CutRegion region, int d, int bits) {
    int children = 1 << bits;
    int[] diff = new int[children + 1];
    long total = 0;
    for (int r : rules) {
      long s = span(r, region, d, bits);
      int first = (int) (s >>> 32);
      int last = (int) s;
      diff[first]++;
      diff[last + 1]--;
      total += last - first + 1;
    }
    long max = 0;
    int run = 0;
    for (int i = 0; i < children; i++) {
      run += diff[i];
      max = Math.max(max, run);
    }
    return new long[] {total, max};
  }

  private int[][] members(int[] rules, CutRegion region, int d, int bits) {
    int children = 1 << bits;
    int[] count = new int[children];
    long[] spans = new long[rules.length];
    for (int i = 0; i < rules.length; i++) {
      spans[i] = span(rules[i], region, d, bits);
      for (int c = (int) (spans[i] >>> 32); c <= (int) spans[i]; c++) {
        count[c]++;
      }
    }
    int[][] out = new int[children][];
    for (int c = 0; c < children; c++) {
      out[c] = new int[count[c]];
      count[c] = 0;
    }
    for (int i = 0; i < rules.length; i++) {
      for (int c = (int) (spans[i] >>> 32); c <= (int) spans[i]; c++) {
        out[c][count[c]++] = rules[i];
      }
    }
    return out;
  }

  private static int cmp(long ahi, long alo, long bhi, long blo) {
    int c = Long.compareUnsigned(ahi, bhi);
    return c != 0 ? c : Long.compareUnsigned(alo, blo);
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
