package dev.policyc.compiler.classifier;

import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The table resource of a generated classifier: every rule as a small program of primitive
 * operations, and per chain its search trees ({@link CutTrees}: the roots, then one int array of
 * nodes), in the format the runtime's {@code Engine} reads. Deterministic:
 * the same policy gives the same bytes.
 */
final class ClassifierTables {
  /** The runtime's table order. */
  private static final List<Table> TABLES = List.of(Table.RAW, Table.MANGLE, Table.NAT,
      Table.FILTER);

  private static final int VERSION = 5;

  /** Chains shorter than this are one leaf: a tree would not pay. */
  static final int MIN_TREE_RULES = 8;

  private final IrPolicy policy;
  private final Map<String, Integer> strings = new LinkedHashMap<>();
  /** Statistics of the last write, for tests and the report. */
  int trees;

  int leafRules;

  /** Ints of the search structure written: the trees, quick tests and exact targets. */
  long searchInts;

  ClassifierTables(IrPolicy policy) {
    this.policy = policy;
    string("");
  }

  byte[] write() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      DataOutputStream out = new DataOutputStream(body);
      for (Family f : Family.values()) {
        family(out, policy.ruleset(f));
      }
      host(out, policy.host());
      out.flush();
      DataOutputStream head = new DataOutputStream(bytes);
      head.writeInt(VERSION);
      head.writeInt(strings.size());
      for (String s : strings.keySet()) {
        head.writeUTF(s);
      }
      head.flush();
      body.writeTo(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private int string(String s) {
    return strings.computeIfAbsent(s, k -> strings.size());
  }

  private void family(DataOutputStream out, Ruleset rs) throws IOException {
    out.writeBoolean(true);
    out.writeBoolean(Interpreter.usesConntrack(rs));
    Program prog = new Program();
    List<List<int[]>> chainRules = new ArrayList<>();
    for (Table t : TABLES) {
      RuleTable rt = rs.table(t).orElse(null);
      List<Chain> chains = rt == null ? List.of() : rt.chains();
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < chains.size(); i++) {
        index.put(chains.get(i).name(), i);
      }
      for (Chain c : chains) {
        int[] at = new int[c.rules().size()];
        int[] targets = new int[c.rules().size()];
        for (int i = 0; i < at.length; i++) {
          Rule r = c.rules().get(i);
          // an exact IPv4 rule is decided by its hull: its program is its target alone
          boolean exact = rs.family() == Family.IPV4 && exact(r);
          at[i] = prog.rule(r, index, exact);
          targets[i] = !exact ? -1
              : r.target() instanceof Target.Accept ? -2 - 1
              : r.target() instanceof Target.Drop ? -2 - 2
              : prog.lastTarget;
        }
        List<int[]> one = new ArrayList<>();
        one.add(at);
        one.add(targets);
        chainRules.add(one);
      }
    }
    writeInts(out, prog.ints.toArray());
    writeLongs(out, prog.longs.stream().mapToLong(Long::longValue).toArray());
    int k = 0;
    for (Table t : TABLES) {
      RuleTable rt = rs.table(t).orElse(null);
      List<Chain> chains = rt == null ? List.of() : rt.chains();
      out.writeInt(chains.size());
      for (Chain c : chains) {
        out.writeInt(string(c.name()));
        out.writeInt(!c.isBuiltin() ? -1 : c.policy() == Verdict.DROP ? 1 : 0);
        out.writeInt(c.isBuiltin() ? hook(c.name()) : -1);
        List<int[]> programs = chainRules.get(k++);
        writeInts(out, programs.get(0));
        int[] origins = new int[c.rules().size()];
        int[] comments = new int[c.rules().size()];
        for (int i = 0; i < origins.length; i++) {
          Rule r = c.rules().get(i);
          origins[i] = string(r.origin().pos().known() ? r.origin().pos().toString() : "");
          comments[i] = r.comment() == null ? -1 : string(r.comment());
        }
        writeInts(out, origins);
        writeInts(out, comments);
        CutTrees.Built tree = tree(c, rs.family());
        int[] quick = tree.quick();
        int[] actions = programs.get(1);
        for (int i = 0; i < quick.length / CutTrees.QUICK; i++) {
          quick[CutTrees.QUICK * i + CutTrees.QUICK - 1] = actions[i];
        }
        writeInts(out, tree.roots());
        writeInts(out, tree.nodes());
        writeInts(out, quick);
        searchInts += tree.roots().length + tree.nodes().length + quick.length;
      }
    }
  }

  /**
   * The host model as the runtime's {@code Host} reads it: forwarding, the interface names, every
   * address in model order (interface, family, address, prefix length, subnet bounds), the
   * declared routes in model order.
   */
  private void host(DataOutputStream out, HostModel host) throws IOException {
    out.writeBoolean(host != null);
    if (host == null) {
      return;
    }
    out.writeBoolean(host.forwarding());
    out.writeInt(host.ifaces().size());
    for (HostModel.Iface i : host.ifaces()) {
      out.writeInt(string(i.name()));
    }
    out.writeInt(host.ifaces().stream().mapToInt(i -> i.addrs().size()).sum());
    for (int i = 0; i < host.ifaces().size(); i++) {
      for (HostModel.IfAddr a : host.ifaces().get(i).addrs()) {
        out.writeInt(i);
        out.writeInt(a.addr().family() == Family.IPV4 ? 4 : 6);
        out.writeLong(a.addr().hi());
        out.writeLong(a.addr().lo());
        out.writeInt(a.prefixLength());
        IpRange net = a.subnet();
        out.writeLong(net.first().hi());
        out.writeLong(net.first().lo());
        out.writeLong(net.last().hi());
        out.writeLong(net.last().lo());
      }
    }
    out.writeInt(host.routes().size());
    for (HostModel.Route r : host.routes()) {
      out.writeInt(r.dst().family() == Family.IPV4 ? 4 : 6);
      out.writeLong(r.dst().first().hi());
      out.writeLong(r.dst().first().lo());
      out.writeLong(r.dst().last().hi());
      out.writeLong(r.dst().last().lo());
      out.writeInt(r.dst().prefixLength());
      out.writeBoolean(r.via() != null);
      out.writeLong(r.via() == null ? 0 : r.via().hi());
      out.writeLong(r.via() == null ? 0 : r.via().lo());
      out.writeInt(string(r.dev()));
    }
  }

  private static int hook(String name) {
    return switch (Hook.valueOf(name)) {
      case PREROUTING -> 0;
      case INPUT -> 1;
      case FORWARD -> 2;
      case OUTPUT -> 3;
      case POSTROUTING -> 4;
    };
  }

  /**
   * Whether an IPv4 rule's matches are exactly its hull on the five fields (addresses, protocol
   * and one port range, none negated, each field at most once: two matches of one field could
   * leave an empty hull, which the trees take as the whole field), so that the runtime's hull
   * test decides it and it needs no program.
   */
  private static boolean exact(Rule r) {
    int seen = 0;
    for (Match m : r.matches()) {
      int field;
      if (m instanceof Match.Addr a && !a.negated() && a.range().family() == Family.IPV4) {
        field = a.side() == Side.SRC ? 1 : 2;
      } else if (m instanceof Match.Proto p && !p.negated()) {
        field = 4;
      } else if (m instanceof Match.Ports p2 && !p2.negated() && p2.ranges().size() == 1) {
        field = p2.side() == Side.SRC ? 8 : 16;
      } else {
        return false;
      }
      if ((seen & field) != 0) {
        return false;
      }
      seen |= field;
    }
    return true;
  }

  // ------------------------------------------------------------ trees

  private CutTrees.Built tree(Chain c, Family f) {
    int n = c.rules().size();
    CutTrees.Built built;
    List<Constraint> cs = new ArrayList<>();
    int[] kinds = new int[n];
    for (int i = 0; i < n; i++) {
      Rule r = c.rules().get(i);
      cs.add(Constraints.of(r, f, policy));
      Target t = r.target();
      boolean ends = t instanceof Target.Accept || t instanceof Target.Drop
          || t instanceof Target.Reject;
      kinds[i] = (f == Family.IPV4 && ends && exact(r) ? CutTrees.ENDS : 0)
          | (r.matches().stream().anyMatch(m -> m instanceof Match.Ports) ? CutTrees.PORTS : 0);
    }
    if (n < MIN_TREE_RULES) {
      built = CutTrees.single(cs, f, kinds);
    } else {
      built = CutTrees.build(cs, f, kinds);
      trees += built.roots().length;
    }
    leafRules += built.leafEntries();
    return built;
  }

  // ------------------------------------------------------------ rules

  /** Rules as programs: the operations of the runtime's {@code Engine.matches} and targets. */
  private final class Program {
    final IntList ints = new IntList();
    final List<Long> longs = new ArrayList<>();
    /** The entries of each set, written once per family. */
    final Map<String, int[]> setAt = new HashMap<>();

    private void append(long... values) {
      for (long v : values) {
        longs.add(v);
      }
    }

    /** Where each run of constants was written first: rules share their addresses' bounds. */
    private final Map<List<Long>, Integer> constsAt = new HashMap<>();

    private int consts(long... values) {
      List<Long> key = new ArrayList<>(values.length);
      for (long v : values) {
        key.add(v);
      }
      Integer known = constsAt.get(key);
      if (known != null) {
        return known;
      }
      int at = longs.size();
      longs.addAll(key);
      constsAt.put(key, at);
      return at;
    }

    /** Where the last rule's target starts. */
    int lastTarget;

    /**
     * Writes a rule: its matches, then its target; the target alone for an exact rule, which
     * the hull test decides (the rule's offset is then its target's).
     */
    int rule(Rule r, Map<String, Integer> chains, boolean exact) {
      int at = ints.size();
      if (!exact) {
        ints.add(r.matches().size());
        for (Match m : r.matches()) {
          match(m);
        }
      }
      lastTarget = ints.size();
      target(r.target(), chains);
      return at;
    }

    private void match(Match m) {
      if (m instanceof Match.Addr a) {
        add(1, a.side() == Side.SRC ? 0 : 1, bit(a.negated()),
            consts(a.range().first().hi(), a.range().first().lo(), a.range().last().hi(),
                a.range().last().lo()));
      } else if (m instanceof Match.Proto p) {
        add(2, p.number(), bit(p.negated()));
      } else if (m instanceof Match.Ports p) {
        add(3, p.side() == Side.SRC ? 0 : 1, bit(p.negated()), p.ranges().size());
        for (PortRange pr : p.ranges()) {
          add(pr.lo(), pr.hi());
        }
      } else if (m instanceof Match.Iface i) {
        add(4, i.out() ? 1 : 0, bit(i.negated()), string(i.name()));
      } else if (m instanceof Match.CtState s) {
        if (s.snat() || s.dnat()) {
          throw new IllegalArgumentException("the classifier has no --ctstate SNAT/DNAT: " + m);
        }
        int bits = 0;
        for (ConnState st : s.states()) {
          bits |= 1 << st.ordinal();
        }
        add(5, bits, bit(s.negated()));
      } else if (m instanceof Match.Icmp ic) {
        add(6, ic.type(), ic.codeLo(), ic.codeHi(), bit(ic.negated()));
      } else if (m instanceof Match.TcpFlags t) {
        add(7, t.mask(), t.comp(), bit(t.negated()));
      } else if (m instanceof Match.Mark mk) {
        add(8, consts(mk.value(), mk.mask()), bit(mk.negated()));
      } else if (m instanceof Match.ConnMark cm) {
        add(9, consts(cm.value(), cm.mask()), bit(cm.negated()));
      } else if (m instanceof Match.Dscp d) {
        add(10, d.value(), bit(d.negated()));
      } else if (m instanceof Match.Tos t) {
        add(11, t.value(), t.mask(), bit(t.negated()));
      } else if (m instanceof Match.Length l) {
        add(12, l.lo(), l.hi(), bit(l.negated()));
      } else if (m instanceof Match.Ttl t) {
        add(13, switch (t.op()) {
          case EQ -> 0;
          case NE -> 1;
          case LT -> 2;
          case GT -> 3;
        }, t.value());
      } else if (m instanceof Match.Fragment fr) {
        add(14, bit(fr.negated()));
      } else if (m instanceof Match.Limit l) {
        add(15, l.burst());
      } else if (m instanceof Match.Statistic s) {
        if (s.nth()) {
          add(16, s.every(), s.packet(), bit(s.negated()));
        } else {
          add(17, consts(s.probability()), bit(s.negated()));
        }
      } else if (m instanceof Match.AddrType at) {
        int types = 0;
        for (AddressType t : at.types()) {
          types |= switch (t) {
            case UNSPEC -> 1;
            case UNICAST -> 2;
            case LOCAL -> 4;
            case BROADCAST -> 8;
            case MULTICAST -> 16;
          };
        }
        add(18, at.side() == Side.SRC ? 0 : 1, types, bit(at.negated()));
      } else if (m instanceof Match.InSet in) {
        IpSet set = policy.set(in.name())
            .orElseThrow(() -> new IllegalStateException("rule uses missing set " + in.name()));
        if (set.type().hasSecondAddress()) {
          // kube-proxy's IPVS-mode sets, read from ipset text only: no policy declares them
          throw new IllegalArgumentException("the classifier has no " + set.type().ipsetName()
              + " set (" + set.name() + ")");
        }
        int[] at = setAt.computeIfAbsent(set.name(), n -> set(set));
        add(19, bit(in.negated()), in.dirs().size(), in.dirs().get(0) == Side.SRC ? 0 : 1,
            in.dirs().size() > 1 ? (in.dirs().get(1) == Side.SRC ? 0 : 1) : -1,
            set.type().ordinal(), set.family() == null ? 0 : set.family() == Family.IPV4 ? 4 : 6,
            at[0], at[1]);
      } else if (m instanceof Match.Recent || m instanceof Match.Nfacct
          || m instanceof Match.Ipvs || m instanceof Match.Physdev) {
        // read from iptables-save text only: no policy compiles to them
        throw new IllegalArgumentException("the classifier has no " + m);
      } else {
        throw new AssertionError("unknown match " + m);
      }
    }

    /** A set's entries as 7 constants each; {count, offset}. */
    private int[] set(IpSet set) {
      int at = longs.size();
      for (IpSet.Entry e : set.entries()) {
        // in a row, 7 an entry (the runtime scans them from the set's offset): not shared
        if (e.addr() != null) {
          append(e.addr().first().hi(), e.addr().first().lo(), e.addr().last().hi(),
              e.addr().last().lo());
        } else {
          append(0, 0, 0, 0);
        }
        append(e.proto(), e.ports() == null ? 0 : e.ports().lo(),
            e.ports() == null ? -1 : e.ports().hi());
      }
      return new int[] {set.entries().size(), at};
    }

    private void target(Target t, Map<String, Integer> chains) {
      if (t instanceof Target.None) {
        add(0);
      } else if (t instanceof Target.Accept) {
        add(1);
      } else if (t instanceof Target.Drop) {
        add(2);
      } else if (t instanceof Target.Reject r) {
        add(3, string(r.with()));
      } else if (t instanceof Target.Return) {
        add(4);
      } else if (t instanceof Target.Jump j) {
        add(5, chain(chains, j.chain()));
      } else if (t instanceof Target.Goto g) {
        add(6, chain(chains, g.chain()));
      } else if (t instanceof Target.Log l) {
        add(7, string(l.prefix() == null ? "" : l.prefix()));
      } else if (t instanceof Target.Mark m) {
        add(8, consts(m.value(), m.mask()));
      } else if (t instanceof Target.ConnMark c) {
        add(9, switch (c.mode()) {
          case SET -> 0;
          case SAVE -> 1;
          case RESTORE -> 2;
        }, consts(c.value(), c.mask(), c.nfmask(), c.ctmask()));
      } else if (t instanceof Target.Dscp d) {
        add(10, d.value());
      } else if (t instanceof Target.Tos tos) {
        add(11, tos.value(), tos.mask());
      } else if (t instanceof Target.Ttl ttl) {
        add(12, switch (ttl.op()) {
          case SET -> 0;
          case INC -> 1;
          case DEC -> 2;
        }, ttl.value());
      } else if (t instanceof Target.NoTrack) {
        add(13);
      } else if (t instanceof Target.Dnat d) {
        add(14);
        range(d.addrs());
        ports(d.ports());
      } else if (t instanceof Target.Snat sn) {
        add(15);
        range(sn.addrs());
        ports(sn.ports());
      } else if (t instanceof Target.Masquerade m) {
        if (m.randomFully()) {
          throw new IllegalArgumentException("the classifier has no MASQUERADE --random-fully");
        }
        add(16);
        ports(m.ports());
      } else if (t instanceof Target.Redirect rd) {
        add(17);
        ports(rd.ports());
      } else if (t instanceof Target.TcpMss mss) {
        add(18, mss.mss());
      } else {
        throw new AssertionError("unknown target " + t);
      }
    }

    /** A NAT address range: whether there is one, and its bounds' constants. */
    private void range(IpRange r) {
      if (r == null) {
        add(0, -1);
      } else {
        add(1, consts(r.first().hi(), r.first().lo(), r.last().hi(), r.last().lo()));
      }
    }

    /** A NAT port range: lo, hi; -1, -1 for none. */
    private void ports(PortRange p) {
      if (p == null) {
        add(-1, -1);
      } else {
        add(p.lo(), p.hi());
      }
    }

    private int chain(Map<String, Integer> chains, String name) {
      Integer i = chains.get(name);
      if (i == null) {
        throw new IllegalStateException("jump to missing chain " + name);
      }
      return i;
    }

    private void add(int... values) {
      for (int v : values) {
        ints.add(v);
      }
    }
  }

  private static int bit(boolean b) {
    return b ? 1 : 0;
  }

  private static void writeInts(DataOutputStream out, int[] a) throws IOException {
    out.writeInt(a.length);
    for (int v : a) {
      out.writeInt(v);
    }
  }

  private static void writeLongs(DataOutputStream out, long[] a) throws IOException {
    out.writeInt(a.length);
    for (long v : a) {
      out.writeLong(v);
    }
  }

  /** A growable int array. */
  private static final class IntList {
    private int[] a = new int[64];
    private int n;

    void add(int v) {
      if (n == a.length) {
        a = java.util.Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    void set(int i, int v) {
      a[i] = v;
    }

    int size() {
      return n;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(a, n);
    }
  }
}
