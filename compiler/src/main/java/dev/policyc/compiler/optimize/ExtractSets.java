package dev.policyc.compiler.optimize;

import dev.policyc.compiler.analysis.Footprint;
import dev.policyc.compiler.analysis.TargetKind;
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
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Optimization: rules of a chain that differ only in one address, in one address and one port
 * list, or in one port list (and share their target and every other match) become one rule with
 * a set match on a new ipset ({@code hash:ip} or {@code hash:net}; {@code hash:ip,port} or
 * {@code hash:net,port}; {@code bitmap:port}), so the rule count stays constant as address lists
 * grow. The rule keeps every replaced rule as a part of its origin.
 *
 * <p>A group starts at a rule and gathers later rules of the same shape within {@code window}
 * rules, at least {@code minRules} of them. The group's rule takes the place of its first rule,
 * so every other member moves up: only past rules that no packet matching it can match and that
 * leave the packet as it was ({@link Footprint#mayMoveUpPast}: a MARK rule could mark a packet
 * into a member's; a rule with a limit or statistic match is passed by none, since skipping it
 * would skip its counter). Only targets that end the chain for the packet are gathered (ACCEPT,
 * DROP, REJECT, RETURN, goto, NAT): a packet that two members match meets only one of them after
 * the pass, which only such targets make harmless. Rules with a limit or statistic match are not
 * gathered either (they would share one counter).
 *
 * <p>Entries: a {@code hash:ip} type when every address is one host (and not the zero address,
 * which hash types cannot store), else {@code hash:net}; an address matching everything cannot be
 * a {@code hash:net} entry ({@code /0}) and is never gathered. The entries of a port type carry
 * the rule's protocol (tcp, udp or sctp; {@code bitmap:port} holds only TCP and UDP packets, so
 * only their rules gather into one), and a port range of more than {@link #MAX_PORTS_PER_ENTRY}
 * ports is not gathered into a hash set, where ipset stores one element per port.
 *
 * <p>The pass is greedy (each rule tries its shapes and keeps the largest group) and, on chains
 * longer than the window, not idempotent: groups stand where their first rule stood, so a second
 * run may find rules within the window that were farther apart. See {@code
 * docs/passes/extract-sets.md}.
 */
final class ExtractSets implements Pass {
  /** The fewest rules worth a set in a chain shorter than {@link #LONG_CHAIN}. */
  static final int DEFAULT_MIN_RULES = 4;
  /**
   * The fewest rules worth a set in a chain of at least {@link #LONG_CHAIN} rules: two (one rule
   * tested instead of two where a packet meets both; the decision tree cuts a set back into its
   * members where they part, docs/passes/extract-sets.md).
   */
  static final int LONG_CHAIN_MIN_RULES = 2;
  /**
   * A chain of at least this many rules is long: generated rather than written and read by hand,
   * where a set of two pays; a short chain keeps its pairs of rules as written.
   */
  static final int LONG_CHAIN = 256;
  /**
   * How far after a group's first rule its members may be: far enough for most of a 10K-rule
   * chain's groups (1,024 instead of 128: fewer rules tested on each of 13 ClassBench sets at
   * -O2), near enough that the proof of a member's move stays short (4,096 took fw3_10k-alt's
   * {@code --verify} past 10 s: docs/benchmarks.md).
   */
  static final int DEFAULT_WINDOW = 1024;
  /** The widest port range an address,port entry may have (ipset stores each port). */
  static final int MAX_PORTS_PER_ENTRY = 64;
  /** ipset's default element limit, the least a set gets. */
  private static final int DEFAULT_MAXELEM = 65536;

  private final int minRules;
  private final int longChainMinRules;
  private final int window;

  ExtractSets() {
    this(DEFAULT_MIN_RULES, LONG_CHAIN_MIN_RULES, DEFAULT_WINDOW);
  }

  ExtractSets(int minRules) {
    this(minRules, DEFAULT_WINDOW);
  }

  ExtractSets(int minRules, int window) {
    this(minRules, minRules, window);
  }

  /**
   * The pass gathering at least {@code minRules} rules a set, {@code longChainMinRules} in a chain
   * of at least {@value #LONG_CHAIN} rules, within {@code window} rules of a group's first.
   */
  ExtractSets(int minRules, int longChainMinRules, int window) {
    if (minRules < 2 || longChainMinRules < 2 || window < 1) {
      throw new IllegalArgumentException("minRules " + minRules + "/" + longChainMinRules
          + " window " + window);
    }
    this.minRules = minRules;
    this.longChainMinRules = longChainMinRules;
    this.window = window;
  }

  @Override
  public String name() {
    return "extract-sets";
  }

  @Override
  public Kind kind() {
    return Kind.OPTIMIZATION;
  }

  @Override
  public IrPolicy run(IrPolicy in, PassContext ctx) {
    List<IpSet> sets = new ArrayList<>(in.sets());
    Ruleset v4 = ruleset(in, in.ipv4(), sets, ctx);
    Ruleset v6 = ruleset(in, in.ipv6(), sets, ctx);
    if (sets.size() == in.sets().size()) {
      return in;
    }
    return new IrPolicy(in.name(), in.host(), sets, v4, v6);
  }

  private Ruleset ruleset(IrPolicy in, Ruleset rs, List<IpSet> sets, PassContext ctx) {
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : rs.tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        chains.add(new Chain(c.name(), c.policy(),
            new ChainRun(in, rs.family(), t.table(), c, sets, ctx).rules()));
      }
      tables.add(t.withChains(chains));
    }
    return new Ruleset(rs.family(), tables);
  }

  /** Which fields vary across a group: one address, one address and one port list, or ports. */
  private enum Varying {
    ADDR,
    ADDR_PORT,
    PORT
  }

  /** A kind with its sides (null where the kind has no such field). */
  private record Shape(Varying kind, Side addr, Side port) {
    /** The field part of the set's name, such as {@code src} or {@code dst-dport}. */
    String hint() {
      return switch (kind) {
        case ADDR -> addr.word();
        case ADDR_PORT -> addr.word() + "-" + port.word().charAt(0) + "port";
        case PORT -> port.word().charAt(0) + "port";
      };
    }

    /** The directions of the set match. */
    List<Side> dirs() {
      return switch (kind) {
        case ADDR -> List.of(addr);
        case ADDR_PORT -> List.of(addr, port);
        case PORT -> List.of(port);
      };
    }
  }

  /** What members of one group share: the shape, every other match (in order), the target. */
  private record Key(Shape shape, List<Match> others, Target target) {}

  /**
   * How one rule joins a group of its key: the entries it adds, the index of the match the set
   * match takes the place of, and the index of the match dropped beside it (or -1).
   */
  private record Candidate(int key, List<IpSet.Entry> entries, int at, int dropped) {}

  /** The pass over one chain. */
  private final class ChainRun {
    private final IrPolicy policy;
    private final Family family;
    private final Table table;
    private final Chain chain;
    private final List<IpSet> sets;
    private final PassContext ctx;
    private final List<Rule> rules;
    /** Interned keys: equal keys get one number, so scans compare ints. */
    private final Map<Key, Integer> keyIds = new HashMap<>();
    private final List<Key> keys = new ArrayList<>();
    private final List<List<Candidate>> candidates = new ArrayList<>();
    /** Per key, the rules with a candidate of that key, ascending: what a group's scan visits. */
    private int[][] rulesOfKey;
    /** The packets each rule may match, and whether rules may move past it. */
    private final List<Footprint> footprints = new ArrayList<>();
    private final boolean[] consumed;

    ChainRun(IrPolicy policy, Family family, Table table, Chain chain, List<IpSet> sets,
        PassContext ctx) {
      this.policy = policy;
      this.family = family;
      this.table = table;
      this.chain = chain;
      this.sets = sets;
      this.ctx = ctx;
      this.rules = chain.rules();
      this.consumed = new boolean[rules.size()];
    }

    List<Rule> rules() {
      int least = rules.size() >= LONG_CHAIN ? longChainMinRules : minRules;
      if (rules.size() < least) {
        return rules;
      }
      for (Rule r : rules) {
        candidates.add(candidatesOf(r));
        footprints.add(Footprint.of(r, family, policy));
      }
      int[] count = new int[keys.size()];
      for (List<Candidate> cs : candidates) {
        cs.forEach(c -> count[c.key()]++);
      }
      rulesOfKey = new int[keys.size()][];
      for (int k = 0; k < count.length; k++) {
        rulesOfKey[k] = new int[count[k]];
        count[k] = 0;
      }
      for (int j = 0; j < rules.size(); j++) {
        for (Candidate c : candidates.get(j)) {
          rulesOfKey[c.key()][count[c.key()]++] = j;
        }
      }
      List<Rule> out = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        if (consumed[i]) {
          continue;
        }
        List<Integer> best = List.of();
        Candidate bestCandidate = null;
        for (Candidate c : candidates.get(i)) {
          List<Integer> group = gather(i, c.key());
          if (group.size() >= least && group.size() > best.size()) {
            best = group;
            bestCandidate = c;
          }
        }
        if (bestCandidate == null) {
          out.add(rules.get(i));
          continue;
        }
        for (int j : best) {
          consumed[j] = true;
        }
        out.add(merge(best, bestCandidate));
      }
      return out;
    }

    /**
     * Rule {@code i} and the later rules of key {@code key} within the window that may move up
     * to it, in order.
     */
    private List<Integer> gather(int i, int key) {
      List<Integer> group = new ArrayList<>();
      group.add(i);
      BitSet members = new BitSet();
      members.set(i);
      int end = Math.min(rules.size() - 1, i + window);
      // the rules of the key after i within the window (i holds the key: it is in the list)
      int[] ofKey = rulesOfKey[key];
      for (int at = Arrays.binarySearch(ofKey, i) + 1; at < ofKey.length && ofKey[at] <= end;
          at++) {
        int j = ofKey[at];
        if (!consumed[j] && movesUpTo(i, j, members)) {
          group.add(j);
          members.set(j);
        }
      }
      return group;
    }

    /** Whether rule {@code j} may move up past every rule left between {@code i} and it. */
    private boolean movesUpTo(int i, int j, BitSet members) {
      Footprint mine = footprints.get(j);
      for (int k = i + 1; k < j; k++) {
        if (!consumed[k] && !members.get(k) && !mine.mayMoveUpPast(footprints.get(k))) {
          return false;
        }
      }
      return true;
    }

    private Candidate candidate(int j, int key) {
      for (Candidate c : candidates.get(j)) {
        if (c.key() == key) {
          return c;
        }
      }
      return null;
    }

    /** The rule with a set match that replaces the rules {@code group}. */
    private Rule merge(List<Integer> group, Candidate first) {
      Key key = keys.get(first.key());
      Set<IpSet.Entry> entries = new LinkedHashSet<>();
      List<Rule> replaced = new ArrayList<>();
      for (int j : group) {
        entries.addAll(candidate(j, first.key()).entries());
        replaced.add(rules.get(j));
      }
      IpSet set = set(key.shape(), List.copyOf(entries));
      sets.add(set);
      ctx.count("sets", 1);
      ctx.count("setMembers", entries.size());
      ctx.count("rulesReplaced", group.size());
      Rule head = rules.get(group.get(0));
      List<Match> matches = new ArrayList<>();
      for (int m = 0; m < head.matches().size(); m++) {
        if (m == first.at()) {
          matches.add(new Match.InSet(set.name(), key.shape().dirs(), false));
        } else if (m != first.dropped()) {
          matches.add(head.matches().get(m));
        }
      }
      return Merged.rule(matches, head.target(), replaced);
    }

    private IpSet set(Shape shape, List<IpSet.Entry> entries) {
      String hint = (table == Table.FILTER ? "" : table.iptablesName() + "-") + chain.name()
          + "-" + shape.hint() + (family == Family.IPV6 ? "-v6" : "");
      String name = ctx.names().set(hint);
      if (shape.kind() == Varying.PORT) {
        int lo = entries.stream().mapToInt(e -> e.ports().lo()).min().orElseThrow();
        int hi = entries.stream().mapToInt(e -> e.ports().hi()).max().orElseThrow();
        return new IpSet(name, IpSet.Type.BITMAP_PORT, family, entries, new PortRange(lo, hi),
            DEFAULT_MAXELEM);
      }
      boolean hosts = entries.stream().allMatch(e -> e.addr().first().equals(e.addr().last())
          && !e.addr().first().isMin());
      IpSet.Type type = shape.kind() == Varying.ADDR
          ? (hosts ? IpSet.Type.HASH_IP : IpSet.Type.HASH_NET)
          : (hosts ? IpSet.Type.HASH_IP_PORT : IpSet.Type.HASH_NET_PORT);
      long elements = 0;
      for (IpSet.Entry e : entries) {
        long ports = e.ports() == null ? 1 : e.ports().hi() - e.ports().lo() + 1;
        elements += e.addr().toPrefixes().size() * ports;
      }
      return new IpSet(name, type, family, entries, null,
          (int) Math.max(DEFAULT_MAXELEM, elements));
    }

    /** The ways rule {@code r} can join a group. */
    private List<Candidate> candidatesOf(Rule r) {
      List<Candidate> out = new ArrayList<>();
      // a packet two members match meets only one of them after the pass: harmless only when
      // the target leaves the chain
      if (TargetKind.of(r.target()) != TargetKind.TERMINAL || r.hasStatefulMatch()) {
        return out;
      }
      List<Match> ms = r.matches();
      int proto = r.protocol();
      for (Side side : Side.values()) {
        int a = only(ms, Match.Addr.class, side);
        if (a < 0 || ((Match.Addr) ms.get(a)).negated()
            || ((Match.Addr) ms.get(a)).range().isAll()) {
          continue;
        }
        IpRange addr = ((Match.Addr) ms.get(a)).range();
        out.add(candidate(r, new Shape(Varying.ADDR, side, null), a, -1,
            List.of(new IpSet.Entry(addr, 0, null))));
        if (proto != Protocols.TCP && proto != Protocols.UDP && proto != Protocols.SCTP) {
          continue;
        }
        for (Side portSide : Side.values()) {
          List<PortRange> ports = ports(ms, portSide);
          if (ports == null || ports.stream()
              .anyMatch(p -> p.hi() - p.lo() + 1 > MAX_PORTS_PER_ENTRY)) {
            continue;
          }
          int p = only(ms, Match.Ports.class, portSide);
          List<IpSet.Entry> entries = new ArrayList<>();
          ports.forEach(pr -> entries.add(new IpSet.Entry(addr, proto, pr)));
          out.add(candidate(r, new Shape(Varying.ADDR_PORT, side, portSide), Math.min(a, p),
              Math.max(a, p), entries));
        }
      }
      if (proto == Protocols.TCP || proto == Protocols.UDP) {
        for (Side portSide : Side.values()) {
          List<PortRange> ports = ports(ms, portSide);
          if (ports != null) {
            List<IpSet.Entry> entries = new ArrayList<>();
            ports.forEach(pr -> entries.add(new IpSet.Entry(null, 0, pr)));
            int p = only(ms, Match.Ports.class, portSide);
            out.add(candidate(r, new Shape(Varying.PORT, null, portSide), p, -1, entries));
          }
        }
      }
      return out;
    }

    private Candidate candidate(Rule r, Shape shape, int at, int dropped,
        List<IpSet.Entry> entries) {
      List<Match> others = new ArrayList<>(r.matches());
      if (dropped >= 0) {
        others.remove(dropped);
      }
      others.remove(at);
      Key key = new Key(shape, others, r.target());
      Integer id = keyIds.get(key);
      if (id == null) {
        id = keys.size();
        keyIds.put(key, id);
        keys.add(key);
      }
      return new Candidate(id, entries, at, dropped);
    }
  }

  /** The port ranges of the rule's one positive port match on a side, or null. */
  private static List<PortRange> ports(List<Match> ms, Side side) {
    int p = only(ms, Match.Ports.class, side);
    return p < 0 || ((Match.Ports) ms.get(p)).negated() ? null : ((Match.Ports) ms.get(p)).ranges();
  }

  /** The index of the one address or port match on {@code side}, or -1 (none, or several). */
  private static int only(List<Match> ms, Class<? extends Match> type, Side side) {
    int found = -1;
    for (int i = 0; i < ms.size(); i++) {
      Match m = ms.get(i);
      Side s = m instanceof Match.Addr a ? a.side() : m instanceof Match.Ports p ? p.side() : null;
      if (type.isInstance(m) && s == side) {
        if (found >= 0) {
          return -1;
        }
        found = i;
      }
    }
    return found;
  }
}
