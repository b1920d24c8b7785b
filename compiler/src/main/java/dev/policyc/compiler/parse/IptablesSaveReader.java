package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads {@code iptables-save} output (or an {@code iptables-restore} script of {@code -A} rules)
 * into a {@link Ruleset}: everything policyc emits, and the matches and targets real dumps
 * commonly hold. Anything it does not understand is an error with line and column; it never
 * guesses.
 */
public final class IptablesSaveReader {
  private final String file;
  private final Family family;
  private final Map<Table, TableBuilder> tables = new LinkedHashMap<>();

  private IptablesSaveReader(String file, Family family) {
    this.file = file;
    this.family = family;
  }

  /** Reads a whole dump of one family. */
  public static Ruleset read(String file, String text, Family family) throws ParseException {
    IptablesSaveReader r = new IptablesSaveReader(file, family);
    r.parse(text);
    List<RuleTable> out = new ArrayList<>();
    for (Table t : Table.values()) {
      TableBuilder b = r.tables.get(t);
      if (b != null) {
        out.add(b.build());
      }
    }
    return new Ruleset(family, out);
  }

  /** Reads one rule line ({@code -A CHAIN …}) of the given family, for tests and tools. */
  public static Rule readRule(String line, Family family) throws ParseException {
    IptablesSaveReader r = new IptablesSaveReader("<rule>", family);
    return r.rule(line, 1, null).rule();
  }

  private static final class TableBuilder {
    final Table table;
    final Map<String, Verdict> policies = new LinkedHashMap<>();
    final Map<String, List<Rule>> rules = new LinkedHashMap<>();

    TableBuilder(Table table) {
      this.table = table;
    }

    RuleTable build() {
      List<Chain> chains = new ArrayList<>();
      for (String b : table.builtinChains()) {
        if (rules.containsKey(b)) {
          chains.add(new Chain(b, policies.get(b), rules.get(b)));
        }
      }
      new TreeMap<>(rules).forEach((name, rs) -> {
        if (!table.isBuiltin(name)) {
          chains.add(new Chain(name, null, rs));
        }
      });
      return new RuleTable(table, chains);
    }
  }

  private void parse(String text) throws ParseException {
    String[] lines = text.split("\n", -1);
    TableBuilder current = null;
    for (int ln = 1; ln <= lines.length; ln++) {
      String line = lines[ln - 1];
      if (line.endsWith("\r")) {
        throw error(ln, line.length(), "carriage return at end of line (CRLF breaks"
            + " iptables-restore)");
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("*")) {
        if (current != null) {
          throw error(ln, 1, "table " + line.substring(1) + " starts before COMMIT of "
              + current.table.iptablesName());
        }
        Table t = tableNamed(line.substring(1).trim(), ln);
        if (tables.containsKey(t)) {
          throw error(ln, 1, "table " + t.iptablesName() + " appears twice");
        }
        current = new TableBuilder(t);
        tables.put(t, current);
      } else if (line.equals("COMMIT")) {
        if (current == null) {
          throw error(ln, 1, "COMMIT outside a table");
        }
        current = null;
      } else if (line.startsWith(":")) {
        if (current == null) {
          throw error(ln, 1, "chain declaration outside a table");
        }
        chainLine(current, line, ln);
      } else {
        if (current == null) {
          throw error(ln, 1, "rule outside a table");
        }
        Parsed p = rule(line, ln, current);
        List<Rule> rs = current.rules.get(p.chain());
        if (rs == null) {
          throw error(ln, 4, "chain " + p.chain() + " is not declared in table "
              + current.table.iptablesName());
        }
        rs.add(p.rule());
      }
    }
    if (current != null) {
      throw error(lines.length, 1, "COMMIT expected at end of table "
          + current.table.iptablesName());
    }
  }

  private Table tableNamed(String name, int ln) throws ParseException {
    for (Table t : Table.values()) {
      if (t.iptablesName().equals(name)) {
        return t;
      }
    }
    throw error(ln, 2, "unsupported table '" + name + "'");
  }

  private void chainLine(TableBuilder tb, String line, int ln) throws ParseException {
    String[] parts = line.substring(1).trim().split("\\s+");
    if (parts.length < 2) {
      throw error(ln, 1, "chain declaration needs a name and a policy");
    }
    String name = parts[0];
    String pol = parts[1];
    if (tb.rules.containsKey(name)) {
      throw error(ln, 2, "chain " + name + " declared twice");
    }
    if (tb.table.isBuiltin(name)) {
      if (!pol.equals("ACCEPT") && !pol.equals("DROP")) {
        throw error(ln, 2 + name.length(), "built-in chain policy must be ACCEPT or DROP");
      }
      tb.policies.put(name, Verdict.valueOf(pol));
    } else if (!pol.equals("-")) {
      throw error(ln, 2 + name.length(), "user chain " + name + " must have policy '-'");
    }
    tb.rules.put(name, new ArrayList<>());
  }

  private record Parsed(String chain, Rule rule) {}

  /** A cursor over one rule's tokens. */
  private final class Line {
    final List<Token> toks;
    final int ln;
    int i;

    Line(List<Token> toks, int ln) {
      this.toks = toks;
      this.ln = ln;
    }

    boolean more() {
      return i < toks.size();
    }

    Token peek() {
      return toks.get(i);
    }

    Token next() throws ParseException {
      if (i >= toks.size()) {
        int col = toks.isEmpty() ? 1 : toks.get(toks.size() - 1).column();
        throw error(ln, col, "missing value at end of rule");
      }
      return toks.get(i++);
    }

    String value(String option) throws ParseException {
      if (i >= toks.size()) {
        throw error(ln, toks.get(i - 1).column(), option + " needs a value");
      }
      return toks.get(i++).text();
    }

    ParseException fail(Token t, String msg) {
      return error(ln, t.column(), msg);
    }
  }

  private Parsed rule(String text, int ln, TableBuilder tb) throws ParseException {
    List<Token> toks;
    try {
      toks = Tokenizer.split(text);
    } catch (IllegalArgumentException e) {
      String[] cm = e.getMessage().split(":", 2);
      throw error(ln, Integer.parseInt(cm[0]), cm[1]);
    }
    Line l = new Line(toks, ln);
    if (l.more() && l.peek().text().startsWith("[") && l.peek().text().endsWith("]")) {
      l.next(); // packet and byte counters of iptables-save -c
    }
    Token a = l.next();
    if (!a.text().equals("-A") && !a.text().equals("--append")) {
      throw l.fail(a, "expected -A CHAIN (only appended rules are supported), got '"
          + a.text() + "'");
    }
    String chain = l.value("-A");
    List<Match> matches = new ArrayList<>();
    Target target = new Target.None();
    String comment = null;
    String module = null;
    int optionsSeen = 0;
    int proto = 0;
    boolean negate = false;
    Token negTok = null;
    boolean haveTarget = false;
    while (l.more()) {
      Token t = l.next();
      String o = t.text();
      if (o.equals("!")) {
        if (negate) {
          throw l.fail(t, "double '!'");
        }
        negate = true;
        negTok = t;
        continue;
      }
      boolean neg = negate;
      negate = false;
      switch (o) {
        case "-s", "--source", "--src" -> matches.add(new Match.Addr(Side.SRC,
            cidr(l.value(o), l, t), neg));
        case "-d", "--destination", "--dst" -> matches.add(new Match.Addr(Side.DST,
            cidr(l.value(o), l, t), neg));
        case "-i", "--in-interface" -> matches.add(new Match.Iface(false, l.value(o), neg));
        case "-o", "--out-interface" -> matches.add(new Match.Iface(true, l.value(o), neg));
        case "-p", "--protocol" -> {
          String v = l.value(o);
          int n = Protocols.number(v);
          if (n < 0) {
            throw l.fail(t, "unknown protocol '" + v + "'");
          }
          if (n == 0) {
            if (neg) {
              throw l.fail(t, "'! -p all' matches nothing");
            }
          } else {
            matches.add(new Match.Proto(n, neg));
            proto = neg ? 0 : n;
          }
        }
        case "-f", "--fragment" -> {
          if (family != Family.IPV4) {
            throw l.fail(t, "-f is IPv4 only");
          }
          matches.add(new Match.Fragment(neg));
        }
        case "-m", "--match" -> {
          bareModule(module, optionsSeen, proto, matches);
          optionsSeen = 0;
          module = l.value(o);
          if (neg) {
            throw l.fail(negTok, "'!' before -m");
          }
          if (!KNOWN_MODULES.contains(module)) {
            throw l.fail(t, "unsupported match module '" + module + "'");
          }
        }
        case "-j", "--jump" -> {
          bareModule(module, optionsSeen, proto, matches);
          module = null;
          if (haveTarget) {
            throw l.fail(t, "more than one target");
          }
          haveTarget = true;
          target = target(l, t, proto);
        }
        case "-g", "--goto" -> {
          bareModule(module, optionsSeen, proto, matches);
          module = null;
          if (haveTarget) {
            throw l.fail(t, "more than one target");
          }
          haveTarget = true;
          target = new Target.Goto(l.value(o));
        }
        default -> {
          if (!o.startsWith("--")) {
            throw l.fail(t, "unexpected '" + o + "'");
          }
          String mod = module;
          if (mod == null || !moduleOption(mod, o)) {
            // iptables loads tcp/udp/icmp implicitly for their options after -p.
            mod = implicitModule(proto, o);
            if (mod == null) {
              throw l.fail(t, "option " + o + " is not known to "
                  + (module == null ? "any loaded match" : "match '" + module + "'"));
            }
          }
          if (mod.equals(module)) {
            optionsSeen++;
          }
          if (mod.equals("comment")) {
            comment = l.value(o);
          } else {
            moduleOption(mod, o, neg, l, t, proto, matches);
          }
        }
      }
    }
    if (negate) {
      throw l.fail(negTok, "'!' at end of rule");
    }
    bareModule(module, optionsSeen, proto, matches);
    Origin origin = Origin.of(new SourcePos(file, ln, 1), "line " + ln);
    return new Parsed(chain, new Rule(matches, target, comment, origin));
  }

  /**
   * A port module with no options ({@code -p tcp -m tcp}) still refuses non-first fragments;
   * it reads as a match of every destination port, which the emitter prints the same way.
   */
  private static void bareModule(String module, int optionsSeen, int proto, List<Match> out) {
    if (module != null && optionsSeen == 0 && Protocols.hasPorts(proto)
        && Protocols.portModule(proto).equals(module)) {
      out.add(new Match.Ports(Side.DST, List.of(PortRange.ALL), false));
    }
  }

  private static final Set<String> KNOWN_MODULES =
      Set.of("tcp", "udp", "sctp", "dccp", "multiport", "icmp", "icmp6", "conntrack", "state",
          "comment", "mark", "connmark", "dscp", "tos", "length", "ttl", "hl", "addrtype",
          "iprange", "set", "limit", "statistic");

  private static boolean moduleOption(String mod, String o) {
    return switch (mod) {
      case "tcp" -> Set.of("--sport", "--source-port", "--dport", "--destination-port",
          "--tcp-flags", "--syn").contains(o);
      case "udp", "sctp", "dccp" -> Set.of("--sport", "--source-port", "--dport",
          "--destination-port").contains(o);
      case "multiport" -> Set.of("--sports", "--source-ports", "--dports", "--destination-ports")
          .contains(o);
      case "icmp" -> o.equals("--icmp-type");
      case "icmp6" -> o.equals("--icmpv6-type");
      case "conntrack" -> o.equals("--ctstate");
      case "state" -> o.equals("--state");
      case "comment" -> o.equals("--comment");
      case "mark", "connmark" -> o.equals("--mark");
      case "dscp" -> o.equals("--dscp") || o.equals("--dscp-class");
      case "tos" -> o.equals("--tos");
      case "length" -> o.equals("--length");
      case "ttl" -> Set.of("--ttl-eq", "--ttl-lt", "--ttl-gt").contains(o);
      case "hl" -> Set.of("--hl-eq", "--hl-lt", "--hl-gt").contains(o);
      case "addrtype" -> o.equals("--src-type") || o.equals("--dst-type");
      case "iprange" -> o.equals("--src-range") || o.equals("--dst-range");
      case "set" -> o.equals("--match-set");
      case "limit" -> o.equals("--limit") || o.equals("--limit-burst");
      case "statistic" -> Set.of("--mode", "--probability", "--every", "--packet").contains(o);
      default -> false;
    };
  }

  private static String implicitModule(int proto, String o) {
    String mod = switch (proto) {
      case Protocols.TCP -> "tcp";
      case Protocols.UDP -> "udp";
      case Protocols.SCTP -> "sctp";
      case Protocols.DCCP -> "dccp";
      case Protocols.ICMP -> "icmp";
      case Protocols.ICMPV6 -> "icmp6";
      default -> null;
    };
    return mod != null && moduleOption(mod, o) ? mod : null;
  }

  /** Pending statistic options, combined when the rule is complete. */
  private void moduleOption(String mod, String o, boolean neg, Line l, Token t, int proto,
      List<Match> out) throws ParseException {
    switch (mod) {
      case "tcp", "udp", "sctp", "dccp" -> {
        if (proto == 0 || !Protocols.portModule(proto).equals(mod)) {
          throw l.fail(t, "-m " + mod + " needs -p " + mod);
        }
        switch (o) {
          case "--sport", "--source-port" -> out.add(new Match.Ports(Side.SRC,
              List.of(portRange(l.value(o), l, t)), neg));
          case "--dport", "--destination-port" -> out.add(new Match.Ports(Side.DST,
              List.of(portRange(l.value(o), l, t)), neg));
          case "--tcp-flags" -> {
            int mask = flags(l.value(o), l, t);
            int comp = flags(l.value(o), l, t);
            out.add(new Match.TcpFlags(mask, comp, neg));
          }
          case "--syn" -> out.add(new Match.TcpFlags(Netfilter.TCP_SYN_MASK, Netfilter.TCP_SYN, neg));
          default -> throw new AssertionError(o);
        }
      }
      case "multiport" -> {
        if (!Protocols.hasPorts(proto)) {
          throw l.fail(t, "multiport needs -p tcp, udp, sctp or dccp");
        }
        List<PortRange> ranges = new ArrayList<>();
        for (String p : l.value(o).split(",", -1)) {
          ranges.add(portRange(p, l, t));
        }
        Match.Ports ports = new Match.Ports(o.startsWith("--s") ? Side.SRC : Side.DST, ranges,
            neg);
        if (ports.slots() > 15) {
          throw l.fail(t, "multiport takes at most 15 ports (a range counts twice)");
        }
        out.add(ports);
      }
      case "icmp", "icmp6" -> {
        Family f = mod.equals("icmp") ? Family.IPV4 : Family.IPV6;
        if (f != family) {
          throw l.fail(t, "-m " + mod + " in a " + family + " rule set");
        }
        String v = l.value(o);
        if (v.equals("any")) {
          out.add(new Match.Icmp(f, 0xff, 0, 0xff, neg));
        } else {
          IcmpTypes.TypeCode tc = IcmpTypes.resolve(f, v);
          if (tc == null) {
            throw l.fail(t, "unknown ICMP type '" + v + "'");
          }
          out.add(new Match.Icmp(f, tc.type(), tc.codeLo(), tc.codeHi(), neg));
        }
      }
      case "conntrack", "state" -> {
        Set<ConnState> states = EnumSet.noneOf(ConnState.class);
        for (String s : l.value(o).split(",", -1)) {
          try {
            states.add(ConnState.valueOf(s.toUpperCase(Locale.ROOT)));
          } catch (IllegalArgumentException e) {
            throw l.fail(t, "unsupported conntrack state '" + s + "'");
          }
        }
        out.add(new Match.CtState(states, neg));
      }
      case "mark", "connmark" -> {
        long[] vm = valueMask(l.value(o), Netfilter.MARK_MAX, l, t);
        out.add(mod.equals("mark") ? new Match.Mark(vm[0], vm[1], neg)
            : new Match.ConnMark(vm[0], vm[1], neg));
      }
      case "dscp" -> {
        String v = l.value(o);
        int d;
        if (o.equals("--dscp-class")) {
          Integer c = Netfilter.DSCP_CLASSES.get(v.toUpperCase(Locale.ROOT));
          if (c == null) {
            throw l.fail(t, "unknown DSCP class '" + v + "'");
          }
          d = c;
        } else {
          d = (int) number(v, 63, l, t);
        }
        out.add(new Match.Dscp(d, neg));
      }
      case "tos" -> {
        long[] vm = valueMask(l.value(o), 0xff, l, t);
        out.add(new Match.Tos((int) vm[0], (int) vm[1], neg));
      }
      case "length" -> {
        String v = l.value(o);
        String[] p = v.split(":", -1);
        int lo = p[0].isEmpty() ? 0 : (int) number(p[0], 65535, l, t);
        int hi = p.length == 1 ? lo : p[1].isEmpty() ? 65535 : (int) number(p[1], 65535, l, t);
        if (lo > hi) {
          throw l.fail(t, "reversed length range");
        }
        out.add(new Match.Length(lo, hi, neg));
      }
      case "ttl", "hl" -> {
        int v = (int) number(l.value(o), 255, l, t);
        String op = o.substring(o.length() - 2);
        Match.Ttl.Op kind = switch (op) {
          case "eq" -> neg ? Match.Ttl.Op.NE : Match.Ttl.Op.EQ;
          case "lt" -> Match.Ttl.Op.LT;
          case "gt" -> Match.Ttl.Op.GT;
          default -> throw new AssertionError(op);
        };
        if (neg && !op.equals("eq")) {
          throw l.fail(t, "only --" + mod + "-eq can be negated");
        }
        if ((mod.equals("ttl")) != (family == Family.IPV4)) {
          throw l.fail(t, "-m " + mod + " in a " + family + " rule set");
        }
        out.add(new Match.Ttl(kind, v));
      }
      case "addrtype" -> {
        Set<AddressType> types = EnumSet.noneOf(AddressType.class);
        for (String s : l.value(o).split(",", -1)) {
          try {
            types.add(AddressType.valueOf(s));
          } catch (IllegalArgumentException e) {
            throw l.fail(t, "unsupported address type '" + s + "'");
          }
        }
        out.add(new Match.AddrType(o.equals("--src-type") ? Side.SRC : Side.DST, types, neg));
      }
      case "iprange" -> {
        String v = l.value(o);
        IpRange r;
        try {
          r = IpRange.parse(v);
        } catch (IllegalArgumentException e) {
          throw l.fail(t, e.getMessage());
        }
        if (r.family() != family || v.indexOf('/') >= 0) {
          throw l.fail(t, "bad range '" + v + "'");
        }
        out.add(new Match.Addr(o.equals("--src-range") ? Side.SRC : Side.DST, r, neg));
      }
      case "set" -> {
        String name = l.value(o);
        List<Side> dirs = new ArrayList<>();
        for (String d : l.value(o).split(",", -1)) {
          switch (d) {
            case "src" -> dirs.add(Side.SRC);
            case "dst" -> dirs.add(Side.DST);
            default -> throw l.fail(t, "set direction must be src or dst, not '" + d + "'");
          }
        }
        out.add(new Match.InSet(name, dirs, neg));
      }
      case "limit" -> {
        if (neg) {
          throw l.fail(t, "limit cannot be negated");
        }
        Match.Limit prev = null;
        int at = -1;
        for (int k = out.size() - 1; k >= 0; k--) {
          if (out.get(k) instanceof Match.Limit lm) {
            prev = lm;
            at = k;
            break;
          }
        }
        if (o.equals("--limit")) {
          Match.Limit lm = limit(l.value(o), prev == null ? 5 : prev.burst(), l, t);
          if (prev != null) {
            out.set(at, lm);
          } else {
            out.add(lm);
          }
        } else {
          int burst = (int) number(l.value(o), 10000, l, t);
          if (prev != null) {
            out.set(at, new Match.Limit(prev.avg(), burst));
          } else {
            out.add(new Match.Limit(Match.Limit.SCALE * 3600 / 3, burst)); // default 3/hour
          }
        }
      }
      case "statistic" -> statisticOption(o, neg, l, t, out);
      default -> throw l.fail(t, "unsupported match module '" + mod + "'");
    }
  }

  private void statisticOption(String o, boolean neg, Line l, Token t, List<Match> out)
      throws ParseException {
    int at = -1;
    Match.Statistic prev = null;
    for (int k = out.size() - 1; k >= 0; k--) {
      if (out.get(k) instanceof Match.Statistic s) {
        prev = s;
        at = k;
        break;
      }
    }
    switch (o) {
      case "--mode" -> {
        String v = l.value(o);
        if (neg) {
          throw l.fail(t, "--mode cannot be negated");
        }
        if (!v.equals("random") && !v.equals("nth")) {
          throw l.fail(t, "statistic mode must be random or nth");
        }
        out.add(new Match.Statistic(v.equals("nth"), 0, 1, 0, false));
      }
      case "--probability" -> {
        double p;
        try {
          p = Double.parseDouble(l.value(o));
        } catch (NumberFormatException e) {
          throw l.fail(t, "bad probability");
        }
        if (prev == null || prev.nth() || !(p >= 0 && p <= 1)) {
          throw l.fail(t, "--probability needs --mode random and a value in 0..1");
        }
        out.set(at, new Match.Statistic(false, Math.round(0x80000000L * p), 0, 0,
            neg || prev.negated()));
      }
      case "--every" -> {
        long v = number(l.value(o), Netfilter.MARK_MAX, l, t);
        if (prev == null || !prev.nth() || v < 1) {
          throw l.fail(t, "--every needs --mode nth and a value of at least 1");
        }
        out.set(at, new Match.Statistic(true, 0, (int) v, prev.packet(), neg || prev.negated()));
      }
      case "--packet" -> {
        long v = number(l.value(o), Netfilter.MARK_MAX, l, t);
        if (prev == null || !prev.nth() || v >= prev.every()) {
          throw l.fail(t, "--packet needs --mode nth and a value below --every");
        }
        out.set(at, new Match.Statistic(true, 0, prev.every(), (int) v, neg || prev.negated()));
      }
      default -> throw new AssertionError(o);
    }
  }

  private Target target(Line l, Token jt, int proto) throws ParseException {
    String name = l.value("-j");
    switch (name) {
      case "ACCEPT":
        return new Target.Accept();
      case "DROP":
        return new Target.Drop();
      case "RETURN":
        return new Target.Return();
      case "REJECT": {
        String with = Netfilter.defaultReject(family);
        while (l.more() && l.peek().text().equals("--reject-with")) {
          Token t = l.next();
          with = rejectName(l.value(t.text()), l, t, proto);
        }
        return new Target.Reject(with);
      }
      case "LOG": {
        String prefix = null;
        int level = Netfilter.LOG_DEFAULT_LEVEL;
        while (l.more() && l.peek().text().startsWith("--log-")) {
          Token t = l.next();
          switch (t.text()) {
            case "--log-prefix" -> prefix = l.value(t.text());
            case "--log-level" -> {
              String v = l.value(t.text()).toLowerCase(Locale.ROOT);
              Integer named = Netfilter.LOG_LEVELS.get(v);
              level = named != null ? named : (int) number(v, 7, l, t);
            }
            default -> throw l.fail(t, "unsupported LOG option " + t.text());
          }
        }
        return new Target.Log(prefix, level);
      }
      case "DNAT":
      case "SNAT": {
        Token t = l.next();
        String want = name.equals("DNAT") ? "--to-destination" : "--to-source";
        if (!t.text().equals(want)) {
          throw l.fail(t, name + " needs " + want);
        }
        Object[] r = natRange(l.value(want), l, t);
        return name.equals("DNAT")
            ? new Target.Dnat((IpRange) r[0], (PortRange) r[1])
            : new Target.Snat((IpRange) r[0], (PortRange) r[1]);
      }
      case "MASQUERADE":
      case "REDIRECT": {
        PortRange ports = null;
        if (l.more() && l.peek().text().equals("--to-ports")) {
          Token t = l.next();
          ports = portRange(l.value(t.text()).replace('-', ':'), l, t);
        }
        return name.equals("MASQUERADE") ? new Target.Masquerade(ports)
            : new Target.Redirect(ports);
      }
      case "MARK":
        return markTarget(l);
      case "CONNMARK":
        return connmarkTarget(l);
      case "DSCP": {
        Token t = l.next();
        if (t.text().equals("--set-dscp")) {
          return new Target.Dscp((int) number(l.value(t.text()), 63, l, t));
        }
        if (t.text().equals("--set-dscp-class")) {
          Integer c = Netfilter.DSCP_CLASSES.get(l.value(t.text()).toUpperCase(Locale.ROOT));
          if (c == null) {
            throw l.fail(t, "unknown DSCP class");
          }
          return new Target.Dscp(c);
        }
        throw l.fail(t, "DSCP needs --set-dscp");
      }
      case "TOS": {
        Token t = l.next();
        if (!t.text().equals("--set-tos")) {
          throw l.fail(t, "TOS needs --set-tos");
        }
        long[] vm = valueMask(l.value(t.text()), 0xff, l, t);
        return new Target.Tos((int) vm[0], (int) vm[1]);
      }
      case "TTL":
      case "HL": {
        Token t = l.next();
        String p = name.equals("TTL") ? "--ttl-" : "--hl-";
        if (!t.text().startsWith(p)) {
          throw l.fail(t, name + " needs " + p + "set, inc or dec");
        }
        if (name.equals("TTL") != (family == Family.IPV4)) {
          throw l.fail(jt, name + " in a " + family + " rule set");
        }
        int v = (int) number(l.value(t.text()), 255, l, t);
        return switch (t.text().substring(p.length())) {
          case "set" -> new Target.Ttl(Target.Ttl.Op.SET, v);
          case "inc" -> new Target.Ttl(Target.Ttl.Op.INC, v);
          case "dec" -> new Target.Ttl(Target.Ttl.Op.DEC, v);
          default -> throw l.fail(t, "unknown option " + t.text());
        };
      }
      case "TCPMSS": {
        Token t = l.next();
        if (t.text().equals("--clamp-mss-to-pmtu")) {
          return new Target.TcpMss(0);
        }
        if (t.text().equals("--set-mss")) {
          return new Target.TcpMss((int) number(l.value(t.text()), 65495, l, t));
        }
        throw l.fail(t, "TCPMSS needs --clamp-mss-to-pmtu or --set-mss");
      }
      case "CT": {
        Token t = l.next();
        if (!t.text().equals("--notrack")) {
          throw l.fail(t, "only CT --notrack is supported");
        }
        return new Target.NoTrack();
      }
      case "NOTRACK":
        return new Target.NoTrack();
      default:
        if (name.startsWith("-") || name.isEmpty()) {
          throw l.fail(jt, "bad target '" + name + "'");
        }
        if (name.equals(name.toUpperCase(Locale.ROOT)) && Netfilter.RESERVED_TARGET_NAMES.contains(name)) {
          throw l.fail(jt, "unsupported target " + name);
        }
        return new Target.Jump(name);
    }
  }

  private Target markTarget(Line l) throws ParseException {
    Token t = l.next();
    long max = Netfilter.MARK_MAX;
    String v = l.value(t.text());
    switch (t.text()) {
      case "--set-xmark" -> {
        long[] vm = valueMask(v, max, l, t);
        return new Target.Mark(vm[0], vm[1]);
      }
      case "--set-mark" -> {
        long[] vm = valueMask(v, max, l, t);
        return new Target.Mark(vm[0], v.indexOf('/') < 0 ? max : vm[0] | vm[1]);
      }
      case "--or-mark" -> {
        long x = number(v, max, l, t);
        return new Target.Mark(x, x);
      }
      case "--and-mark" -> {
        return new Target.Mark(0, ~number(v, max, l, t) & max);
      }
      case "--xor-mark" -> {
        return new Target.Mark(number(v, max, l, t), 0);
      }
      default -> throw l.fail(t, "unsupported MARK option " + t.text());
    }
  }

  private Target connmarkTarget(Line l) throws ParseException {
    Token t = l.next();
    long max = Netfilter.MARK_MAX;
    switch (t.text()) {
      case "--set-xmark", "--set-mark" -> {
        String v = l.value(t.text());
        long[] vm = valueMask(v, max, l, t);
        long mask = t.text().equals("--set-xmark") || v.indexOf('/') < 0
            ? vm[1] : vm[0] | vm[1];
        return new Target.ConnMark(Target.ConnMark.Mode.SET, vm[0], mask, 0, 0);
      }
      case "--save-mark", "--restore-mark" -> {
        long nf = max;
        long ct = max;
        while (l.more() && l.peek().text().endsWith("mask")) {
          Token m = l.next();
          long v = number(l.value(m.text()), max, l, m);
          switch (m.text()) {
            case "--nfmask" -> nf = v;
            case "--ctmask" -> ct = v;
            case "--mask" -> {
              nf = v;
              ct = v;
            }
            default -> throw l.fail(m, "unsupported CONNMARK option " + m.text());
          }
        }
        return new Target.ConnMark(t.text().equals("--save-mark") ? Target.ConnMark.Mode.SAVE
            : Target.ConnMark.Mode.RESTORE, 0, 0, nf, ct);
      }
      default -> throw l.fail(t, "unsupported CONNMARK option " + t.text());
    }
  }

  private String rejectName(String v, Line l, Token t, int proto) throws ParseException {
    String canonical = Netfilter.rejectName(family, v);
    if (canonical == null) {
      throw l.fail(t, "unknown reject type '" + v + "'");
    }
    if (canonical.equals(Netfilter.TCP_RESET) && proto != Protocols.TCP) {
      throw l.fail(t, "tcp-reset needs -p tcp");
    }
    return canonical;
  }

  // ------------------------------------------------------------------ values

  private IpRange cidr(String v, Line l, Token t) throws ParseException {
    if (v.indexOf(',') >= 0) {
      throw l.fail(t, "comma-separated addresses expand to several rules; not supported");
    }
    try {
      int slash = v.indexOf('/');
      IpRange r;
      if (slash >= 0 && v.substring(slash + 1).indexOf('.') >= 0) {
        // a dotted netmask: only contiguous ones are prefixes
        IpAddr mask = IpAddr.parse(v.substring(slash + 1));
        long m = mask.lo();
        int len = Long.bitCount(m);
        if (mask.family() != Family.IPV4 || m != ((0xffffffffL << (32 - len)) & 0xffffffffL)) {
          throw new IllegalArgumentException("non-contiguous netmask " + mask + " is not supported");
        }
        r = IpRange.prefix(IpAddr.parse(v.substring(0, slash)), len);
      } else {
        r = IpRange.parse(v);
      }
      if (r.family() != family) {
        throw new IllegalArgumentException(v + " is not an " + family + " address");
      }
      if (!r.isPrefix()) {
        throw new IllegalArgumentException(v + " is not an address or prefix");
      }
      return r;
    } catch (IllegalArgumentException e) {
      throw l.fail(t, e.getMessage());
    }
  }

  private static PortRange portRange(String v, Line l, Token t) throws ParseException {
    String[] p = v.split(":", -1);
    try {
      if (p.length == 1) {
        int port = Integer.parseInt(p[0]);
        return new PortRange(port, port);
      }
      if (p.length == 2) {
        int lo = p[0].isEmpty() ? 0 : Integer.parseInt(p[0]);
        int hi = p[1].isEmpty() ? 65535 : Integer.parseInt(p[1]);
        return new PortRange(lo, hi);
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw l.fail(t, "bad port or port range '" + v + "'");
  }

  private static int flags(String v, Line l, Token t) throws ParseException {
    int bits = 0;
    for (String f : v.split(",", -1)) {
      int b = Netfilter.tcpFlag(f);
      if (b < 0) {
        throw l.fail(t, "unknown TCP flag '" + f + "'");
      }
      bits |= b;
    }
    return bits;
  }


  private static long number(String v, long max, Line l, Token t) throws ParseException {
    try {
      if (!v.matches("(0[xX][0-9a-fA-F]{1,8})|[0-9]{1,10}")) {
        throw new NumberFormatException();
      }
      long n = v.startsWith("0x") || v.startsWith("0X") ? Long.parseLong(v.substring(2), 16)
          : Long.parseLong(v);
      if (n < 0 || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw l.fail(t, "bad number '" + v + "'");
    }
  }

  private static long[] valueMask(String v, long max, Line l, Token t) throws ParseException {
    int slash = v.indexOf('/');
    if (slash < 0) {
      return new long[] {number(v, max, l, t), max};
    }
    return new long[] {number(v.substring(0, slash), max, l, t),
        number(v.substring(slash + 1), max, l, t)};
  }

  private static Match.Limit limit(String v, int burst, Line l, Token t) throws ParseException {
    int slash = v.indexOf('/');
    long secs = 1;
    String count = v;
    if (slash >= 0) {
      count = v.substring(0, slash);
      String unit = v.substring(slash + 1).toLowerCase(Locale.ROOT);
      if (unit.isEmpty()) {
        throw l.fail(t, "bad rate unit");
      } else if ("second".startsWith(unit)) {
        secs = 1;
      } else if ("minute".startsWith(unit)) {
        secs = 60;
      } else if ("hour".startsWith(unit)) {
        secs = 3600;
      } else if ("day".startsWith(unit)) {
        secs = 86400;
      } else {
        throw l.fail(t, "bad rate unit '" + unit + "'");
      }
    }
    long n = number(count, 1_000_000, l, t);
    if (n == 0 || Match.Limit.SCALE * secs / n == 0) {
      throw l.fail(t, "rate '" + v + "' out of range");
    }
    return Match.Limit.of(n, secs, burst);
  }

  /** {@code addr[-addr][:port[-port]]} or {@code [v6[-v6]]:port}; {addrs, ports}. */
  private Object[] natRange(String v, Line l, Token t) throws ParseException {
    String addr = v;
    String ports = null;
    if (v.startsWith("[")) {
      int close = v.indexOf(']');
      if (close < 0) {
        throw l.fail(t, "missing ']'");
      }
      addr = v.substring(1, close);
      if (close + 1 < v.length()) {
        if (v.charAt(close + 1) != ':') {
          throw l.fail(t, "bad NAT range '" + v + "'");
        }
        ports = v.substring(close + 2);
      }
    } else if (family == Family.IPV4 && v.indexOf(':') >= 0) {
      addr = v.substring(0, v.indexOf(':'));
      ports = v.substring(v.indexOf(':') + 1);
    }
    IpRange r = null;
    if (!addr.isEmpty()) {
      try {
        r = IpRange.parse(addr);
      } catch (IllegalArgumentException e) {
        throw l.fail(t, e.getMessage());
      }
      if (r.family() != family || addr.indexOf('/') >= 0) {
        throw l.fail(t, "bad NAT address '" + addr + "'");
      }
    }
    PortRange p = ports == null ? null : portRange(ports.replace('-', ':'), l, t);
    if (r == null && p == null) {
      throw l.fail(t, "empty NAT range");
    }
    return new Object[] {r, p};
  }

  private ParseException error(int line, int col, String msg) {
    return new ParseException(new SourcePos(file, line, col), msg);
  }
}
