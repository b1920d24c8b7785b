package dev.policyc.compiler.optimize;

import dev.policyc.compiler.analysis.TargetKind;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.ChainGraph;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.Opaque;
import dev.policyc.compiler.space.SetCubes;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.compiler.tree.Node;
import dev.policyc.compiler.tree.TreeBuilder;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Optimization: a long run of rules becomes a decision tree of user chains ({@link
 * TreeBuilder}), so a packet is tested against the few dispatch rules on its way down and the
 * rules of one leaf, instead of every rule before the one it matches.
 *
 * <p>A run is a stretch of at least {@code minRules} rules of one chain that the tree may test in
 * any subset, in order: no RETURN, jump or goto (their meaning depends on the chain stack the
 * tree changes) and no limit or statistic match (each copy of a replicated rule would keep its
 * own counter in the kernel). Other non-terminal targets may be in a run: they change no field
 * the tree splits on, and a leaf holds, in order, every rule of the run that can match its
 * packets. The split points and leaves reach the chains by {@code -g}: a leaf whose rules all
 * miss falls off its end, which returns to where falling off the original chain would, when the
 * run ends the chain (its dispatch rules are the chain's last rules). A run followed by other
 * rules is entered by one {@code -j} to the tree's root chain, so falling off a leaf returns to
 * the rule after the run.
 *
 * <p>Dispatch rules have a {@link Origin#dispatch dispatch origin}; the leaves' rules keep their
 * own. The last branch of a split is written inline after the split's other dispatch rules
 * (falling through to it is the same as a goto to it, and one test fewer). The chains of a tree are not
 * revisited, so the pass run again changes nothing. See docs/passes/decision-tree.md.
 */
final class BuildDecisionTrees implements Pass {
  /**
   * Set rules are cut into atoms only while the atoms are at most this many per rule of the run,
   * or of the policy as lowered when it had more ({@link PassContext#inputRules}): the members of
   * the sets {@code extract-sets} made stood for rules of the input, so a run their sets made short
   * keeps its atoms (acl1_10k-alt at -O2, its sets placed whole by their hulls: 18.45 rules tested
   * a packet instead of 15.19).
   */
  private static final int MAX_ATOMS = 4;

  private final int minRules;
  private final TreeBuilder.Options options;

  /** The pass with the thresholds of {@code -O2}: runs of 32 rules, default tree options. */
  BuildDecisionTrees() {
    this(32, TreeBuilder.Options.DEFAULT);
  }

  BuildDecisionTrees(int minRules, TreeBuilder.Options options) {
    if (minRules < 2) {
      throw new IllegalArgumentException("a decision tree of runs of " + minRules + " rules");
    }
    this.minRules = minRules;
    this.options = options;
  }

  @Override
  public String name() {
    return "decision-tree";
  }

  @Override
  public Kind kind() {
    return Kind.OPTIMIZATION;
  }

  @Override
  public IrPolicy run(IrPolicy in, PassContext ctx) {
    // the bound on growth is of the rules as lowered: what earlier passes removed is room
    int now = in.ipv4().ruleCount() + in.ipv6().ruleCount();
    TreeBuilder.Options opts = options;
    if (ctx.inputRules() > now && now > 0) {
      opts = new TreeBuilder.Options(options.leafSize(),
          options.maxGrowth() * ctx.inputRules() / now, options.maxDepth());
    }
    Ruleset v4 = ruleset(in, in.ipv4(), ctx, opts);
    Ruleset v6 = ruleset(in, in.ipv6(), ctx, opts);
    if (v4 == in.ipv4() && v6 == in.ipv6()) {
      return in;
    }
    return new IrPolicy(in.name(), in.host(), in.sets(), v4, v6);
  }

  private Ruleset ruleset(IrPolicy policy, Ruleset rs, PassContext ctx,
      TreeBuilder.Options opts) {
    List<RuleTable> tables = new ArrayList<>();
    boolean changed = false;
    for (RuleTable t : rs.tables()) {
      Set<String> trees = treeChains(t);
      Map<String, Integer> depths = ChainGraph.of(t).depths(Netfilter.MAX_CHAIN_DEPTH);
      List<Chain> chains = new ArrayList<>();
      List<Chain> added = new ArrayList<>();
      for (Chain c : t.chains()) {
        chains.add(trees.contains(c.name()) ? c
            : new ChainRewriter(policy, rs.family(), t.table(), c, ctx, opts,
                depths.getOrDefault(c.name(), 0), added).rewrite());
      }
      if (!added.isEmpty()) {
        chains.addAll(added);
        tables.add(t.withChains(chains));
        changed = true;
      } else {
        tables.add(t);
      }
    }
    return changed ? new Ruleset(rs.family(), tables) : rs;
  }

  /** The chains of trees already built: those holding or reached by a dispatch rule. */
  private static Set<String> treeChains(RuleTable t) {
    Set<String> out = new HashSet<>();
    for (Chain c : t.chains()) {
      for (Rule r : c.rules()) {
        if (r.origin().isDispatch()) {
          out.add(c.name());
          if (r.target() instanceof Target.Goto g) {
            out.add(g.chain());
          } else if (r.target() instanceof Target.Jump j) {
            out.add(j.chain());
          }
        }
      }
    }
    return out;
  }

  /**
   * The smallest prefix whose addresses within {@code region} are exactly {@code addresses} (one
   * interval), or null when there is none.
   */
  static IpRange prefixWithin(IntervalSet addresses, IntervalSet region, Family family) {
    List<IpRange> ranges = addresses.ipRanges(family);
    if (ranges.size() != 1) {
      return null;
    }
    IpRange prefix = ranges.get(0).enclosingPrefix();
    return IntervalSet.of(prefix).intersect(region).equals(addresses) ? prefix : null;
  }

  /** True when a rule may be in a run (see the class comment). */
  private static boolean movable(Rule r) {
    Target t = r.target();
    return !(t instanceof Target.Return || t instanceof Target.Jump || t instanceof Target.Goto)
        && !r.hasStatefulMatch();
  }

  /** Rewrites one chain's runs into trees, adding the tree's chains to {@code added}. */
  private final class ChainRewriter {
    private final IrPolicy policy;
    private final Family family;
    private final Table table;
    private final Chain chain;
    private final PassContext ctx;
    private final TreeBuilder.Options options;
    /** The most jumps and gotos between a built-in chain and this one. */
    private final int depth;
    private final List<Chain> added;
    private final Origin dispatch;
    /** The rules the leaves of the tree being written hold. */
    private int leafRuleCount;

    ChainRewriter(IrPolicy policy, Family family, Table table, Chain chain, PassContext ctx,
        TreeBuilder.Options options, int depth, List<Chain> added) {
      this.policy = policy;
      this.family = family;
      this.table = table;
      this.chain = chain;
      this.ctx = ctx;
      this.options = options;
      this.depth = depth;
      this.added = added;
      this.dispatch = Origin.dispatch("decision tree of " + table.iptablesName() + "/"
          + chain.name());
    }

    Chain rewrite() {
      List<Rule> in = chain.rules();
      if (in.size() < minRules) {
        return chain;
      }
      List<Rule> out = new ArrayList<>();
      boolean changed = false;
      int i = 0;
      while (i < in.size()) {
        if (!movable(in.get(i))) {
          out.add(in.get(i++));
          continue;
        }
        int end = i;
        while (end < in.size() && movable(in.get(end))) {
          end++;
        }
        List<Rule> run = in.subList(i, end);
        if (run.size() >= minRules && tree(run, end == in.size(), out)) {
          changed = true;
        } else {
          out.addAll(run);
        }
        i = end;
      }
      return changed ? new Chain(chain.name(), chain.policy(), out) : chain;
    }

    /** Appends the tree of {@code run} to {@code out}; false when no split pays. */
    private boolean tree(List<Rule> run, boolean endsChain, List<Rule> out) {
      boolean[] decides = new boolean[run.size()];
      for (int k = 0; k < run.size(); k++) {
        // a verdict or NAT target: the rules after it in a leaf never see the packets it takes
        decides[k] = TargetKind.of(run.get(k).target()) == TargetKind.TERMINAL;
      }
      // every split goes one chain deeper (its last branch inline, the others by goto), and
      // nf_tables links no chain more than MAX_CHAIN_DEPTH below a built-in chain
      int levels = Netfilter.MAX_CHAIN_DEPTH - depth - (endsChain ? 0 : 1);
      if (levels < 1) {
        return false;
      }
      // the rules with their set lookups cut into atoms (SetAtoms), unless the atoms would make
      // the tree's work too large: the bound and leaf sizes count rules, not atoms
      SetAtoms atoms = SetAtoms.of(run, r -> narrowed(Constraints.of(r, family, policy)),
          name -> policy.set(name).orElse(null), family, decides, true);
      if (atoms.size() > (long) MAX_ATOMS * Math.max(run.size(), ctx.inputRules())) {
        atoms = SetAtoms.of(run, r -> narrowed(Constraints.of(r, family, policy)),
            name -> policy.set(name).orElse(null), family, decides, false);
      }
      TreeBuilder.Options opts = new TreeBuilder.Options(options.leafSize(),
          options.maxGrowth(), Math.min(options.maxDepth(), levels));
      // a rule that switches conntrack on stays where no packet reaches it: left out of every
      // leaf, it would take conntrack, and the reassembly of fragments, out of its family
      int[] owners = atoms.owners();
      boolean[] keeps = new boolean[owners.length];
      for (int i = 0; i < owners.length; i++) {
        keeps[i] = Interpreter.usesConntrack(run.get(owners[i]));
      }
      Node root = TreeBuilder.build(atoms.constraints, atoms.decides(), keeps, owners, family,
          opts);
      if (!(root instanceof Node.Split split)) {
        return false;
      }
      ctx.count("trees", 1);
      ctx.count("setRulesCut", atoms.cutRules());
      leafRuleCount = 0;
      List<Rule> rules = splitRules(split, run, atoms);
      ctx.count("replicated", Math.max(0, leafRuleCount - run.size()));
      if (endsChain) {
        out.addAll(rules);
      } else {
        String name = newChain(rules);
        out.add(dispatchRule(List.of(), new Target.Jump(name)));
      }
      return true;
    }

    /**
     * An opaque rule with its bound narrowed by its set matches: a set whose entries make several
     * cubes (an address,port set) is opaque to {@link Constraints}, and its rule's bound is then
     * the cube of its other matches alone (every TCP packet, say), which the tree copies into
     * every leaf of that protocol. The lookup holds for no packet outside the union of the set's
     * cubes ({@link SetCubes}), so none outside, field by field, the union of their values: the
     * tree places the rule by that.
     */
    private Constraint narrowed(Constraint c) {
      if (!(c instanceof Opaque o)) {
        return c;
      }
      Cube bound = o.bound();
      for (Match m : o.opaque()) {
        if (!(m instanceof Match.InSet s) || s.negated()) {
          continue;
        }
        IpSet set = policy.set(s.name()).orElse(null);
        if (set == null) {
          continue;
        }
        List<Cube> cubes = SetCubes.of(set, s.dirs(), family);
        Cube hull = Cube.all(family);
        if (cubes.isEmpty()) {
          hull = hull.and(Field.PROTO, IntervalSet.empty(8)); // the lookup never holds
        }
        for (Field f : cubes.isEmpty() ? List.<Field>of() : cubes.get(0).constrained().keySet()) {
          ValueSet values = null;
          for (Cube k : cubes) {
            ValueSet v = k.constrained().get(f);
            values = v == null ? null : values == null ? v : values.union(v);
            if (v == null) {
              break; // a cube that holds any value of the field: the union does too
            }
          }
          if (values != null) {
            hull = hull.and(f, values);
          }
        }
        bound = bound.intersect(hull);
      }
      return bound.equals(o.bound()) ? o : new Opaque(bound, o.opaque());
    }

    /**
     * The rules of a split: a dispatch rule per branch, to the branch's chain, but the last
     * branch inline (a packet no dispatch rule took falls through to it, one test fewer than a
     * goto to it).
     */
    private List<Rule> splitRules(Node.Split split, List<Rule> run, SetAtoms atoms) {
      List<Rule> rules = new ArrayList<>();
      List<Node.Branch> branches = split.branches();
      if (branches.size() == 2 && prefixOf(split, branches.get(0).values()) == null
          && prefixOf(split, branches.get(1).values()) != null) {
        // the second branch is one prefix within the region, the first is not: dispatch to the
        // second with -s/-d, tested in the packet's header, and fall through to the first
        branches = List.of(branches.get(1), branches.get(0));
      }
      for (int i = 0; i < branches.size(); i++) {
        Node.Branch b = branches.get(i);
        boolean last = i == branches.size() - 1;
        if (last && b.child() instanceof Node.Leaf leaf) {
          rules.addAll(leafRules(leaf, run, atoms));
          continue;
        } else if (last && b.child() instanceof Node.Split inner) {
          rules.addAll(splitRules(inner, run, atoms));
          continue;
        }
        List<Match> matches = last ? List.of() : dispatchMatches(split, (IntervalSet) b.values());
        rules.add(dispatchRule(matches, new Target.Goto(chainOf(b.child(), run, atoms))));
      }
      return rules;
    }

    private String chainOf(Node n, List<Rule> run, SetAtoms atoms) {
      if (n instanceof Node.Leaf leaf) {
        return newChain(leafRules(leaf, run, atoms));
      } else if (n instanceof Node.Split s) {
        return newChain(splitRules(s, run, atoms));
      }
      throw new AssertionError("unknown node " + n);
    }

    /** A leaf's rules: each rule once for its consecutive atoms ({@link SetAtoms#rule}). */
    private List<Rule> leafRules(Node.Leaf leaf, List<Rule> run, SetAtoms atoms) {
      List<Rule> rules = new ArrayList<>();
      List<Integer> in = leaf.rules();
      for (int i = 0; i < in.size(); ) {
        int owner = atoms.owner(in.get(i));
        int j = i + 1;
        while (j < in.size() && atoms.owner(in.get(j)) == owner) {
          j++;
        }
        rules.add(atoms.rule(run.get(owner), in.get(i), j - i));
        i = j;
      }
      leafRuleCount += rules.size();
      return rules;
    }

    private String newChain(List<Rule> rules) {
      String name = ctx.names().chain(table, chain.name() + "_dt");
      added.add(new Chain(name, null, rules));
      ctx.count("chains", 1);
      return name;
    }

    private Rule dispatchRule(List<Match> matches, Target target) {
      ctx.count("dispatchRules", 1);
      return new Rule(matches, target, null, dispatch);
    }

    /**
     * For a split on an address, the smallest prefix that holds exactly the branch's addresses
     * among the region's (a test of the address against a prefix, {@code -s}/{@code -d}, costs
     * the kernel less than an address range, {@code -m iprange}); null for another field or
     * when no prefix does.
     */
    private IpRange prefixOf(Node.Split split, ValueSet values) {
      if (split.field() != Field.SRC && split.field() != Field.DST) {
        return null;
      }
      return prefixWithin((IntervalSet) values, (IntervalSet) split.region().get(split.field()),
          family);
    }

    /** The matches of the packets whose split field is in {@code values} (one interval). */
    private List<Match> dispatchMatches(Node.Split split, IntervalSet values) {
      Field f = split.field();
      switch (f) {
        case PROTO:
          return List.of(new Match.Proto((int) values.ranges().get(0)[0], false));
        case SRC:
        case DST: {
          IpRange prefix = prefixOf(split, values);
          IpRange range = prefix != null ? prefix : values.ipRanges(family).get(0);
          return List.of(new Match.Addr(f == Field.SRC ? Side.SRC : Side.DST, range, false));
        }
        case SPORT:
        case DPORT: {
          // the split is in a region of one protocol with ports (TreeBuilder), which iptables
          // needs named before a port match
          int proto = (int) ((IntervalSet) split.region().get(Field.PROTO)).ranges().get(0)[0];
          PortRange ports = values.portRanges().get(0);
          return List.of(new Match.Proto(proto, false),
              new Match.Ports(f == Field.SPORT ? Side.SRC : Side.DST, List.of(ports), false));
        }
        default:
          throw new AssertionError("a tree split on " + f);
      }
    }
  }
}
