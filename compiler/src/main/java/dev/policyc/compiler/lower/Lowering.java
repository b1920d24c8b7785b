package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.ChainGraph;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.MatchOrder;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Host;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.path.ActionPath;
import dev.policyc.dsl.path.ChainPath;
import dev.policyc.dsl.path.ListPath;
import dev.policyc.dsl.path.MatchPath;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.path.RoutePath;
import dev.policyc.dsl.path.RulePath;
import dev.policyc.dsl.path.SetPath;
import dev.policyc.dsl.path.SourcePath;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lowers a {@link Policy} to an {@link IrPolicy}: resolves names, expands groups into disjoint
 * matches (so a packet never matches two rules made from one), splits rules by address family,
 * and validates everything the kernel would refuse or silently misread. Every problem is reported
 * with its position; lowering goes on after an error so one run reports them all.
 */
public final class Lowering {
  /**
   * The outcome: the IR and every diagnostic. Without errors the IR is complete. With errors it is
   * partial, for the lint checks only: it holds the rules that lowered, and each rule with errors
   * that jumps or goes to a chain keeps that jump without its matches, so the chain structure
   * (which chain is reached from where) is the one the policy wrote.
   */
  public record Result(IrPolicy ir, boolean complete, List<Diagnostic> diagnostics) {
    public boolean ok() {
      return complete;
    }
  }


  private final Policy policy;
  private final SourceMap src;
  private final Reporter rep = new Reporter();
  private Groups groups;
  private final Map<String, IpSet> sets = new LinkedHashMap<>();
  private final Map<Table, Map<String, ChainSpec>> chains = new EnumMap<>(Table.class);
  private final Map<Table, ChainGraph> graphs = new EnumMap<>(Table.class);
  private final List<Placed> placed = new ArrayList<>();
  /** table → chain → family → rules. */
  private final Map<Table, Map<String, Map<Family, List<Rule>>>> lowered =
      new EnumMap<>(Table.class);
  /**
   * Set while lowering a rule that uses a group whose own errors are already reported: the rule
   * is then not judged further, so one mistake does not also read as an empty rule (PC4003).
   */
  private boolean ruleUsesBrokenGroup;

  private Lowering(Policy policy) {
    this.policy = policy;
    this.src = policy.source();
  }

  /** Lowers a policy; the result holds the IR only when there were no errors. */
  public static Result lower(Policy policy) {
    Lowering l = new Lowering(policy);
    IrPolicy ir = l.run();
    return new Result(ir, !l.rep.hasErrors(), l.rep.diagnostics());
  }

  private IrPolicy run() {
    groups = new Groups(policy.objects(), src, rep);
    HostModel host = policy.host() == null ? null : host(policy.host());
    for (IpSetSpec s : policy.objects().sets()) {
      IpSet set = set(s);
      if (set != null) {
        sets.put(set.name(), set);
      }
    }
    collectChains();
    for (Table t : Table.values()) {
      for (ChainSpec c : policy.chains(t)) {
        Map<Family, List<Rule>> perFamily = new EnumMap<>(Family.class);
        perFamily.put(Family.IPV4, new ArrayList<>());
        perFamily.put(Family.IPV6, new ArrayList<>());
        for (int i = 0; i < c.rules().size(); i++) {
          Map<Family, List<Rule>> rules =
              rule(t, c, i, c.rules().get(i), PolicyPath.rule(t, c.name(), i));
          rules.forEach((f, rs) -> perFamily.get(f).addAll(rs));
        }
        lowered.computeIfAbsent(t, k -> new LinkedHashMap<>())
            .merge(c.name(), perFamily, (a, b) -> {
              b.forEach((f, rs) -> a.get(f).addAll(rs));
              return a;
            });
      }
    }
    checkGraphs();
    return new IrPolicy(policy.name(), host, List.copyOf(sets.values()),
        ruleset(Family.IPV4), ruleset(Family.IPV6));
  }

  // ------------------------------------------------------------------ host

  private HostModel host(Host h) {
    List<HostModel.Iface> ifaces = new ArrayList<>();
    Set<String> badAddresses = new HashSet<>();
    h.interfaces().forEach((name, addrs) -> {
      SourcePos pos = src.at(PolicyPath.host().interfaces(name));
      groups.checkIfaceName(name, pos);
      List<HostModel.IfAddr> out = new ArrayList<>();
      for (int i = 0; i < addrs.size(); i++) {
        String a = addrs.get(i);
        SourcePos ap = src.at(PolicyPath.host().interfaces(name, i));
        int slash = a.indexOf('/');
        try {
          if (slash < 0) {
            throw new IllegalArgumentException("'" + a + "' needs a prefix length, such as /24");
          }
          IpAddr addr = IpAddr.parse(a.substring(0, slash));
          IpRange.parse(a); // checks the prefix length
          out.add(new HostModel.IfAddr(addr, Integer.parseInt(a.substring(slash + 1))));
        } catch (IllegalArgumentException e) {
          rep.report(Code.PC2015, ap, "invalid interface address: " + e.getMessage());
          badAddresses.add(name);
        }
      }
      ifaces.add(new HostModel.Iface(name, out));
    });
    List<HostModel.Route> routes = new ArrayList<>();
    for (int i = 0; i < h.routes().size(); i++) {
      Host.Route r = h.routes().get(i);
      RoutePath p = PolicyPath.host().routes(i);
      int before = routes.size();
      try {
        IpAddr via = r.via() == null ? null : IpAddr.parse(r.via());
        if (!h.interfaces().containsKey(r.dev())) {
          rep.report(Code.PC2015, src.at(p.dev()),
              "route device '" + r.dev() + "' is not an interface of the host");
        }
        if (r.to().equals("default")) {
          if (via == null || via.family() == Family.IPV4) {
            routes.add(new HostModel.Route(IpRange.all(Family.IPV4), via, r.dev()));
          }
          if (via == null || via.family() == Family.IPV6) {
            routes.add(new HostModel.Route(IpRange.all(Family.IPV6), via, r.dev()));
          }
        } else {
          IpRange dst = IpRange.parse(r.to());
          if (!dst.isPrefix()) {
            throw new IllegalArgumentException("route destination '" + r.to() + "' is not a prefix");
          }
          if (via != null && via.family() != dst.family()) {
            throw new IllegalArgumentException("gateway " + via + " is not of the route's family");
          }
          routes.add(new HostModel.Route(dst, via, r.dev()));
        }
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2015, src.at(p), "invalid route: " + e.getMessage());
      }
      for (HostModel.Route added : routes.subList(before, routes.size())) {
        checkRoute(added, routes.subList(0, before), ifaces, badAddresses, p);
      }
    }
    return new HostModel(h.forwarding(), ifaces, routes);
  }

  /**
   * What the kernel would refuse: a second route to the same prefix ({@code ip route add} says
   * "File exists"), and a gateway outside every subnet of its device ("Nexthop has invalid
   * gateway"; an IPv6 link-local gateway is on every link).
   */
  private void checkRoute(HostModel.Route r, List<HostModel.Route> earlier,
      List<HostModel.Iface> ifaces, Set<String> badAddresses, RoutePath p) {
    if (earlier.stream().anyMatch(e -> e.dst().equals(r.dst()))) {
      rep.report(Code.PC2015, src.at(p), "invalid route: a second route to " + r.dst()
          + "; the kernel takes one route per prefix");
    }
    IpAddr via = r.via();
    if (via == null || badAddresses.contains(r.dev())
        || (via.family() == Family.IPV6 && Netfilter.V6_LINK_LOCAL.contains(via))) {
      return;
    }
    boolean onLink = ifaces.stream().filter(i -> i.name().equals(r.dev()))
        .flatMap(i -> i.addrs().stream())
        .anyMatch(a -> a.addr().family() == via.family() && a.subnet().contains(via)
            && !a.addr().equals(via));
    if (!onLink && ifaces.stream().anyMatch(i -> i.name().equals(r.dev()))) {
      rep.report(Code.PC2015, src.at(p.via()), "invalid route: gateway " + via
          + " is not in a subnet of " + r.dev() + "; the kernel refuses it");
    }
  }

  // ------------------------------------------------------------------ sets

  private IpSet set(IpSetSpec s) {
    SetPath p = PolicyPath.objects().sets(s.name());
    SourcePos pos = src.at(p);
    boolean ok = true;
    int maxName = Netfilter.MAX_SET_NAME - IpSet.TEMP_SUFFIX.length();
    if (!s.name().matches("[A-Za-z0-9_][A-Za-z0-9_-]*")) {
      rep.report(Code.PC1011, pos, "ipset name '" + s.name()
          + "' must be letters, digits, '_' and '-'");
      ok = false;
    } else if (s.name().length() > maxName) {
      rep.report(Code.PC5001, pos, "ipset name '" + s.name() + "' is longer than " + maxName
          + " characters (ipset allows 31, and policyc swaps in a twin named NAME"
          + IpSet.TEMP_SUFFIX + ")");
      ok = false;
    }
    IpSet.Type type = IpSet.Type.byName(s.type());
    if (type == null) {
      rep.report(Code.PC2011, src.at(p.type()), "unsupported set type '" + s.type()
          + "' (hash:ip, hash:net, hash:ip,port, hash:net,port or bitmap:port)");
      return null;
    }
    Family fam = s.family() == null ? Family.IPV4 : s.family();
    PortRange range = null;
    if (type == IpSet.Type.BITMAP_PORT) {
      if (s.range() == null) {
        rep.report(Code.PC2011, pos, "a bitmap:port set needs 'range', such as \"1-1024\"");
        ok = false;
      } else {
        try {
          range = Values.portRange(s.range());
        } catch (IllegalArgumentException e) {
          rep.report(Code.PC2002, src.at(p.range()), "invalid range: " + e.getMessage());
          ok = false;
        }
      }
    } else if (s.range() != null) {
      rep.report(Code.PC2011, src.at(p.range()), "'range' is only for bitmap:port sets");
    }
    int maxelem = s.maxelem() == null ? 65536 : s.maxelem();
    if (maxelem < 1) {
      rep.report(Code.PC2011, src.at(p.maxelem()), "maxelem must be positive");
    }
    List<IpSet.Entry> entries = new ArrayList<>();
    for (int i = 0; i < s.entries().size(); i++) {
      String e = s.entries().get(i);
      SourcePos ep = src.at(p.entries(i));
      entries.addAll(setEntry(type, fam, range, e, ep));
    }
    if (entries.size() > maxelem) {
      rep.report(Code.PC2011, pos, "set '" + s.name() + "' has " + entries.size()
          + " members, more than maxelem " + maxelem);
    }
    return ok ? new IpSet(s.name(), type, fam, entries, range, maxelem) : null;
  }

  private List<IpSet.Entry> setEntry(
      IpSet.Type type, Family fam, PortRange bitmapRange, String text, SourcePos pos) {
    List<IpSet.Entry> out = new ArrayList<>();
    if (type == IpSet.Type.BITMAP_PORT) {
      try {
        PortRange pr = Values.portRange(text);
        if (bitmapRange != null && (pr.lo() < bitmapRange.lo() || pr.hi() > bitmapRange.hi())) {
          throw new IllegalArgumentException("port " + text + " is outside the set's range");
        }
        out.add(new IpSet.Entry(null, 0, pr));
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2011, pos, "invalid bitmap:port member: " + e.getMessage());
      }
      return out;
    }
    String addrPart = text;
    int proto = 0;
    PortRange ports = null;
    if (type.hasPort()) {
      int comma = text.indexOf(',');
      if (comma < 0) {
        rep.report(Code.PC2011, pos, "member '" + text + "' of a " + type.ipsetName()
            + " set needs ',proto:port', such as 192.0.2.1,tcp:80");
        return out;
      }
      addrPart = text.substring(0, comma);
      String pp = text.substring(comma + 1);
      int colon = pp.indexOf(':');
      String protoText = colon < 0 ? "tcp" : pp.substring(0, colon);
      proto = Protocols.number(protoText);
      if (proto != Protocols.TCP && proto != Protocols.UDP && proto != Protocols.SCTP) {
        rep.report(Code.PC2011, pos, "member '" + text + "': protocol must be tcp, udp or sctp");
        return out;
      }
      try {
        ports = Values.portRange(colon < 0 ? pp : pp.substring(colon + 1));
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2002, pos, "member '" + text + "': " + e.getMessage());
        return out;
      }
    }
    List<IpRange> ranges = new ArrayList<>();
    if (groups.networks().has(addrPart)) {
      ranges.addAll(groups.networks().get(addrPart).stream().filter(r -> r.family() == fam).toList());
      if (ranges.isEmpty() && !groups.networks().get(addrPart).isEmpty()) {
        rep.report(Code.PC4001, pos, "network group '" + addrPart + "' has no "
            + familyWord(fam) + " address for this " + familyWord(fam) + " set");
      }
    } else {
      IpRange r = groups.address(addrPart, pos);
      if (r == null) {
        return out;
      }
      if (r.family() != fam) {
        rep.report(Code.PC4001, pos, "member '" + text + "' is not " + familyWord(fam)
            + " like its set");
        return out;
      }
      ranges.add(r);
    }
    for (IpRange r : ranges) {
      if (type == IpSet.Type.HASH_NET || type == IpSet.Type.HASH_NET_PORT) {
        if (r.isAll()) {
          rep.report(Code.PC2011, pos, "a hash:net set cannot hold " + r + " (use no match)");
          continue;
        }
      } else if (fam == Family.IPV6 && !r.first().equals(r.last())) {
        rep.report(Code.PC2011, pos, "an IPv6 " + type.ipsetName()
            + " set takes single addresses; use hash:net for " + r);
        continue;
      } else if (!r.isPrefix() && r.toPrefixes().size() > 1 && fam == Family.IPV4
          && (r.last().lo() - r.first().lo()) > 65535) {
        rep.report(Code.PC2011, pos, "range " + r + " is too large for a hash:ip set");
        continue;
      }
      out.add(new IpSet.Entry(r, proto, ports));
    }
    return out;
  }

  // ------------------------------------------------------------------ chains

  private void collectChains() {
    for (Table t : Table.values()) {
      Map<String, ChainSpec> m = new LinkedHashMap<>();
      ChainGraph g = new ChainGraph();
      for (ChainSpec c : policy.chains(t)) {
        ChainPath p = PolicyPath.chain(t, c.name());
        SourcePos pos = src.at(p);
        if (m.containsKey(c.name())) {
          rep.report(Code.PC1008, pos, "chain " + c.name() + " is declared twice in table "
              + t.iptablesName());
          continue;
        }
        m.put(c.name(), c);
        boolean builtin = t.isBuiltin(c.name());
        if (!builtin) {
          checkUserChainName(t, c.name(), pos);
          if (c.policy() != null) {
            rep.report(Code.PC3006, src.at(p.policy()), "user chain " + c.name()
                + " cannot have a policy; only built-in chains do (a user chain returns at its"
                + " end)");
          }
        } else if (t == Table.NAT && c.policy() == Verdict.DROP) {
          rep.report(Code.PC3003, src.at(p.policy()),
              "the nat table refuses a DROP policy; filter in the filter table");
        }
        g.addChain(c.name(), builtin);
      }
      // Built-in chains exist whether or not the policy lists them.
      for (String b : t.builtinChains()) {
        g.addChain(b, true);
      }
      chains.put(t, m);
      graphs.put(t, g);
    }
  }

  private void checkUserChainName(Table t, String name, SourcePos pos) {
    if (Netfilter.HOOK_NAMES.contains(name)) {
      rep.report(Code.PC3007, pos, "table " + t.iptablesName() + " has no " + name
          + " chain (it has " + String.join(", ", t.builtinChains()) + ")");
    } else if (name.length() > Netfilter.MAX_CHAIN_NAME) {
      rep.report(Code.PC5001, pos, "chain name '" + name + "' is longer than " + Netfilter.MAX_CHAIN_NAME
          + " characters (the kernel's limit)");
    } else if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
      rep.report(Code.PC1010, pos, "chain name '" + name
          + "' must start with a letter, digit or '_' and hold only letters, digits, '_', '.'"
          + " and '-'");
    } else if (Netfilter.RESERVED_TARGET_NAMES.contains(name)) {
      rep.report(Code.PC1010, pos, "chain name '" + name + "' is the name of a target");
    }
  }

  /** One rule with what placement checks need. */
  private record Placed(
      Table table, String chain, int index, Action action, SourcePos actionPos,
      SourcePos inPos, SourcePos outPos) {}

  private void checkGraphs() {
    for (Table t : Table.values()) {
      ChainGraph g = graphs.get(t);
      List<ChainGraph.Edge[]> cycles = g.findCycles();
      for (ChainGraph.Edge[] cycle : cycles) {
        RulePath path = PolicyPath.rule(t, cycle[0].to(), cycle[0].rule());
        rep.report(Code.PC1007, src.at(path.action()), "jumping from " + cycle[0].to()
            + " to " + cycle[1].to() + " makes a loop; the kernel refuses chain loops");
      }
      // Propagation is a fixpoint over growing hook sets, so it ends on a loop too; the target
      // and interface checks below then still see every hook a chain is reached from.
      g.propagate();
    }
    for (Placed p : placed) {
      Set<Hook> hooks = graphs.get(p.table()).hooksOf(p.chain());
      if (hooks.isEmpty()) {
        continue;
      }
      Set<Hook> allowed = allowedHooks(p.table(), p.action());
      if (allowed != null && !allowed.containsAll(hooks)) {
        Set<Hook> bad = EnumSet.copyOf(hooks);
        bad.removeAll(allowed);
        rep.report(Code.PC3002, p.actionPos(), targetName(p.action()) + " is only valid in "
            + hookList(allowed) + (p.table().isBuiltin(p.chain())
                ? ", not in " + p.chain()
                : "; chain " + p.chain() + " is reached from " + hookList(bad)));
      }
      ifaceCheck(p, hooks, p.inPos(), false);
      ifaceCheck(p, hooks, p.outPos(), true);
    }
  }

  /**
   * 'in' has nothing to match in OUTPUT and POSTROUTING, 'out' nothing in PREROUTING and INPUT.
   * iptables refuses them in those built-in chains; in a user chain reached only from them the
   * match is constant, which is a mistake (reached also from elsewhere, a lint check warns).
   */
  private void ifaceCheck(Placed p, Set<Hook> hooks, SourcePos pos, boolean out) {
    if (pos == null) {
      return;
    }
    Set<Hook> none = out ? EnumSet.of(Hook.PREROUTING, Hook.INPUT)
        : EnumSet.of(Hook.OUTPUT, Hook.POSTROUTING);
    Set<Hook> bad = EnumSet.noneOf(Hook.class);
    bad.addAll(hooks);
    bad.retainAll(none);
    if (bad.isEmpty()) {
      return;
    }
    String what = out ? "'out'" : "'in'";
    String why = out ? "packets there have no output interface yet"
        : "packets there have no input interface";
    Code code = out ? Code.PC3004 : Code.PC3005;
    if (p.table().isBuiltin(p.chain())) {
      rep.report(code, pos, what + " cannot match in " + p.chain() + ": " + why);
    } else if (bad.size() == hooks.size()) {
      rep.report(code, pos, what + " never changes the outcome in chain " + p.chain()
          + ", reached only from " + hookList(hooks) + ": " + why);
    }
    // reached also from hooks that have the interface: the lint check InterfaceOnSomePaths
  }

  private static String hookOf(Set<Hook> hooks) {
    return hooks.size() == 1 ? hooks.iterator().next().name() : "";
  }

  private static String hookList(Set<Hook> hooks) {
    List<String> names = hooks.stream().sorted().map(Hook::name).toList();
    return String.join(" and ", names);
  }

  /** The hooks a target may run in; null when any (or when PC3001 already refused the table). */
  private static Set<Hook> allowedHooks(Table t, Action a) {
    boolean nat = a instanceof Action.Dnat || a instanceof Action.Redirect
        || a instanceof Action.Snat || a instanceof Action.Masquerade;
    if (nat && t != Table.NAT) {
      return null;
    } else if (a instanceof Action.Dnat || a instanceof Action.Redirect) {
      return EnumSet.of(Hook.PREROUTING, Hook.OUTPUT);
    } else if (a instanceof Action.Snat) {
      return EnumSet.of(Hook.POSTROUTING, Hook.INPUT);
    } else if (a instanceof Action.Masquerade) {
      return EnumSet.of(Hook.POSTROUTING);
    } else if (a instanceof Action.TcpMss) {
      return EnumSet.of(Hook.FORWARD, Hook.OUTPUT, Hook.POSTROUTING);
    }
    return null;
  }

  private static String targetName(Action a) {
    return a.getClass().getSimpleName().toUpperCase(Locale.ROOT);
  }

  private Ruleset ruleset(Family f) {
    List<RuleTable> tables = new ArrayList<>();
    for (Table t : Table.values()) {
      Map<String, ChainSpec> specs = chains.get(t);
      if (specs.isEmpty()) {
        continue;
      }
      List<Chain> out = new ArrayList<>();
      Map<String, Map<Family, List<Rule>>> rules = lowered.getOrDefault(t, Map.of());
      for (String b : t.builtinChains()) {
        ChainSpec spec = specs.get(b);
        Verdict pol = spec == null || spec.policy() == null ? Verdict.ACCEPT : spec.policy();
        out.add(new Chain(b, pol, rulesOf(rules, b, f)));
      }
      // iptables-save lists user chains by name; sorting here makes the IR match it.
      new TreeMap<>(specs).forEach((name, spec) -> {
        if (!t.isBuiltin(name)) {
          out.add(new Chain(name, null, rulesOf(rules, name, f)));
        }
      });
      tables.add(new RuleTable(t, out));
    }
    return new Ruleset(f, tables);
  }

  private static List<Rule> rulesOf(
      Map<String, Map<Family, List<Rule>>> rules, String chain, Family f) {
    Map<Family, List<Rule>> m = rules.get(chain);
    return m == null ? List.of() : m.get(f);
  }

  // ------------------------------------------------------------------ rules

  /** An address constraint resolved to ranges of both families. */
  private record AddrSpec(boolean negated, List<IpRange> ranges, SourcePos pos) {}

  /** One protocol alternative of a rule: from 'proto', or one protocol of its services. */
  private record ProtoAlt(
      int proto, boolean negated, List<PortRange> ports, IcmpTypes.TypeCode icmp, Family only) {}

  private Map<Family, List<Rule>> rule(Table t, ChainSpec chain, int index, RuleSpec r,
      RulePath path) {
    Map<Family, List<Rule>> out = new EnumMap<>(Family.class);
    MatchSpec m = r.match();
    MatchPath mp = path.match();
    int errorsBefore = rep.errorCount();
    ruleUsesBrokenGroup = false;
    Set<Family> fams = EnumSet.allOf(Family.class);
    if (m.family() != null) {
      fams = EnumSet.of(m.family());
    }
    final Set<Family> explicit = m.family() == null ? null : EnumSet.of(m.family());

    // ---- addresses
    AddrSpec srcA = addresses(m.src(), mp.src(), explicit);
    AddrSpec dstA = addresses(m.dst(), mp.dst(), explicit);
    for (AddrSpec a : new AddrSpec[] {srcA, dstA}) {
      if (a != null && !a.negated()) {
        fams.removeIf(f -> a.ranges().stream().noneMatch(x -> x.family() == f));
      }
    }

    // ---- protocols
    List<ProtoAlt> alts = protocols(m, mp, explicit);
    // A rule made only of ICMPv4 (or only of ICMPv6) alternatives lives in one family.
    Set<Family> altFams = EnumSet.noneOf(Family.class);
    for (ProtoAlt a : alts) {
      if (a.only() == null) {
        altFams.addAll(EnumSet.allOf(Family.class));
      } else {
        altFams.add(a.only());
      }
    }
    fams.retainAll(altFams);

    // ---- ports
    PortsSpec sport = ports(m.sport(), mp.sport());
    PortsSpec dport = ports(m.dport(), mp.dport());
    if (m.services() != null && (m.dport() != null || m.proto() != null)) {
      rep.report(Code.PC6005, src.at(mp.service()),
          "'service' sets the protocol and destination port; do not combine it with 'proto' or"
              + " 'dport'");
    }
    if (sport != null || dport != null) {
      for (ProtoAlt a : alts) {
        if (a.negated() || !Protocols.hasPorts(a.proto())) {
          rep.report(Code.PC6001, src.at(sport != null ? mp.sport() : mp.dport()),
              "ports need proto tcp, udp, sctp or dccp"
                  + (a.proto() == 0 ? "" : " (not " + Protocols.name(a.proto()) + ")"));
          break;
        }
      }
    }

    // ---- interfaces
    List<Match.Iface> ins = interfaces(m.in(), mp.in(), false);
    List<Match.Iface> outs = interfaces(m.out(), mp.out(), true);

    // ---- other matches
    List<Match> common = new ArrayList<>();
    Match.TcpFlags flags = tcpFlags(m, mp, alts);
    if (m.icmpType() != null) {
      for (ProtoAlt a : alts) {
        if (a.negated() || (a.proto() != Protocols.ICMP && a.proto() != Protocols.ICMPV6)) {
          rep.report(Code.PC6002, src.at(mp.icmpType()),
              "icmp-type needs proto icmp or icmpv6");
          break;
        }
      }
    }
    if (m.state() != null) {
      if (m.state().value().isEmpty()) {
        rep.report(Code.PC2014, src.at(mp.state()), "state needs at least one state");
      } else {
        common.add(new Match.CtState(EnumSet.copyOf(m.state().value()), m.state().negated()));
      }
    }
    markMatch(m.mark(), mp.mark(), false, common);
    markMatch(m.connmark(), mp.connmark(), true, common);
    if (m.dscp() != null) {
      try {
        common.add(new Match.Dscp(Values.dscp(m.dscp().value()), m.dscp().negated()));
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2006, src.at(mp.dscp()), e.getMessage());
      }
    }
    if (m.tos() != null) {
      try {
        long[] vm = Values.valueMask(m.tos().value(), 0xff);
        common.add(new Match.Tos((int) vm[0], (int) vm[1], m.tos().negated()));
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2006, src.at(mp.tos()), "invalid tos: " + e.getMessage());
      }
    }
    if (m.length() != null) {
      try {
        int[] lr = Values.lengthRange(m.length().value());
        common.add(new Match.Length(lr[0], lr[1], m.length().negated()));
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2006, src.at(mp.length()), "invalid length: " + e.getMessage());
      }
    }
    if (m.ttl() != null) {
      if (m.ttl().value() < 0 || m.ttl().value() > 255) {
        rep.report(Code.PC2006, src.at(mp.ttl()), "ttl must be 0-255");
      } else {
        common.add(new Match.Ttl(Match.Ttl.Op.valueOf(m.ttl().op().name()), m.ttl().value()));
      }
    }
    if (m.fragment() != null) {
      if (explicit != null && explicit.contains(Family.IPV6)) {
        rep.report(Code.PC4002, src.at(mp.fragment()),
            "'fragment' (-f) is IPv4 only; ip6tables has no such match");
      }
      fams.retainAll(EnumSet.of(Family.IPV4));
      common.add(new Match.Fragment(!m.fragment()));
    }
    addrType(m.srcType(), Side.SRC, mp.srcType(), explicit, fams, common);
    addrType(m.dstType(), Side.DST, mp.dstType(), explicit, fams, common);
    if (m.sets() != null) {
      for (int i = 0; i < m.sets().size(); i++) {
        Match.InSet s = setMatch(m.sets().get(i), mp.set(i), explicit, fams);
        if (s != null) {
          common.add(s);
        }
      }
    }
    if (m.limit() != null) {
      try {
        long[] rate = Values.rate(m.limit().rate());
        int burst = m.limit().burst() == null ? 5 : m.limit().burst();
        if (burst < 1 || burst > 10000) {
          throw new IllegalArgumentException("burst must be 1-10000");
        }
        Match.Limit lim = Match.Limit.of(rate[0], rate[1], burst);
        if (lim.avg() * burst > 0xffffffffL) {
          // xt_limit multiplies the period by the burst in 32 bits and refuses an overflow
          throw new IllegalArgumentException("a rate of " + m.limit().rate() + " with burst "
              + burst + " overflows the kernel's 32-bit bucket (legacy iptables refuses it);"
              + " use a faster rate or a smaller burst");
        }
        common.add(lim);
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2007, src.at(mp.limit()), "invalid limit: " + e.getMessage());
      }
    }
    if (m.statistic() != null) {
      Match s = statistic(m.statistic(), mp.statistic());
      if (s != null) {
        common.add(s);
      }
    }

    // ---- target
    ActionPath ap = path.action();
    Target[] targets = target(t, chain, index, r.action(), ap, alts, flags, explicit, fams);
    if (r.comment() != null) {
      checkText(r.comment(), src.at(path.comment()), "comment", Netfilter.MAX_COMMENT_BYTES, true);
    }
    placed.add(new Placed(t, chain.name(), index, r.action(), src.at(ap),
        m.in() == null ? null : src.at(mp.in()),
        m.out() == null ? null : src.at(mp.out())));

    Origin origin = Origin.of(src.at(path),
        t.iptablesName() + "/" + chain.name() + " rule " + (index + 1), path);
    if (rep.errorCount() > errorsBefore || ruleUsesBrokenGroup) {
      return jumpsOnly(targets, fams, r.comment(), origin);
    }
    if (fams.isEmpty()) {
      rep.report(Code.PC4003, src.at(path),
          "this rule matches no packet of either family (its addresses, protocol or other"
              + " matches belong to different families)");
      return out;
    }

    // ---- expand per family
    for (Family f : fams) {
      List<Rule> rules = new ArrayList<>();
      List<Match.Addr> srcs = addrPieces(srcA, Side.SRC, f);
      List<Match.Addr> dsts = addrPieces(dstA, Side.DST, f);
      if (srcs == null || dsts == null) {
        continue;
      }
      for (ProtoAlt alt : alts) {
        if (alt.only() != null && alt.only() != f) {
          continue;
        }
        Match.Ports sp = portMatch(sport, Side.SRC);
        Match.Ports dp = alt.ports() != null
            ? portMatch(new PortsSpec(false, alt.ports()), Side.DST)
            : portMatch(dport, Side.DST);
        Match icmp = icmpMatch(m, mp, alt, f);
        Match proto = alt.proto() == 0 ? null : new Match.Proto(alt.proto(), alt.negated());
        for (Match.Addr s : srcs) {
          for (Match.Addr d : dsts) {
            for (Match.Iface in : ins) {
              for (Match.Iface o : outs) {
                List<Match> ms = new ArrayList<>(common);
                for (Match x : new Match[] {s, d, in, o, proto, sp, dp, flags, icmp}) {
                  addIf(ms, x);
                }
                rules.add(new Rule(MatchOrder.sorted(ms), targets[f.ordinal()], r.comment(),
                    origin));
              }
            }
          }
        }
      }
      out.put(f, rules);
    }
    return out;
  }

  /** What the partial IR keeps of a rule with errors: its jump or goto, without matches. */
  private static Map<Family, List<Rule>> jumpsOnly(Target[] targets, Set<Family> fams,
      String comment, Origin origin) {
    Map<Family, List<Rule>> out = new EnumMap<>(Family.class);
    for (Family f : fams.isEmpty() ? EnumSet.allOf(Family.class) : fams) {
      Target t = targets[f.ordinal()];
      if (t instanceof Target.Jump || t instanceof Target.Goto) {
        out.put(f, List.of(new Rule(List.of(), t, comment, origin)));
      }
    }
    return out;
  }

  private static void addIf(List<Match> ms, Match m) {
    if (m != null) {
      ms.add(m);
    }
  }

  private AddrSpec addresses(Negatable<List<String>> n, ListPath path, Set<Family> explicit) {
    if (n == null) {
      return null;
    }
    if (n.value().isEmpty()) {
      rep.report(Code.PC2014, src.at(path), "the address list is empty");
      return null;
    }
    List<IpRange> ranges = new ArrayList<>();
    String emptyGroup = null;
    for (int i = 0; i < n.value().size(); i++) {
      String ref = n.value().get(i);
      SourcePos pos = src.at(path.item(i));
      if (groups.networks().has(ref)) {
        List<IpRange> g = groups.networks().get(ref);
        if (groups.networks().isBroken(ref)) {
          ruleUsesBrokenGroup = true;
        } else if (g.isEmpty() && emptyGroup == null) {
          emptyGroup = ref;
        }
        if (explicit != null && g.stream().noneMatch(r -> explicit.contains(r.family()))
            && !g.isEmpty()) {
          rep.report(Code.PC4001, pos, "network group '" + ref + "' has no "
              + familyWord(explicit.iterator().next()) + " address, and this rule is "
              + familyWord(explicit.iterator().next()) + " only");
        }
        ranges.addAll(g);
      } else {
        IpRange r = groups.address(ref, pos);
        if (r == null) {
          continue;
        }
        if (explicit != null && !explicit.contains(r.family())) {
          rep.report(Code.PC4001, pos, familyWord(r.family()) + " address " + ref + " in an "
              + familyWord(explicit.iterator().next()) + " rule");
          continue;
        }
        ranges.add(r);
      }
    }
    if (ranges.isEmpty() && emptyGroup != null && !n.negated()) {
      rep.report(Code.PC2014, src.at(path), "network group '" + emptyGroup + "' is empty, so"
          + " the rule matches no packet");
    }
    return new AddrSpec(n.negated(), ranges, src.at(path));
  }

  /**
   * The address matches of one family: disjoint pieces of the union (a prefix each, or an
   * iprange); for a negated list, the single piece it must be. Null when the rule does not exist
   * in this family; a list holding null when there is no constraint.
   */
  private List<Match.Addr> addrPieces(AddrSpec a, Side side, Family f) {
    List<Match.Addr> none = new ArrayList<>();
    none.add(null);
    if (a == null) {
      return none;
    }
    List<IpRange> union = union(a.ranges().stream().filter(r -> r.family() == f).toList());
    if (a.negated()) {
      if (union.isEmpty()) {
        return none; // not in an empty set: every address of this family
      }
      if (union.size() > 1) {
        rep.report(Code.PC2010, a.pos(), "a negated address list must be one prefix or one"
            + " range per family; " + union.size() + " separate ranges cannot be expressed in"
            + " one rule (declare an ipset and match {not: {name: SET, dir: "
            + side.word() + "}})");
        return null;
      }
      if (union.get(0).isAll()) {
        return null; // not any address: matches nothing in this family
      }
      return List.of(new Match.Addr(side, union.get(0), true));
    }
    if (union.isEmpty()) {
      return null;
    }
    List<Match.Addr> out = new ArrayList<>();
    for (IpRange r : union) {
      if (r.isAll()) {
        out.add(null);
      } else {
        out.add(new Match.Addr(side, r, false));
      }
    }
    return out;
  }

  /** Sorted, disjoint, non-adjacent ranges covering exactly the union of the inputs. */
  static List<IpRange> union(List<IpRange> in) {
    List<IpRange> sorted = new ArrayList<>(in);
    sorted.sort(Comparator.naturalOrder());
    List<IpRange> out = new ArrayList<>();
    for (IpRange r : sorted) {
      if (!out.isEmpty()) {
        IpRange last = out.get(out.size() - 1);
        boolean touches = last.last().isMax() || r.first().compareTo(last.last().plus(1)) <= 0;
        if (touches) {
          if (r.last().compareTo(last.last()) > 0) {
            out.set(out.size() - 1, new IpRange(last.first(), r.last()));
          }
          continue;
        }
      }
      out.add(r);
    }
    return out;
  }

  private List<ProtoAlt> protocols(MatchSpec m, MatchPath mp, Set<Family> explicit) {
    List<ProtoAlt> alts = new ArrayList<>();
    if (m.services() != null) {
      if (m.services().isEmpty()) {
        rep.report(Code.PC2014, src.at(mp.service()), "the service list is empty");
      }
      List<Groups.Service> svcs = new ArrayList<>();
      String emptyGroup = null;
      for (int i = 0; i < m.services().size(); i++) {
        String s = m.services().get(i);
        SourcePos pos = src.at(mp.service(i));
        if (groups.services().has(s)) {
          svcs.addAll(groups.services().get(s));
          if (groups.services().isBroken(s)) {
            ruleUsesBrokenGroup = true;
          } else if (groups.services().get(s).isEmpty() && emptyGroup == null) {
            emptyGroup = s;
          }
        } else {
          Groups.Service lit = groups.literalService(s, pos);
          if (lit != null) {
            svcs.add(lit);
          }
        }
      }
      if (svcs.isEmpty() && emptyGroup != null) {
        rep.report(Code.PC2014, src.at(mp.service()), "service group '" + emptyGroup
            + "' is empty, so the rule matches no packet");
      }
      // Group by protocol; ports of one protocol become one (disjoint) port list.
      Map<Integer, List<PortRange>> ports = new TreeMap<>();
      Map<Integer, Boolean> allPorts = new TreeMap<>();
      List<ProtoAlt> icmps = new ArrayList<>();
      for (Groups.Service s : svcs) {
        if (s.icmpType() != null) {
          Family fam = s.proto() == Protocols.ICMP ? Family.IPV4 : Family.IPV6;
          icmps.add(new ProtoAlt(s.proto(), false, null, IcmpTypes.resolve(fam, s.icmpType()),
              fam));
          continue;
        }
        if (s.ports() == null) {
          allPorts.put(s.proto(), true);
        } else {
          ports.computeIfAbsent(s.proto(), k -> new ArrayList<>()).addAll(s.ports());
        }
      }
      for (int proto : allPorts.keySet()) {
        alts.add(new ProtoAlt(proto, false, null, null, onlyFamily(proto)));
        ports.remove(proto);
        icmps.removeIf(a -> a.proto() == proto);
      }
      ports.forEach((proto, prs) ->
          alts.add(new ProtoAlt(proto, false, unionPorts(prs), null, null)));
      alts.addAll(dedupe(icmps));
      if (explicit != null) {
        alts.removeIf(a -> a.only() != null && !explicit.contains(a.only()));
      }
      return alts;
    }
    if (m.proto() == null) {
      alts.add(new ProtoAlt(0, false, null, null, null));
      return alts;
    }
    int n = Protocols.number(m.proto().value());
    if (n < 0) {
      rep.report(Code.PC2003, src.at(mp.proto()), "unknown protocol '" + m.proto().value()
          + "'");
      // No alternative: checks that depend on the protocol (ports, flags, …) stay quiet.
      return alts;
    }
    if (n == 0 && m.proto().negated()) {
      rep.report(Code.PC2003, src.at(mp.proto()), "'not all' matches no packet");
    }
    Family only = m.proto().negated() ? null : onlyFamily(n);
    if (only != null && explicit != null && !explicit.contains(only)) {
      rep.report(Code.PC4002, src.at(mp.proto()), Protocols.name(n) + " is "
          + familyWord(only) + " only, and this rule is " + familyWord(explicit.iterator().next()));
    }
    alts.add(new ProtoAlt(n, m.proto().negated(), null, null, only));
    return alts;
  }

  private static List<ProtoAlt> dedupe(List<ProtoAlt> in) {
    List<ProtoAlt> out = new ArrayList<>();
    for (ProtoAlt a : in) {
      boolean covered = false;
      for (ProtoAlt b : out) {
        if (b.proto() == a.proto() && covers(b.icmp(), a.icmp())) {
          covered = true;
        }
      }
      if (!covered) {
        out.removeIf(b -> b.proto() == a.proto() && covers(a.icmp(), b.icmp()));
        out.add(a);
      }
    }
    return out;
  }

  private static boolean covers(IcmpTypes.TypeCode a, IcmpTypes.TypeCode b) {
    return a.type() == b.type() && a.codeLo() <= b.codeLo() && b.codeHi() <= a.codeHi();
  }

  private static Family onlyFamily(int proto) {
    if (proto == Protocols.ICMP) {
      return Family.IPV4;
    }
    if (proto == Protocols.ICMPV6) {
      return Family.IPV6;
    }
    return null;
  }

  private record PortsSpec(boolean negated, List<PortRange> ranges) {}

  private PortsSpec ports(Negatable<List<String>> n, ListPath path) {
    if (n == null) {
      return null;
    }
    if (n.value().isEmpty()) {
      rep.report(Code.PC2014, src.at(path), "the port list is empty");
      return null;
    }
    List<PortRange> ranges = new ArrayList<>();
    for (int i = 0; i < n.value().size(); i++) {
      try {
        ranges.add(Values.portRange(n.value().get(i)));
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2002, src.at(path.item(i)), "invalid port: " + e.getMessage());
      }
    }
    List<PortRange> u = unionPorts(ranges);
    if (n.negated() && u.size() == 1 && u.get(0).equals(PortRange.ALL)) {
      rep.report(Code.PC2002, src.at(path), "'not' every port matches no packet");
    }
    if (n.negated() && slots(u) > Netfilter.MULTIPORT_SLOTS) {
      rep.report(Code.PC5004, src.at(path), "a negated port list fits one multiport match: at"
          + " most " + Netfilter.MULTIPORT_SLOTS + " ports (a range counts twice); this one needs "
          + slots(u));
    }
    return new PortsSpec(n.negated(), u);
  }

  static List<PortRange> unionPorts(List<PortRange> in) {
    List<PortRange> sorted = new ArrayList<>(in);
    sorted.sort(Comparator.naturalOrder());
    List<PortRange> out = new ArrayList<>();
    for (PortRange r : sorted) {
      if (!out.isEmpty() && r.lo() <= out.get(out.size() - 1).hi() + 1) {
        PortRange last = out.remove(out.size() - 1);
        out.add(new PortRange(last.lo(), Math.max(last.hi(), r.hi())));
      } else {
        out.add(r);
      }
    }
    return out;
  }

  private static int slots(List<PortRange> rs) {
    return rs.stream().mapToInt(r -> r.isSingle() ? 1 : 2).sum();
  }

  /**
   * The port match of a port list: none for every port, else one match of all its ranges. A
   * positive list may need more than the 15 slots of one multiport match: the legalization pass
   * SplitMultiport cuts it into rules that fit (a negated one cannot be cut, see PC5004).
   */
  private static Match.Ports portMatch(PortsSpec p, Side side) {
    if (p == null || p.ranges().isEmpty()) {
      return null;
    }
    if (p.ranges().size() == 1 && p.ranges().get(0).equals(PortRange.ALL) && !p.negated()) {
      return null;
    }
    return new Match.Ports(side, p.ranges(), p.negated());
  }


  private List<Match.Iface> interfaces(Negatable<String> n, SourcePath path, boolean out) {
    List<Match.Iface> res = new ArrayList<>();
    if (n == null) {
      res.add(null);
      return res;
    }
    SourcePos pos = src.at(path);
    List<String> names;
    if (groups.interfaces().has(n.value())) {
      names = groups.interfaces().get(n.value());
    } else if (groups.checkIfaceName(n.value(), pos)) {
      names = List.of(n.value());
    } else {
      res.add(null);
      return res;
    }
    // Drop names a wildcard already covers, so the remaining matches are disjoint.
    List<String> kept = new ArrayList<>();
    for (String a : names) {
      boolean covered = false;
      for (String b : names) {
        if (!a.equals(b) && b.endsWith("+") && a.startsWith(b.substring(0, b.length() - 1))
            && !(a.endsWith("+") && a.length() == b.length())) {
          covered = true;
        }
      }
      if (!covered && !kept.contains(a)) {
        kept.add(a);
      }
    }
    if (kept.isEmpty()) {
      if (groups.interfaces().isBroken(n.value())) {
        ruleUsesBrokenGroup = true;
      } else {
        rep.report(Code.PC2014, pos, "interface group '" + n.value() + "' is empty");
      }
      res.add(null);
      return res;
    }
    if (n.negated() && kept.size() > 1) {
      rep.report(Code.PC2010, pos, "a negated interface group must hold one name (or one"
          + " wildcard); '" + n.value() + "' holds " + kept.size());
      res.add(null);
      return res;
    }
    for (String k : kept) {
      res.add(new Match.Iface(out, k, n.negated()));
    }
    return res;
  }

  private Match.TcpFlags tcpFlags(MatchSpec m, MatchPath mp, List<ProtoAlt> alts) {
    if (m.tcpFlags() == null && m.syn() == null) {
      return null;
    }
    SourcePath where = m.tcpFlags() != null ? mp.tcpFlags() : mp.syn();
    if (m.tcpFlags() != null && m.syn() != null) {
      rep.report(Code.PC6005, src.at(mp.syn()), "use either 'syn' or 'tcp-flags', not both");
      return null;
    }
    for (ProtoAlt a : alts) {
      if (a.negated() || a.proto() != Protocols.TCP) {
        rep.report(Code.PC6003, src.at(where), "TCP flags need proto tcp");
        return null;
      }
    }
    if (m.syn() != null) {
      return new Match.TcpFlags(Netfilter.TCP_SYN_MASK, Netfilter.TCP_SYN, !m.syn());
    }
    MatchSpec.TcpFlags f = m.tcpFlags().value();
    int mask = 0;
    int comp = 0;
    for (TcpFlag x : f.mask()) {
      mask |= x.bit();
    }
    for (TcpFlag x : f.set()) {
      comp |= x.bit();
    }
    if (mask == 0) {
      rep.report(Code.PC6005, src.at(where), "tcp-flags must examine at least one flag ('mask')");
      return null;
    }
    if ((comp & ~mask) != 0) {
      rep.report(Code.PC6005, src.at(where), "tcp-flags 'set' names flags that 'mask' does not"
          + " examine, so the rule can never match");
      return null;
    }
    return new Match.TcpFlags(mask, comp, m.tcpFlags().negated());
  }

  private Match icmpMatch(MatchSpec m, MatchPath mp, ProtoAlt alt, Family f) {
    if (alt.icmp() != null) {
      return new Match.Icmp(f, alt.icmp().type(), alt.icmp().codeLo(), alt.icmp().codeHi(), false);
    }
    if (m.icmpType() == null) {
      return null;
    }
    IcmpTypes.TypeCode tc = IcmpTypes.resolve(f, m.icmpType().value());
    if (tc == null) {
      rep.report(Code.PC2005, src.at(mp.icmpType()), "unknown "
          + (f == Family.IPV4 ? "ICMP" : "ICMPv6") + " type '" + m.icmpType().value() + "'");
      return null;
    }
    return new Match.Icmp(f, tc.type(), tc.codeLo(), tc.codeHi(), m.icmpType().negated());
  }

  private void markMatch(Negatable<String> n, SourcePath path, boolean conn, List<Match> out) {
    if (n == null) {
      return;
    }
    try {
      long[] vm = Values.valueMask(n.value(), 0xffffffffL);
      if ((vm[0] & ~vm[1]) != 0) {
        throw new IllegalArgumentException("value 0x" + Long.toHexString(vm[0])
            + " has bits outside mask 0x" + Long.toHexString(vm[1]) + ", so it never matches");
      }
      out.add(conn
          ? new Match.ConnMark(vm[0], vm[1], n.negated())
          : new Match.Mark(vm[0], vm[1], n.negated()));
    } catch (IllegalArgumentException e) {
      rep.report(Code.PC2006, src.at(path), "invalid mark: " + e.getMessage());
    }
  }

  private void addrType(Negatable<List<AddressType>> n, Side side, SourcePath path,
      Set<Family> explicit, Set<Family> fams, List<Match> out) {
    if (n == null) {
      return;
    }
    if (n.value().isEmpty()) {
      rep.report(Code.PC2014, src.at(path), "address type list is empty");
      return;
    }
    if (n.value().contains(AddressType.BROADCAST)) {
      // ip6tables' addrtype ignores BROADCAST (IPv6 has none): the rule is IPv4 only.
      if (explicit != null && explicit.contains(Family.IPV6)) {
        rep.report(Code.PC4002, src.at(path), "IPv6 has no broadcast addresses");
      }
      fams.retainAll(EnumSet.of(Family.IPV4));
    }
    out.add(new Match.AddrType(side, EnumSet.copyOf(n.value()), n.negated()));
  }

  private Match.InSet setMatch(Negatable<MatchSpec.SetRef> n, SourcePath path, Set<Family> explicit,
      Set<Family> fams) {
    MatchSpec.SetRef ref = n.value();
    IpSet set = sets.get(ref.name());
    SourcePos pos = src.at(path);
    if (set == null) {
      boolean declared = policy.objects().sets().stream().anyMatch(s -> s.name().equals(ref.name()));
      if (!declared) {
        rep.report(Code.PC1005, pos, "unknown ipset '" + ref.name() + "'");
      }
      return null;
    }
    List<Side> dirs = new ArrayList<>();
    for (String d : ref.dirs()) {
      switch (d.trim().toLowerCase(Locale.ROOT)) {
        case "src" -> dirs.add(Side.SRC);
        case "dst" -> dirs.add(Side.DST);
        default -> {
          rep.report(Code.PC2011, pos, "set direction must be src or dst, not '" + d + "'");
          return null;
        }
      }
    }
    if (dirs.size() != set.type().dimensions()) {
      rep.report(Code.PC2011, pos, "set '" + set.name() + "' (" + set.type().ipsetName()
          + ") needs " + set.type().dimensions() + " direction(s), such as "
          + (set.type().dimensions() == 1 ? "src" : "src,dst") + "; got " + dirs.size());
      return null;
    }
    if (set.type().hasAddress()) {
      if (explicit != null && !explicit.contains(set.family())) {
        rep.report(Code.PC4002, pos, "set '" + set.name() + "' is " + familyWord(set.family())
            + " and this rule is not");
      }
      fams.retainAll(EnumSet.of(set.family()));
    }
    return new Match.InSet(set.name(), dirs, n.negated());
  }

  private Match statistic(Negatable<MatchSpec.Statistic> n, SourcePath path) {
    MatchSpec.Statistic s = n.value();
    boolean negated = n.negated();
    if (s.mode() == MatchSpec.Statistic.Mode.RANDOM) {
      double p = s.probability();
      if (!(p >= 0 && p <= 1)) {
        rep.report(Code.PC2006, src.at(path), "probability must be between 0 and 1");
        return null;
      }
      return new Match.Statistic(false, Math.round(0x80000000L * p), 0, 0, negated);
    }
    if (s.every() < 1) {
      rep.report(Code.PC2006, src.at(path), "every must be at least 1");
      return null;
    }
    if (s.packet() < 0 || s.packet() >= s.every()) {
      rep.report(Code.PC2006, src.at(path), "packet must be between 0 and every-1");
      return null;
    }
    return new Match.Statistic(true, 0, s.every(), s.packet(), negated);
  }

  // ------------------------------------------------------------------ targets

  /** The target per family (index by ordinal); restricts {@code fams} where it must. */
  private Target[] target(Table t, ChainSpec chain, int index, Action a, ActionPath ap,
      List<ProtoAlt> alts, Match.TcpFlags flags, Set<Family> explicit, Set<Family> fams) {
    SourcePos pos = src.at(ap);
    Target[] out = new Target[2];
    Target same = null;
    if (a instanceof Action.Accept) {
      same = new Target.Accept();
    } else if (a instanceof Action.Drop) {
      if (t == Table.NAT) {
        rep.report(Code.PC3003, pos, "the nat table refuses DROP; filter in the filter table");
      }
      same = new Target.Drop();
    } else if (a instanceof Action.Return) {
      same = new Target.Return();
    } else if (a instanceof Action.Reject r) {
      onlyIn(t, Table.FILTER, "REJECT", pos);
      // A bare 'action: reject' has no key under the action.
      rejectTargets(r.with(), src.atOrEnclosing(ap.reject()), alts, explicit, fams, out);
      return out;
    } else if (a instanceof Action.Jump j) {
      same = jumpTarget(t, chain, index, j.chain(), src.at(ap.jump()), false);
    } else if (a instanceof Action.Goto g) {
      same = jumpTarget(t, chain, index, g.chain(), src.at(ap.gotoChain()), true);
    } else if (a instanceof Action.Log l) {
      int level = Netfilter.LOG_DEFAULT_LEVEL;
      if (l.level() != null) {
        String lv = l.level().toLowerCase(Locale.ROOT);
        Integer named = Netfilter.LOG_LEVELS.get(lv);
        if (named != null) {
          level = named;
        } else if (lv.matches("[0-7]")) {
          level = Integer.parseInt(lv);
        } else {
          rep.report(Code.PC2013, src.at(ap.log().level()), "log level must be 0-7 or emerg,"
              + " alert, crit, err, warning, notice, info, debug; not '" + l.level() + "'");
        }
      }
      if (l.prefix() != null) {
        // The kernel's limit is in bytes (char prefix[30] with its NUL), as for comments.
        // 'log: PREFIX' has no prefix key under the log action.
        checkText(l.prefix(), src.atOrEnclosing(ap.log().prefix()), "log prefix",
            Netfilter.MAX_LOG_PREFIX, true);
      }
      same = new Target.Log(l.prefix(), level);
    } else if (a instanceof Action.Dnat d) {
      onlyIn(t, Table.NAT, "DNAT", pos);
      same = natTarget(d.to(), ap.dnat(), true, alts, explicit, fams);
    } else if (a instanceof Action.Snat s) {
      onlyIn(t, Table.NAT, "SNAT", pos);
      same = natTarget(s.to(), ap.snat(), false, alts, explicit, fams);
    } else if (a instanceof Action.Masquerade mq) {
      onlyIn(t, Table.NAT, "MASQUERADE", pos);
      same = new Target.Masquerade(targetPorts(mq.ports(), ap.masquerade(), alts));
    } else if (a instanceof Action.Redirect rd) {
      onlyIn(t, Table.NAT, "REDIRECT", pos);
      same = new Target.Redirect(targetPorts(rd.ports(), ap.redirect(), alts));
    } else if (a instanceof Action.Mark mk) {
      same = markTarget(mk, src.at(ap.mark()));
    } else if (a instanceof Action.ConnMark cm) {
      same = connmarkTarget(cm, src.at(ap.connmark()));
    } else if (a instanceof Action.Dscp d) {
      onlyIn(t, Table.MANGLE, "DSCP", pos);
      try {
        same = new Target.Dscp(Values.dscp(d.value()));
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2006, src.at(ap.dscp()), e.getMessage());
      }
    } else if (a instanceof Action.Tos tos) {
      onlyIn(t, Table.MANGLE, "TOS", pos);
      try {
        long[] vm = Values.valueMask(tos.value(), 0xff);
        same = new Target.Tos((int) vm[0], (int) vm[1]);
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2006, src.at(ap.tos()), "invalid tos: " + e.getMessage());
      }
    } else if (a instanceof Action.Ttl ttl) {
      onlyIn(t, Table.MANGLE, "TTL", pos);
      boolean set = ttl.op() == Action.Ttl.Op.SET;
      if (ttl.value() < (set ? 0 : 1) || ttl.value() > 255) {
        rep.report(Code.PC2006, pos, set ? "ttl set must be 0-255" : "ttl inc/dec must be 1-255");
      }
      same = new Target.Ttl(Target.Ttl.Op.valueOf(ttl.op().name()), ttl.value());
    } else if (a instanceof Action.TcpMss mss) {
      same = tcpmss(mss, src.at(ap.tcpmss()), alts, flags);
    } else if (a instanceof Action.NoTrack) {
      onlyIn(t, Table.RAW, "NOTRACK", pos);
      same = new Target.NoTrack();
    } else if (a instanceof Action.Count) {
      same = new Target.None();
    } else {
      throw new AssertionError("unknown action " + a);
    }
    out[0] = same;
    out[1] = same;
    return out;
  }

  private void onlyIn(Table t, Table allowed, String what, SourcePos pos) {
    if (t != allowed) {
      rep.report(Code.PC3001, pos, what + " is only valid in the " + allowed.iptablesName()
          + " table, not " + t.iptablesName());
    }
  }

  private Target jumpTarget(Table t, ChainSpec from, int index, String to, SourcePos pos,
      boolean isGoto) {
    if (t.isBuiltin(to)) {
      rep.report(Code.PC1009, pos, "cannot " + (isGoto ? "go to" : "jump to") + " built-in"
          + " chain " + to + "; only user chains can be jump targets");
      return null;
    }
    if (!chains.get(t).containsKey(to)) {
      String hint = "";
      for (Table other : Table.values()) {
        if (other != t && chains.get(other).containsKey(to)) {
          hint = " (it is in the " + other.iptablesName() + " table; jumps stay in their table)";
        }
      }
      rep.report(Code.PC1004, pos, "unknown chain '" + to + "' in table " + t.iptablesName()
          + hint);
      return null;
    }
    graphs.get(t).addEdge(from.name(), to, index);
    return isGoto ? new Target.Goto(to) : new Target.Jump(to);
  }

  private void rejectTargets(String with, SourcePos pos, List<ProtoAlt> alts,
      Set<Family> explicit, Set<Family> fams, Target[] out) {
    String w = with == null ? "port-unreachable" : with.toLowerCase(Locale.ROOT);
    List<String> names = Netfilter.REJECT_TYPES.get(w);
    if (names == null) {
      for (List<String> pair : Netfilter.REJECT_TYPES.values()) {
        if (w.equals(pair.get(0))) {
          names = Arrays.asList(pair.get(0), null);
        } else if (w.equals(pair.get(1))) {
          names = Arrays.asList(null, pair.get(1));
        }
      }
    }
    if (names == null) {
      rep.report(Code.PC2009, pos, "unknown reject type '" + with + "' (port-unreachable,"
          + " host-unreachable, net-unreachable, admin-prohibited, tcp-reset, …)");
      return;
    }
    if (w.equals(Netfilter.TCP_RESET)) {
      for (ProtoAlt a : alts) {
        if (a.negated() || a.proto() != Protocols.TCP) {
          rep.report(Code.PC6004, pos, "reject with tcp-reset needs proto tcp");
          break;
        }
      }
    }
    for (Family f : Family.values()) {
      String name = names.get(f.ordinal());
      if (name == null) {
        if (explicit != null && explicit.contains(f)) {
          rep.report(Code.PC4002, pos, "reject type '" + with + "' does not exist in "
              + familyWord(f));
        }
        fams.remove(f);
      } else {
        out[f.ordinal()] = new Target.Reject(name);
      }
    }
  }

  private Target natTarget(String to, SourcePath path, boolean dnat, List<ProtoAlt> alts,
      Set<Family> explicit, Set<Family> fams) {
    SourcePos pos = src.at(path);
    String text = to.trim();
    String addrPart;
    String portPart = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        rep.report(Code.PC2008, pos, "missing ']' in '" + to + "'");
        return null;
      }
      addrPart = text.substring(1, close);
      if (addrPart.isEmpty()) {
        rep.report(Code.PC2008, pos, "'[]' in '" + to + "' holds no address");
        return null;
      }
      String rest = text.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          rep.report(Code.PC2008, pos, "expected ':port' after ']' in '" + to + "'");
          return null;
        }
        portPart = rest.substring(1);
      }
    } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
      addrPart = text.substring(0, text.indexOf(':'));
      portPart = text.substring(text.indexOf(':') + 1);
    } else {
      addrPart = text;
    }
    IpRange addrs = null;
    if (!addrPart.isEmpty()) {
      try {
        addrs = IpRange.parse(addrPart);
        if (addrPart.indexOf('/') >= 0) {
          throw new IllegalArgumentException("use a range a-b, not a prefix, in a NAT target");
        }
      } catch (IllegalArgumentException e) {
        rep.report(Code.PC2008, pos, "invalid " + (dnat ? "DNAT" : "SNAT") + " address: "
            + e.getMessage());
        return null;
      }
      Family f = addrs.family();
      if (explicit != null && !explicit.contains(f)) {
        rep.report(Code.PC4001, pos, familyWord(f) + " NAT address in an "
            + familyWord(explicit.iterator().next()) + " rule");
      }
      fams.retainAll(EnumSet.of(f));
    }
    PortRange ports = null;
    if (portPart != null) {
      ports = targetPorts(portPart.replace(':', '-'), path, alts);
      if (ports == null) {
        return null;
      }
    }
    if (addrs == null && ports == null) {
      rep.report(Code.PC2008, pos, "NAT target '" + to + "' names no address and no port");
      return null;
    }
    return dnat ? new Target.Dnat(addrs, ports) : new Target.Snat(addrs, ports);
  }

  /** The ports of a NAT target; {@code path} is the target's, which has no key when no ports. */
  private PortRange targetPorts(String text, SourcePath path, List<ProtoAlt> alts) {
    if (text == null) {
      return null;
    }
    SourcePos pos = src.at(path);
    for (ProtoAlt a : alts) {
      if (a.negated() || !Protocols.hasPorts(a.proto())) {
        rep.report(Code.PC6001, pos, "a port in a NAT target needs proto tcp, udp, sctp or"
            + " dccp");
        return null;
      }
    }
    try {
      return Values.portRange(text.replace(':', '-'));
    } catch (IllegalArgumentException e) {
      rep.report(Code.PC2002, pos, "invalid port: " + e.getMessage());
      return null;
    }
  }

  private Target markTarget(Action.Mark mk, SourcePos pos) {
    try {
      long max = 0xffffffffL;
      return switch (mk.op()) {
        case SET -> {
          long[] vm = Values.valueMask(mk.value(), max);
          // --set-mark v/m: clear the bits of m, then set those of v (xmark v/(v|m)).
          yield new Target.Mark(vm[0], mk.value().indexOf('/') < 0 ? max : (vm[0] | vm[1]));
        }
        case XSET -> {
          long[] vm = Values.valueMask(mk.value(), max);
          yield new Target.Mark(vm[0], vm[1]); // --set-xmark v/m exactly
        }
        case OR -> {
          long v = Values.number(mk.value(), max);
          yield new Target.Mark(v, v);
        }
        case AND -> new Target.Mark(0, ~Values.number(mk.value(), max) & max);
        case XOR -> new Target.Mark(Values.number(mk.value(), max), 0);
      };
    } catch (IllegalArgumentException e) {
      rep.report(Code.PC2006, pos, "invalid mark: " + e.getMessage());
      return null;
    }
  }

  private Target connmarkTarget(Action.ConnMark cm, SourcePos pos) {
    long max = 0xffffffffL;
    try {
      if (cm.op() == Action.ConnMark.Op.SET || cm.op() == Action.ConnMark.Op.XSET) {
        long[] vm = Values.valueMask(cm.value(), max);
        long mask = cm.op() == Action.ConnMark.Op.XSET || cm.value().indexOf('/') < 0 ? vm[1]
            : (vm[0] | vm[1]);
        return new Target.ConnMark(Target.ConnMark.Mode.SET, vm[0], mask, 0, 0);
      }
      long nf = cm.nfmask() == null ? max : Values.number(cm.nfmask(), max);
      long ct = cm.ctmask() == null ? max : Values.number(cm.ctmask(), max);
      return new Target.ConnMark(
          cm.op() == Action.ConnMark.Op.SAVE ? Target.ConnMark.Mode.SAVE
              : Target.ConnMark.Mode.RESTORE, 0, 0, nf, ct);
    } catch (IllegalArgumentException e) {
      rep.report(Code.PC2006, pos, "invalid connmark: " + e.getMessage());
      return null;
    }
  }

  private Target tcpmss(Action.TcpMss mss, SourcePos pos, List<ProtoAlt> alts,
      Match.TcpFlags flags) {
    for (ProtoAlt a : alts) {
      if (a.negated() || a.proto() != Protocols.TCP) {
        rep.report(Code.PC6006, pos, "TCPMSS needs proto tcp");
        return null;
      }
    }
    // The kernel refuses TCPMSS unless the rule matches SYNs: a tcp-flags match whose mask and
    // set both hold SYN, not negated (tcpmss_tg4_check).
    if (flags == null || flags.negated() || (flags.mask() & 0x02) == 0
        || (flags.comp() & 0x02) == 0) {
      rep.report(Code.PC6006, pos, "TCPMSS only works on SYN packets: add 'syn: true' or"
          + " tcp-flags {mask: [SYN, RST], set: [SYN]}");
      return null;
    }
    if (mss.mss().equalsIgnoreCase("clamp-to-pmtu")) {
      return new Target.TcpMss(0);
    }
    try {
      long v = Values.number(mss.mss(), 65535 - 40);
      if (v < 1) {
        throw new IllegalArgumentException("MSS must be positive");
      }
      return new Target.TcpMss((int) v);
    } catch (IllegalArgumentException e) {
      rep.report(Code.PC2006, pos, "tcpmss must be clamp-to-pmtu or a number: "
          + e.getMessage());
      return null;
    }
  }

  /**
   * Checks free text that ends up in a rule: length, and no control characters, double quotes
   * or backslashes (iptables-save does not escape control characters, so a newline in a comment
   * would split the saved rule in two).
   */
  private void checkText(String text, SourcePos pos, String what, int max, boolean bytes) {
    int len = bytes ? text.getBytes(StandardCharsets.UTF_8).length : text.length();
    if (len > max) {
      rep.report(what.equals("comment") ? Code.PC5002 : Code.PC5001, pos, what + " is " + len
          + (bytes ? " bytes" : " characters") + " long; the kernel allows " + max);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        rep.report(Code.PC5003, pos, what + " holds a control character (U+"
            + String.format("%04X", (int) c) + ")");
        return;
      }
      if (c == '"' || c == '\\') {
        rep.report(Code.PC5003, pos, what + " holds " + (c == '"' ? "a double quote" : "a"
            + " backslash") + ", which iptables-restore would read as quoting");
        return;
      }
    }
  }

  static String familyWord(Family f) {
    return f == Family.IPV4 ? "IPv4" : "IPv6";
  }
}
