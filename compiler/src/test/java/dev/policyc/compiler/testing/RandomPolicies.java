package dev.policyc.compiler.testing;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IpAddr;
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
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random IR policies that the kernel would load: every table, user chains with jumps and gotos
 * (acyclic, each reachable from one hook so hook-restricted targets stay legal), every match and
 * target kind, IPv4 and IPv6, and ipsets. Values come from a small universe of addresses, ports
 * and interfaces so that packets biased to its boundaries hit rule edges often.
 */
public final class RandomPolicies {
  static final String[] V4_PREFIXES = {
    "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "192.0.2.0/24", "192.0.2.128/25",
    "198.51.100.7/32", "203.0.113.0/24", "0.0.0.0/1", "172.16.0.0/12"
  };
  static final String[] V4_RANGES = {"10.1.2.1-10.1.2.9", "192.0.2.10-192.0.2.200"};
  static final String[] V6_PREFIXES = {
    "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64", "2001:db8:1:2::3/128",
    "fe80::/10", "::/1", "2001:db8:ffff::/48"
  };
  static final String[] V6_RANGES = {"2001:db8:1:2::1-2001:db8:1:2::9"};
  static final int[][] PORT_RANGES = {{22, 22}, {80, 80}, {443, 443}, {1000, 2000}, {53, 53},
    {1, 1023}, {8080, 8089}, {65535, 65535}, {0, 10}};
  static final String[] IFACES = {"eth0", "eth1", "eth+", "lo", "wan0", "veth+"};

  private final Random rnd;

  public RandomPolicies(Random rnd) {
    this.rnd = rnd;
  }

  /**
   * Knobs for what a generated policy may use. {@code repeatable}: only stateful matches whose
   * outcome a real kernel repeats (limits slow enough not to refill during a test, random
   * sampling with probability 0 or 1), for the kernel oracle.
   */
  public record Options(boolean sets, boolean stateful, int maxRulesPerChain, boolean repeatable,
      int similar) {
    public static final Options ALL = new Options(true, true, 8, false);
    public static final Options KERNEL = new Options(true, true, 8, true);
    /**
     * For optimizer passes: longer chains, and about half of their rules made from an earlier
     * rule of the chain by changing one address, port list or protocol (the rules passes merge,
     * gather into sets and sort into trees).
     */
    public static final Options OPTIMIZER = new Options(true, true, 24, false, 50);

    public Options(boolean sets, boolean stateful, int maxRulesPerChain, boolean repeatable) {
      this(sets, stateful, maxRulesPerChain, repeatable, 0);
    }

    /**
     * These options with {@code percent} of the rules after the first of each chain made from an
     * earlier rule of the chain by changing one field.
     */
    public Options withSimilar(int percent) {
      return new Options(sets, stateful, maxRulesPerChain, repeatable, percent);
    }

    public Options withMaxRules(int n) {
      return new Options(sets, stateful, n, repeatable, similar);
    }
  }

  public IrPolicy policy(Options o) {
    List<IpSet> sets = o.sets() ? sets() : List.of();
    List<Table> tables = new ArrayList<>();
    for (Table t : Table.values()) {
      if (rnd.nextInt(4) != 0) {
        tables.add(t);
      }
    }
    if (tables.isEmpty()) {
      tables.add(Table.FILTER);
    }
    // Both families get the same tables and chain layout, as lowering produces.
    Layout layout = layout(tables);
    return new IrPolicy("random", null, sets,
        ruleset(Family.IPV4, layout, sets, o), ruleset(Family.IPV6, layout, sets, o));
  }

  /** Which user chains each built-in chain of each table owns, and the built-in policies. */
  private record Layout(List<TableLayout> tables) {}

  private record TableLayout(Table table, List<String> builtins, List<Verdict> policies,
      List<List<String>> userChains) {}

  private Layout layout(List<Table> tables) {
    List<TableLayout> out = new ArrayList<>();
    for (Table t : tables) {
      List<Verdict> pols = new ArrayList<>();
      List<List<String>> users = new ArrayList<>();
      for (String b : t.builtinChains()) {
        pols.add(t == Table.NAT || rnd.nextInt(3) != 0 ? Verdict.ACCEPT : Verdict.DROP);
        List<String> u = new ArrayList<>();
        int n = rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
          u.add(b.substring(0, 3).toLowerCase() + "-u" + i);
        }
        users.add(u);
      }
      out.add(new TableLayout(t, t.builtinChains(), pols, users));
    }
    return new Layout(out);
  }

  private Ruleset ruleset(Family f, Layout layout, List<IpSet> sets, Options o) {
    List<RuleTable> tables = new ArrayList<>();
    for (TableLayout tl : layout.tables()) {
      List<Chain> chains = new ArrayList<>();
      List<Chain> user = new ArrayList<>();
      for (int b = 0; b < tl.builtins().size(); b++) {
        Hook hook = Hook.valueOf(tl.builtins().get(b));
        List<String> owned = tl.userChains().get(b);
        chains.add(new Chain(tl.builtins().get(b), tl.policies().get(b),
            rules(f, tl.table(), hook, owned, -1, sets, o)));
        for (int i = 0; i < owned.size(); i++) {
          user.add(new Chain(owned.get(i), null, rules(f, tl.table(), hook, owned, i, sets, o)));
        }
      }
      user.sort((a, b) -> a.name().compareTo(b.name()));
      chains.addAll(user);
      tables.add(new RuleTable(tl.table(), chains));
    }
    return new Ruleset(f, tables);
  }

  /** Rules of one chain; user chain {@code self} of a hook may jump only to later ones. */
  private List<Rule> rules(Family f, Table t, Hook hook, List<String> owned, int self,
      List<IpSet> sets, Options o) {
    int n = rnd.nextInt(o.maxRulesPerChain() + 1);
    List<Rule> out = new ArrayList<>();
    List<String> targets = owned.subList(self + 1, owned.size());
    for (int i = 0; i < n; i++) {
      Rule similar = out.isEmpty() || rnd.nextInt(100) >= o.similar() ? null
          : similar(out.get(rnd.nextInt(out.size())), f);
      out.add(similar != null ? similar : rule(f, t, hook, targets, sets, o));
    }
    return out;
  }

  /**
   * A rule like {@code r} but for one field: another source or destination address, other
   * ports, or the other of TCP and UDP; sometimes the same rule with another comment. Null when
   * {@code r} has no such field to change.
   */
  private Rule similar(Rule r, Family f) {
    List<Match> ms = new ArrayList<>(r.matches());
    List<Integer> changeable = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      Match m = ms.get(i);
      if (m instanceof Match.Addr || m instanceof Match.Ports
          || (m instanceof Match.Proto p && !p.negated()
              && (p.number() == Protocols.TCP || p.number() == Protocols.UDP)
              && !(r.target() instanceof Target.TcpMss)
              && !(r.target() instanceof Target.Reject rj && rj.with().equals("tcp-reset"))
              && ms.stream().noneMatch(x -> x instanceof Match.TcpFlags))) {
        changeable.add(i);
      }
    }
    if (changeable.isEmpty()) {
      if (ms.stream().noneMatch(x -> x instanceof Match.Addr)) {
        ms.add(0, addr(f, rnd.nextBoolean() ? Side.SRC : Side.DST));
        return new Rule(ms, r.target(), r.comment(), null);
      }
      return null;
    }
    int i = changeable.get(rnd.nextInt(changeable.size()));
    Match m = ms.get(i);
    if (m instanceof Match.Addr a) {
      ms.set(i, rnd.nextInt(3) == 0 ? addr(f, a.side()) : new Match.Addr(a.side(),
          neighbour(a.range()), a.negated()));
    } else if (m instanceof Match.Ports p) {
      ms.set(i, new Match.Ports(p.side(), ports(p.side()).ranges(), p.negated()));
    } else {
      ms.set(i, new Match.Proto(((Match.Proto) m).number() == Protocols.TCP ? Protocols.UDP
          : Protocols.TCP, false));
    }
    String comment = rnd.nextInt(4) == 0 ? "similar" : r.comment();
    return new Rule(ms, r.target(), comment, null);
  }

  /** A range next to {@code r} of the same size (its sibling prefix), or {@code r} itself. */
  private static IpRange neighbour(IpRange r) {
    if (!r.isPrefix() || r.prefixLength() == 0) {
      return r;
    }
    IpRange parent = IpRange.prefix(r.first(), r.prefixLength() - 1);
    IpAddr other = parent.first().equals(r.first())
        ? r.last().plus(1) : parent.first();
    return IpRange.prefix(other, r.prefixLength());
  }

  public Rule rule(Family f, Table t, Hook hook, List<String> jumpTargets, List<IpSet> sets,
      Options o) {
    List<Match> ms = new ArrayList<>();
    int proto = 0;
    if (rnd.nextInt(3) == 0) {
      ms.add(addr(f, Side.SRC));
    }
    if (rnd.nextInt(3) == 0) {
      ms.add(addr(f, Side.DST));
    }
    if (hook != Hook.OUTPUT && hook != Hook.POSTROUTING && rnd.nextInt(4) == 0) {
      ms.add(new Match.Iface(false, pick(IFACES), rnd.nextInt(4) == 0));
    }
    if (hook != Hook.PREROUTING && hook != Hook.INPUT && rnd.nextInt(4) == 0) {
      ms.add(new Match.Iface(true, pick(IFACES), rnd.nextInt(4) == 0));
    }
    Target target = target(f, t, hook, jumpTargets);
    boolean needTcp = target instanceof Target.TcpMss
        || (target instanceof Target.Reject r && r.with().equals("tcp-reset"));
    boolean needPorts = (target instanceof Target.Dnat d && d.ports() != null)
        || (target instanceof Target.Snat s && s.ports() != null)
        || (target instanceof Target.Masquerade m && m.ports() != null)
        || (target instanceof Target.Redirect r2 && r2.ports() != null);
    int pk = rnd.nextInt(10);
    if (needTcp) {
      proto = Protocols.TCP;
    } else if (needPorts) {
      proto = rnd.nextBoolean() ? Protocols.TCP : Protocols.UDP;
    } else if (pk < 3) {
      proto = Protocols.TCP;
    } else if (pk < 5) {
      proto = Protocols.UDP;
    } else if (pk < 6) {
      proto = f == Family.IPV4 ? Protocols.ICMP : Protocols.ICMPV6;
    } else if (pk < 7) {
      proto = rnd.nextBoolean() ? Protocols.SCTP : 47;
    }
    boolean protoNeg = proto != 0 && !needTcp && !needPorts && rnd.nextInt(6) == 0;
    if (proto != 0) {
      ms.add(new Match.Proto(proto, protoNeg));
    }
    if (f == Family.IPV4 && rnd.nextInt(12) == 0) {
      ms.add(new Match.Fragment(rnd.nextBoolean()));
    }
    if (!protoNeg && Protocols.hasPorts(proto)) {
      if (rnd.nextInt(3) == 0) {
        ms.add(ports(Side.SRC));
      }
      if (rnd.nextInt(2) == 0) {
        ms.add(ports(Side.DST));
      }
    }
    if (!protoNeg && proto == Protocols.TCP && (target instanceof Target.TcpMss
        || rnd.nextInt(4) == 0)) {
      if (target instanceof Target.TcpMss) {
        ms.add(new Match.TcpFlags(0x06, 0x02, false));
      } else {
        int mask = 1 + rnd.nextInt(0x3f); // a mask of no flags is degenerate (lowering refuses it)
        ms.add(new Match.TcpFlags(mask, mask & rnd.nextInt(0x40), rnd.nextInt(4) == 0));
      }
    }
    if (!protoNeg && (proto == Protocols.ICMP || proto == Protocols.ICMPV6) && rnd.nextBoolean()) {
      ms.add(icmp(f));
    }
    if (rnd.nextInt(4) == 0) {
      ms.add(new Match.CtState(states(), rnd.nextInt(4) == 0));
    }
    if (rnd.nextInt(6) == 0) {
      long mask = pick(new long[] {0xffffffffL, 0xff, 0xf0, 0x1});
      ms.add(new Match.Mark(rnd.nextInt(4) & mask, mask, rnd.nextInt(4) == 0));
    }
    if (rnd.nextInt(10) == 0) {
      long mask = pick(new long[] {0xffffffffL, 0xff});
      ms.add(new Match.ConnMark(rnd.nextInt(3) & mask, mask, rnd.nextInt(4) == 0));
    }
    if (rnd.nextInt(10) == 0) {
      ms.add(new Match.Dscp(pick(new int[] {0, 10, 46}), rnd.nextInt(4) == 0));
    }
    if (rnd.nextInt(12) == 0) {
      ms.add(new Match.Tos(pick(new int[] {0, 0x10, 0x08}), pick(new int[] {0xff, 0x1c}),
          rnd.nextInt(4) == 0));
    }
    if (rnd.nextInt(10) == 0) {
      int lo = pick(new int[] {0, 40, 60, 100});
      ms.add(new Match.Length(lo, lo + pick(new int[] {0, 20, 1000}), rnd.nextInt(4) == 0));
    }
    if (rnd.nextInt(10) == 0) {
      ms.add(new Match.Ttl(pick(Match.Ttl.Op.values()), pick(new int[] {1, 63, 64, 255})));
    }
    if (rnd.nextInt(10) == 0) {
      EnumSet<AddressType> types = EnumSet.noneOf(AddressType.class);
      types.add(pick(f == Family.IPV4
          ? new AddressType[] {AddressType.LOCAL, AddressType.UNICAST, AddressType.BROADCAST,
              AddressType.MULTICAST}
          : new AddressType[] {AddressType.LOCAL, AddressType.UNICAST, AddressType.MULTICAST}));
      ms.add(new Match.AddrType(rnd.nextBoolean() ? Side.SRC : Side.DST, types,
          rnd.nextInt(4) == 0));
    }
    if (!sets.isEmpty() && rnd.nextInt(6) == 0) {
      IpSet s = sets.get(rnd.nextInt(sets.size()));
      if (!s.type().hasAddress() || s.family() == f) {
        List<Side> dirs = new ArrayList<>();
        for (int i = 0; i < s.type().dimensions(); i++) {
          dirs.add(rnd.nextBoolean() ? Side.SRC : Side.DST);
        }
        ms.add(new Match.InSet(s.name(), dirs, rnd.nextInt(4) == 0));
      }
    }
    if (o.stateful() && rnd.nextInt(12) == 0) {
      ms.add(Match.Limit.of(pick(new int[] {1, 3, 10}),
          o.repeatable() ? 3600 : pick(new int[] {1, 60, 3600}),
          pick(new int[] {1, 2, 5})));
    }
    if (o.stateful() && rnd.nextInt(12) == 0) {
      if (rnd.nextBoolean()) {
        int every = 1 + rnd.nextInt(4);
        ms.add(new Match.Statistic(true, 0, every, rnd.nextInt(every), rnd.nextInt(4) == 0));
      } else {
        long[] probabilities = o.repeatable() ? new long[] {0, 0x80000000L}
            : new long[] {0, 0x80000000L, 0x40000000L};
        ms.add(new Match.Statistic(false, pick(probabilities), 0, 0, rnd.nextInt(4) == 0));
      }
    }
    String comment = rnd.nextInt(8) == 0 ? pick(new String[] {"c1", "a comment", "it's x"})
        : null;
    return new Rule(ms, target, comment, null);
  }

  private Target target(Family f, Table t, Hook hook, List<String> jumpTargets) {
    List<Target> choices = new ArrayList<>();
    choices.add(new Target.Accept());
    choices.add(new Target.Return());
    choices.add(new Target.None());
    choices.add(new Target.Log(rnd.nextBoolean() ? null : "pfx " + rnd.nextInt(9),
        rnd.nextBoolean() ? 4 : rnd.nextInt(8)));
    choices.add(new Target.Mark(rnd.nextInt(4), pick(new long[] {0xffffffffL, 0xff, 0, 1})));
    if (rnd.nextInt(3) == 0) {
      choices.add(connmark());
    }
    if (t != Table.NAT) {
      choices.add(new Target.Drop());
      choices.add(new Target.Drop());
    }
    if (!jumpTargets.isEmpty()) {
      String j = jumpTargets.get(rnd.nextInt(jumpTargets.size()));
      choices.add(new Target.Jump(j));
      choices.add(new Target.Jump(j));
      choices.add(new Target.Goto(j));
    }
    if (t == Table.FILTER) {
      choices.add(new Target.Reject(f == Family.IPV4
          ? pick(new String[] {"icmp-port-unreachable", "icmp-admin-prohibited", "tcp-reset"})
          : pick(new String[] {"icmp6-port-unreachable", "icmp6-adm-prohibited", "tcp-reset"})));
    }
    if (t == Table.NAT && (hook == Hook.PREROUTING || hook == Hook.OUTPUT)) {
      choices.add(new Target.Dnat(natAddrs(f), rnd.nextBoolean() ? null : natPorts()));
      if (rnd.nextBoolean()) {
        choices.add(new Target.Redirect(rnd.nextBoolean() ? null : natPorts()));
      }
    }
    if (t == Table.NAT && (hook == Hook.POSTROUTING || hook == Hook.INPUT)) {
      choices.add(new Target.Snat(natAddrs(f), rnd.nextBoolean() ? null : natPorts()));
    }
    if (t == Table.NAT && hook == Hook.POSTROUTING) {
      choices.add(new Target.Masquerade(rnd.nextBoolean() ? null : natPorts()));
    }
    if (t == Table.RAW) {
      choices.add(new Target.NoTrack());
      choices.add(new Target.NoTrack());
    }
    if (t == Table.MANGLE) {
      choices.add(new Target.Dscp(pick(new int[] {0, 10, 46})));
      choices.add(new Target.Tos(pick(new int[] {0x10, 0x08}), pick(new int[] {0xff, 0x1e})));
      choices.add(new Target.Ttl(pick(Target.Ttl.Op.values()), 1 + rnd.nextInt(64)));
    }
    if (hook == Hook.FORWARD || hook == Hook.OUTPUT || hook == Hook.POSTROUTING) {
      if (rnd.nextInt(3) == 0) {
        choices.add(new Target.TcpMss(rnd.nextBoolean() ? 0 : 1400));
      }
    }
    return choices.get(rnd.nextInt(choices.size()));
  }

  private Target connmark() {
    return switch (rnd.nextInt(3)) {
      case 0 -> new Target.ConnMark(Target.ConnMark.Mode.SET, rnd.nextInt(4),
          pick(new long[] {0xffffffffL, 0xff}), 0, 0);
      case 1 -> new Target.ConnMark(Target.ConnMark.Mode.SAVE, 0, 0,
          pick(new long[] {0xffffffffL, 0xff}), pick(new long[] {0xffffffffL, 0xf}));
      default -> new Target.ConnMark(Target.ConnMark.Mode.RESTORE, 0, 0,
          pick(new long[] {0xffffffffL, 0xff}), pick(new long[] {0xffffffffL, 0xf}));
    };
  }

  private IpRange natAddrs(Family f) {
    if (f == Family.IPV4) {
      return IpRange.parse(pick(new String[] {"10.9.9.9", "10.9.9.1-10.9.9.20", "192.0.2.77",
          "198.51.100.1-198.51.100.250"}));
    }
    return IpRange.parse(pick(new String[] {"2001:db8:9::9", "2001:db8:9::1-2001:db8:9::20"}));
  }

  private PortRange natPorts() {
    return pick(new PortRange[] {PortRange.of(80), PortRange.of(8080), new PortRange(1000, 1010),
        new PortRange(20000, 30000)});
  }

  private Match.Addr addr(Family f, Side side) {
    String text;
    if (rnd.nextInt(5) == 0) {
      text = pick(f == Family.IPV4 ? V4_RANGES : V6_RANGES);
    } else {
      text = pick(f == Family.IPV4 ? V4_PREFIXES : V6_PREFIXES);
    }
    return new Match.Addr(side, IpRange.parse(text), rnd.nextInt(4) == 0);
  }

  private Match.Ports ports(Side side) {
    int n = rnd.nextInt(3) == 0 ? 2 + rnd.nextInt(3) : 1;
    List<PortRange> rs = new ArrayList<>();
    for (int tries = 0; rs.size() < n && tries < 50; tries++) {
      int[] p = PORT_RANGES[rnd.nextInt(PORT_RANGES.length)];
      PortRange r = new PortRange(p[0], p[1]);
      if (rs.stream().noneMatch(x -> x.hi() >= r.lo() && r.hi() >= x.lo())) {
        rs.add(r);
      }
    }
    rs.sort(null);
    return new Match.Ports(side, rs, rnd.nextInt(5) == 0);
  }

  private Match.Icmp icmp(Family f) {
    int[][] v4 = {{8, 0, 255}, {0, 0, 255}, {3, 3, 3}, {3, 0, 255}, {11, 0, 255}};
    int[][] v6 = {{128, 0, 255}, {129, 0, 255}, {1, 4, 4}, {135, 0, 255}, {2, 0, 255}};
    int[] tc = (f == Family.IPV4 ? v4 : v6)[rnd.nextInt(5)];
    return new Match.Icmp(f, tc[0], tc[1], tc[2], rnd.nextInt(4) == 0);
  }

  private Set<ConnState> states() {
    EnumSet<ConnState> s = EnumSet.noneOf(ConnState.class);
    ConnState[] all = ConnState.values();
    s.add(all[rnd.nextInt(all.length)]);
    if (rnd.nextBoolean()) {
      s.add(all[rnd.nextInt(all.length)]);
    }
    return s;
  }

  private List<IpSet> sets() {
    List<IpSet> out = new ArrayList<>();
    out.add(new IpSet("nets4", IpSet.Type.HASH_NET, Family.IPV4,
        List.of(entry("10.1.0.0/16"), entry("192.0.2.128/25")), null, 65536));
    out.add(new IpSet("nets6", IpSet.Type.HASH_NET, Family.IPV6,
        List.of(entry("2001:db8:1::/48")), null, 65536));
    out.add(new IpSet("hosts4", IpSet.Type.HASH_IP, Family.IPV4,
        List.of(entry("10.1.2.3"), entry("198.51.100.7")), null, 65536));
    out.add(new IpSet("svc4", IpSet.Type.HASH_IP_PORT, Family.IPV4,
        List.of(new IpSet.Entry(IpRange.parse("10.1.2.3"), Protocols.TCP, PortRange.of(22)),
            new IpSet.Entry(IpRange.parse("192.0.2.5"), Protocols.UDP, new PortRange(53, 54))),
        null, 65536));
    out.add(new IpSet("ports", IpSet.Type.BITMAP_PORT, Family.IPV4,
        List.of(new IpSet.Entry(null, 0, PortRange.of(22)),
            new IpSet.Entry(null, 0, new PortRange(80, 90))), new PortRange(1, 1024), 65536));
    return out;
  }

  private static IpSet.Entry entry(String cidr) {
    return new IpSet.Entry(IpRange.parse(cidr), 0, null);
  }

  private <T> T pick(T[] a) {
    return a[rnd.nextInt(a.length)];
  }

  private int pick(int[] a) {
    return a[rnd.nextInt(a.length)];
  }

  private long pick(long[] a) {
    return a[rnd.nextInt(a.length)];
  }

  static IpAddr addrOf(String s) {
    return IpAddr.parse(s);
  }
}
