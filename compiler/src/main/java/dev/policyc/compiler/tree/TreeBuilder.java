package dev.policyc.compiler.tree;

import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Builds a decision tree over a first-match list of rules (their {@link Constraint}s): each
 * {@link Node.Split} sends a packet by one field (the protocol, a destination or source address
 * interval, or a port interval within one protocol) to a branch holding, in their original
 * order, only the rules that can match a packet of that branch. A packet therefore meets the
 * same first matching rule in its leaf as in the whole list.
 *
 * <p>A rule whose values on the split field meet several branches is replicated into each; an
 * {@link Opaque} rule is placed by its bound (the cube of its other matches: it matches no
 * packet outside it). A split is scored by the node's packets times the drop in rules they test
 * (about {@code n} in a node of {@code n} rules), per rule it adds (copies and dispatch rules).
 * Each field's split point is estimated from the rules' hulls with packets spread as the rules
 * are ({@code Σ w²/Σ w} tested after it); between the fields, the branches' rules once pruned
 * decide, with a share of the packets spread evenly over the region ({@link #EVEN}). Nodes are
 * split best score first, so when the copies reach the bound of {@link Options#maxGrowth()} the
 * splits that paid most are in. See docs/passes/decision-tree.md.
 */
public final class TreeBuilder {
  /**
   * How far to split.
   *
   * @param leafSize a node of at most this many rules is not split
   * @param maxGrowth the bound on the rules of all leaves together with one dispatch rule per
   *     branch but the last of each split, as a multiple of the input's (1: no split at all)
   * @param maxDepth the most splits on the way from the root to a leaf
   */
  public record Options(int leafSize, double maxGrowth, int maxDepth) {
    /** Leaves of about 8 rules, at most twice the rules, 24 levels. */
    public static final Options DEFAULT = new Options(8, 2.0, 24);

    public Options {
      if (leafSize < 1 || !(maxGrowth >= 1.0) || maxDepth < 0) {
        throw new IllegalArgumentException("tree options leafSize " + leafSize + ", maxGrowth "
            + maxGrowth + ", maxDepth " + maxDepth);
      }
    }
  }

  /** Protocols given their own branch in one split, at most; the rest share the last. */
  private static final int MAX_PROTOCOL_BRANCHES = 4;

  /**
   * Nodes of at most this many rules are also pruned rule by rule (each rule against the deciding
   * rules before it); larger ones only after a deciding rule that covers their whole region.
   */
  private static final int PAIRWISE_PRUNE = 256;

  /**
   * An address cut whose one side is a prefix within the node's region is taken over the best
   * cut when its score is at least this share of the best's: its dispatch rule is {@code -s/-d}
   * (in nf_tables a compare in the header) instead of {@code -m iprange} (a compat match), and
   * such cuts (HiCuts' halving, near the root) also cost fewer rules tested on ipc1 and acl2
   * (docs/passes/decision-tree.md).
   */
  private static final double PREFIX_SCORE = 0.8;

  /**
   * The share of a node's packets taken to spread evenly over its region, the rest as its rules
   * do: by rules alone a region of few rules, where a flow that matches nothing goes, is split
   * last (the kernel benchmark's flow: 38 rules tested, 26 with this; docs/passes/decision-tree.md).
   */
  private static final double EVEN = 0.2;

  private static final List<Field> ADDRESSES = List.of(Field.DST, Field.SRC);
  private static final List<Field> PORTS = List.of(Field.DPORT, Field.SPORT);

  private final List<Cube> bounds;
  private final Family family;
  private final Options options;
  /** Per rule, whether it decides its packets and is exactly its cube; null: no pruning. */
  private boolean[] decides;
  /** Per constraint, whether it stays in every node it meets, reached or not; or null. */
  private boolean[] keeps;
  /**
   * Per constraint, the rule it is part of (a rule cut into several constraints, in order, one
   * after the other: {@code optimize/SetAtoms}); null when each constraint is a rule. A node's
   * size, the leaf size and the growth bound count rules: a leaf holds a rule once.
   */
  private int[] owners;
  /** Rule copies the tree may still add. */
  private long room;
  /** The constraints' bounds by their hulls, and the branches they meet. */
  private final RuleHulls hulls;
  private long created;
  /** The rules of the list (not constraints: see {@link #owners}). */
  private final int rules;

  private TreeBuilder(List<Cube> bounds, int[] owners, Family family, Options options) {
    this.bounds = bounds;
    this.owners = owners;
    this.family = family;
    this.options = options;
    this.hulls = new RuleHulls(bounds);
    this.rules = owners == null || owners.length == 0 ? bounds.size()
        : owners[owners.length - 1] + 1;
    this.room = (long) Math.floor((options.maxGrowth() - 1.0) * rules);
  }

  /** The tree of {@code rules} (of one family, in order); a leaf of all when no split pays. */
  public static Node build(List<Constraint> rules, Family family, Options options) {
    return build(rules, null, family, options);
  }

  /**
   * The decision tree of {@code rules}, where {@code decides[i]} tells that rule {@code i} ends
   * every packet it matches (ACCEPT, DROP, REJECT, NAT) and no rule changes the fields the tree
   * splits on. A node then holds no rule that cannot be the first match of one of its packets:
   * none after a deciding rule whose cube holds the node's whole region, and (in a node of at most
   * {@value #PAIRWISE_PRUNE} rules) none whose cube within the region one earlier deciding rule
   * holds with no non-deciding rule between them. {@code decides} null: no rule is left out.
   */
  public static Node build(List<Constraint> rules, boolean[] decides, Family family,
      Options options) {
    return build(rules, decides, null, null, family, options);
  }

  /**
   * The decision tree of {@code rules} as {@link #build(List, boolean[], Family, Options)} builds
   * it, where a rule with {@code keeps[i]} stays in every node whose region it meets, reached or
   * not (one that switches conntrack on, whose absence the kernel would see), and where {@code
   * rules} are parts of fewer rules when {@code owners} is not null: {@code owners[i]} is the rule
   * constraint {@code i} belongs to, from 0, non-decreasing (each rule's parts one after the
   * other). Node sizes, the leaf size and the growth bound count rules, not parts.
   */
  public static Node build(List<Constraint> rules, boolean[] decides, boolean[] keeps,
      int[] owners, Family family, Options options) {
    if (owners != null && (owners.length != rules.size() || owners.length > 0 && owners[0] != 0
        || IntStream.range(1, owners.length)
            .anyMatch(i -> owners[i] != owners[i - 1] && owners[i] != owners[i - 1] + 1))) {
      throw new IllegalArgumentException("owners must number the rules from 0 in order");
    }
    if (decides != null && decides.length != rules.size()
        || keeps != null && keeps.length != rules.size()) {
      throw new IllegalArgumentException("flags for " + rules.size() + " rules of another count");
    }
    List<Cube> bounds = new ArrayList<>();
    for (Constraint c : rules) {
      Cube cube = c instanceof Cube k ? k : ((Opaque) c).bound();
      if (cube.family() != family) {
        throw new IllegalArgumentException("a rule of " + cube.family() + " in a tree of "
            + family);
      }
      bounds.add(cube);
    }
    TreeBuilder b = new TreeBuilder(bounds, owners, family, options);
    if (decides != null) {
      b.decides = new boolean[rules.size()];
      for (int i = 0; i < rules.size(); i++) {
        // an Opaque rule matches less than its bound: it cannot be shown to cover anything
        b.decides[i] = decides[i] && rules.get(i) instanceof Cube;
      }
      // none kept (the common case): pruning stops at the rule that decides a whole region
      b.keeps = keeps != null && IntStream.range(0, keeps.length).anyMatch(i -> keeps[i]) ? keeps
          : null;
    }
    return b.build();
  }

  /** A node while the tree grows: a leaf until it is split. */
  private final class Pending {
    final List<Integer> rules;
    final Cube region;
    final int depth;
    final long order = created++;
    /** Its rules, counted as {@link #weight} counts them. */
    final int weight;
    Field field;
    List<Pending> children;
    List<ValueSet> values;
    /** The split planned for it, its branches' rules, and what it gains per rule it adds. */
    Choice choice;
    List<List<Integer>> members;
    double gain;

    Pending(List<Integer> rules, Cube region, int depth) {
      this.rules = rules;
      this.weight = weight(rules);
      this.region = region;
      this.depth = depth;
    }

    Node freeze() {
      if (children == null) {
        return new Node.Leaf(rules);
      }
      List<Node.Branch> branches = new ArrayList<>();
      for (int i = 0; i < children.size(); i++) {
        branches.add(new Node.Branch(values.get(i), children.get(i).freeze()));
      }
      return new Node.Split(field, region, branches);
    }
  }

  /** A way to split a node: the field, and each branch's values and region. */
  private record Choice(Field field, List<ValueSet> values, List<Cube> regions) {
    Choice(Pending p, Field field, List<ValueSet> values) {
      this(field, values, values.stream().map(v -> p.region.and(field, v)).toList());
    }
  }

  private Node build() {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < bounds.size(); i++) {
      all.add(i);
    }
    Pending root = new Pending(prune(all, Cube.all(family), true), Cube.all(family), 0);
    PriorityQueue<Pending> queue = new PriorityQueue<>(
        Comparator.comparingDouble((Pending p) -> -p.gain).thenComparingLong(p -> p.order));
    plan(root);
    queue.add(root);
    while (!queue.isEmpty()) {
      Pending p = queue.poll();
      Choice c = p.choice;
      if (c == null) {
        continue;
      }
      List<List<Integer>> members = p.members;
      long added = added(p.weight, members);
      if (added > room) {
        // the splits taken since it was planned left too little room: the best that fits now
        plan(p);
        if (p.choice != null && added(p.weight, p.members) <= room) {
          queue.add(p);
        }
        continue;
      }
      room -= added;
      p.field = c.field();
      p.values = c.values();
      p.children = new ArrayList<>();
      for (int i = 0; i < members.size(); i++) {
        Pending child = new Pending(members.get(i), c.regions().get(i), p.depth + 1);
        p.children.add(child);
        plan(child);
        queue.add(child);
      }
    }
    return root.freeze();
  }

  /**
   * What splitting a node of {@code n} rules into branches of {@code total} rules together (the
   * sum of their squares {@code squares}) gains per rule it adds: {@code n} times the drop in the
   * rules a packet tests, taking a node's packets to spread over its branches as its rules do.
   */
  private static double gain(long n, long total, double squares, int branches) {
    double drop = n - squares / Math.max(1, total);
    return n * drop / Math.max(1, total - n + branches - 1);
  }

  /** The copies and the dispatch rules (one per branch but the last, which is fallen into). */
  private long added(int n, List<List<Integer>> members) {
    long added = members.size() - 1 - n;
    for (List<Integer> m : members) {
      added += weight(m);
    }
    return added;
  }

  /**
   * Plans a node's split, if it is to be split: of the candidates ({@link #candidates}), each
   * weighed by its branches' rules once pruned (cheaply: only after a deciding rule holding a
   * branch's whole region), the one that gains most per rule it adds, its branches then pruned in
   * full. The hulls alone mislead most where a few wide rules end a region's packets, in small
   * nodes as in large ones (docs/passes/decision-tree.md).
   */
  private void plan(Pending p) {
    p.choice = null;
    // every split adds a dispatch rule at least
    if (p.weight <= options.leafSize() || p.depth >= options.maxDepth() || room < 1) {
      return;
    }
    List<Choice> choices = candidates(p);
    for (Choice c : choices) {
      List<List<Integer>> members = branches(p, c, choices.size() == 1);
      double g = gain(p, c, members);
      if (p.choice == null || g > p.gain) {
        p.choice = c;
        p.members = members;
        p.gain = g;
      }
    }
    if (choices.size() > 1) {
      p.members = branches(p, p.choice, true);
      p.gain = gain(p, p.choice, p.members);
    }
  }

  /** The rules of each branch of {@code c}, pruned (pairwise too, or only by whole regions). */
  private List<List<Integer>> branches(Pending p, Choice c, boolean pairwise) {
    List<List<Integer>> members = hulls.members(p.rules, c.field(), c.values());
    for (int i = 0; i < members.size(); i++) {
      members.set(i, prune(members.get(i), c.regions().get(i), pairwise));
    }
    return members;
  }

  /**
   * What splitting {@code p} by {@code c} into branches of these rules gains per rule added: the
   * node's packets times the drop in the rules they test, the packets spread as {@link #packets}.
   */
  private double gain(Pending p, Choice c, List<List<Integer>> members) {
    long total = 0;
    double packets = 0;
    double tested = 0;
    for (int i = 0; i < members.size(); i++) {
      int w = weight(members.get(i));
      double branch = packets(w, c.regions().get(i).share());
      total += w;
      packets += branch;
      tested += branch * w;
    }
    int n = p.weight;
    double drop = n - tested / Math.max(Double.MIN_NORMAL, packets);
    return packets(n, p.region.share()) * drop / Math.max(1, total - n + members.size() - 1);
  }

  /** The packets of a node of {@code w} rules holding {@code share} of all headers, in rules. */
  private double packets(int w, double share) {
    return (1 - EVEN) * w + EVEN * rules * share;
  }

  /**
   * The rules of a node over {@code region} that can be the first match of one of its packets
   * (see {@link #build(List, boolean[], Family, Options)}), in order; {@code rules} itself when
   * the builder has no {@link #decides} facts. Without {@code pairwise}, only the rules after
   * one that holds the whole region are left out.
   */
  private List<Integer> prune(List<Integer> rules, Cube region, boolean pairwise) {
    if (decides == null) {
      return rules;
    }
    pairwise &= rules.size() <= PAIRWISE_PRUNE;
    List<Integer> out = new ArrayList<>();
    List<Integer> deciders = new ArrayList<>(); // the deciding rules since the last that goes on
    long[] whole = region.hull();
    boolean exactRegion = pairwise && RuleHulls.exact(region);
    boolean closed = false;
    for (int r : rules) {
      Cube b = bounds.get(r);
      if (closed || pairwise && hulls.covered(deciders, r, region, whole, exactRegion)) {
        if (keeps != null && keeps[r]) {
          out.add(r); // no packet of the region reaches it, but it must stay (keeps)
        }
        continue;
      }
      out.add(r);
      if (!decides[r]) {
        deciders.clear(); // a rule that goes on may change the packet the next rules see
      } else if ((whole == null || Cube.hullHolds(hull(r), whole)) && b.contains(region)) {
        if (keeps == null) {
          break; // every packet of the region that gets here is decided here
        }
        closed = true; // the same, but the rules kept after it are still to be found
      } else if (pairwise) {
        deciders.add(r);
      }
    }
    return out;
  }

  /** The rules of {@code parts} (in order): each part, or each owner's parts once. */
  private int weight(List<Integer> parts) {
    if (owners == null) {
      return parts.size();
    }
    int n = 0;
    int last = -1;
    for (int i : parts) {
      if (owners[i] != last) {
        n++;
        last = owners[i];
      }
    }
    return n;
  }

  private long[] hull(int rule) {
    return hulls.hull(rule);
  }

  /**
   * The candidate splits of a node that make every branch smaller: the best by the estimate on
   * each address field and, in a region of one protocol with ports, each port field, and the
   * protocol splits.
   */
  private List<Choice> candidates(Pending p) {
    List<Choice> choices = new ArrayList<>();
    IntervalSet proto = (IntervalSet) p.region.get(Field.PROTO);
    Long single = single(proto);
    if (single == null) {
      choices.addAll(protocolSplits(p));
    }
    for (Field f : ADDRESSES) {
      addIfPresent(choices, intervalSplit(p, f));
    }
    if (single != null && Protocols.hasPorts(single.intValue())) {
      for (Field f : PORTS) {
        addIfPresent(choices, intervalSplit(p, f));
      }
    }
    return choices;
  }

  private static void addIfPresent(List<Choice> choices, Choice c) {
    if (c != null) {
      choices.add(c);
    }
  }

  /**
   * The splits on the protocol: the 1 to {@link #MAX_PROTOCOL_BRANCHES} protocols most rules
   * name get a branch each, the rest of the region the last.
   */
  private List<Choice> protocolSplits(Pending p) {
    IntervalSet region = (IntervalSet) p.region.get(Field.PROTO);
    Map<Long, Integer> named = new TreeMap<>();
    for (int r : p.rules) {
      long v = hulls.single(r, Field.PROTO);
      if (v >= 1 && region.contains(v)) {
        named.merge(v, 1, Integer::sum);
      }
    }
    List<Long> byUse = new ArrayList<>(named.keySet());
    // most named first; the TreeMap's order breaks ties, so the choice is deterministic
    byUse.sort(Comparator.comparingInt((Long v) -> -named.get(v)));
    List<Choice> out = new ArrayList<>();
    for (int k = 1; k <= Math.min(MAX_PROTOCOL_BRANCHES, byUse.size()); k++) {
      List<ValueSet> values = new ArrayList<>();
      ValueSet rest = region;
      for (long v : byUse.subList(0, k)) {
        ValueSet point = IntervalSet.point(8, v);
        values.add(point);
        rest = rest.minus(point);
      }
      if (rest.isEmpty()) {
        rest = values.remove(values.size() - 1); // the last protocol is all that is left
      }
      values.add(rest);
      if (values.size() >= 2) {
        addIfPresent(out, fitting(p, Field.PROTO, values));
      }
    }
    return out;
  }

  /** The choice of {@code values}, or null when no branch shrinks or its copies do not fit. */
  private Choice fitting(Pending p, Field field, List<ValueSet> values) {
    int n = p.weight;
    long total = 0;
    long largest = 0;
    boolean opensPorts = false;
    List<List<Integer>> members = hulls.members(p.rules, field, values);
    for (int i = 0; i < members.size(); i++) {
      int size = weight(members.get(i));
      total += size;
      largest = Math.max(largest, size);
      Long proto = single((IntervalSet) values.get(i));
      opensPorts |= size == n && proto != null && Protocols.hasPorts(proto.intValue());
    }
    // a branch of every rule makes no progress, unless it is of one protocol with ports: there
    // the ports can be split on (rules of one protocol differ in ports)
    if (largest >= n && !opensPorts || total - n + values.size() - 1 > room) {
      return null;
    }
    return new Choice(p, field, values);
  }

  /**
   * The best split of an address or port field in two at one point: the intervals of the rules,
   * cut to the region, counted by their hulls.
   */
  private Choice intervalSplit(Pending p, Field f) {
    IntervalSet region = (IntervalSet) p.region.get(f);
    if (region.isEmpty()) {
      return null;
    }
    int n = p.rules.size();
    SplitPoints points = hulls.splitPoints(p.rules, f, f.width(family), region);
    int[] sortedStarts = points.start.clone();
    int[] sortedAfters = points.after.clone();
    Arrays.sort(sortedStarts);
    Arrays.sort(sortedAfters);
    int bestPoint = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    boolean addr = f == Field.SRC || f == Field.DST;
    boolean prefixes = addr && points.narrowField();
    long bestP = -1;
    double bestPScore = Double.NEGATIVE_INFINITY;
    for (int c : points.candidates) {
      int left = SplitPoints.lowerBound(sortedStarts, c); // rules starting below c
      int right = n - SplitPoints.lowerBound(sortedAfters, c + 1); // rules ending at c or above
      int largest = Math.max(left, right);
      if (largest >= n) {
        continue;
      }
      long copies = left + right - n;
      if (copies + 1 > room) {
        continue; // beyond the growth bound: a split that fits is better than none
      }
      double score = gain(n, left + right, (double) left * left + (double) right * right, 2);
      if (score > bestScore) {
        bestScore = score;
        bestPoint = c;
      }
      if (prefixes && score > bestPScore) {
        long pp = points.prefixPoint(c);
        if (pp >= 0) {
          bestPScore = score;
          bestP = pp;
        }
      }
    }
    if (bestPoint < 0) {
      return null;
    }
    boolean usePrefix = prefixes && bestP >= 0 && bestPScore >= PREFIX_SCORE * bestScore;
    IntervalSet[] two = usePrefix ? points.cutAt(bestP) : points.cut(bestPoint, addr);
    return new Choice(p, f, List.of(two[0], two[1]));
  }

  /** The one value of a set, or null when it has none or several. */
  static Long single(IntervalSet s) {
    if (!s.isOneNarrowInterval()) {
      return null;
    }
    long[] r = s.ranges().get(0);
    return r[0] == r[1] ? r[0] : null;
  }
}
