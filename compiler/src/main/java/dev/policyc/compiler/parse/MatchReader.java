package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the options of a rule's match modules ({@code -m tcp --dport 22}, {@code -m conntrack
 * --ctstate NEW}, …) into matches, knowing which module takes which option and which modules
 * iptables loads implicitly after {@code -p}.
 */
final class MatchReader {
  /** The match modules the reader understands. */
  static final Set<String> KNOWN_MODULES =
      Set.of("tcp", "udp", "sctp", "dccp", "multiport", "icmp", "icmp6", "conntrack", "state",
          "comment", "mark", "connmark", "dscp", "tos", "length", "ttl", "hl", "addrtype",
          "iprange", "set", "limit", "statistic", "recent", "nfacct", "ipvs",
          "physdev");

  /** The options of {@code -m recent} ({@link RecentOptions} reads them). */
  static final Set<String> RECENT_OPTIONS = Set.of("--name", "--set", "--rcheck", "--update",
      "--remove", "--seconds", "--reap", "--hitcount", "--rttl", "--mask", "--rsource",
      "--rdest");

  private MatchReader() {}

  /**
   * A port module with no options ({@code -p tcp -m tcp}) still refuses non-first fragments;
   * it reads as a match of every destination port, which the emitter prints the same way.
   */
  static void bareModule(String module, int optionsSeen, int proto, List<Match> out) {
    if (module != null && optionsSeen == 0 && Protocols.hasPorts(proto)
        && Protocols.portModule(proto).equals(module)) {
      out.add(new Match.Ports(Side.DST, List.of(PortRange.ALL), false));
    }
  }

  /** Whether match module {@code mod} takes option {@code o}. */
  static boolean takes(String mod, String o) {
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
      case "recent" -> RECENT_OPTIONS.contains(o);
      case "nfacct" -> o.equals("--nfacct-name");
      case "ipvs" -> IpvsOptions.OPTIONS.contains(o);
      case "physdev" -> PhysdevOptions.OPTIONS.contains(o);
      default -> false;
    };
  }

  /**
   * The module iptables loads implicitly for option {@code o} after {@code -p}: tcp, udp, sctp,
   * dccp, icmp or icmp6 when it takes the option, else null.
   */
  static String implicitModule(int proto, String o) {
    String mod = switch (proto) {
      case Protocols.TCP -> "tcp";
      case Protocols.UDP -> "udp";
      case Protocols.SCTP -> "sctp";
      case Protocols.DCCP -> "dccp";
      case Protocols.ICMP -> "icmp";
      case Protocols.ICMPV6 -> "icmp6";
      default -> null;
    };
    return mod != null && takes(mod, o) ? mod : null;
  }

  /**
   * Reads option {@code o} (token {@code t}, negated when {@code neg}) of module {@code mod} and
   * adds its match to {@code out}; options that refine an earlier one (a limit's burst, the
   * statistic's mode and values) replace that match.
   */
  static void option(String mod, String o, boolean neg, RuleLine l, Token t, int proto,
      List<Match> out) throws ParseException {
    switch (mod) {
      case "tcp", "udp", "sctp", "dccp" -> {
        if (proto == 0 || !Protocols.portModule(proto).equals(mod)) {
          throw l.fail(t, "-m " + mod + " needs -p " + mod);
        }
        switch (o) {
          case "--sport", "--source-port" -> out.add(new Match.Ports(Side.SRC,
              List.of(Values.portRange(l.value(o), l, t)), neg));
          case "--dport", "--destination-port" -> out.add(new Match.Ports(Side.DST,
              List.of(Values.portRange(l.value(o), l, t)), neg));
          case "--tcp-flags" -> {
            int mask = Values.tcpFlags(l.value(o), l, t);
            int comp = Values.tcpFlags(l.value(o), l, t);
            out.add(new Match.TcpFlags(mask, comp, neg));
          }
          case "--syn" ->
              out.add(new Match.TcpFlags(Netfilter.TCP_SYN_MASK, Netfilter.TCP_SYN, neg));
          default -> throw new AssertionError(o);
        }
      }
      case "multiport" -> {
        if (!Protocols.hasPorts(proto)) {
          throw l.fail(t, "multiport needs -p tcp, udp, sctp or dccp");
        }
        List<PortRange> ranges = new ArrayList<>();
        for (String p : l.value(o).split(",", -1)) {
          ranges.add(Values.portRange(p, l, t));
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
        if (f != l.family()) {
          throw l.fail(t, "-m " + mod + " in a " + l.family() + " rule set");
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
        boolean snat = false;
        boolean dnat = false;
        for (String s : l.value(o).split(",", -1)) {
          String st = s.toUpperCase(Locale.ROOT);
          // conntrack's virtual states: the connection's tuple changed by NAT (not -m state)
          if (mod.equals("conntrack") && st.equals("SNAT")) {
            snat = true;
            continue;
          }
          if (mod.equals("conntrack") && st.equals("DNAT")) {
            dnat = true;
            continue;
          }
          try {
            states.add(ConnState.valueOf(st));
          } catch (IllegalArgumentException e) {
            throw l.fail(t, "unsupported conntrack state '" + s + "'");
          }
        }
        out.add(new Match.CtState(states, snat, dnat, neg));
      }
      case "nfacct" -> {
        if (neg) {
          throw l.fail(t, "nfacct cannot be negated");
        }
        out.add(new Match.Nfacct(l.value(o)));
      }
      case "mark", "connmark" -> {
        long[] vm = Values.valueMask(l.value(o), Netfilter.MARK_MAX, l, t);
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
          d = (int) Values.number(v, 63, l, t);
        }
        out.add(new Match.Dscp(d, neg));
      }
      case "tos" -> {
        long[] vm = Values.valueMask(l.value(o), 0xff, l, t);
        out.add(new Match.Tos((int) vm[0], (int) vm[1], neg));
      }
      case "length" -> {
        String v = l.value(o);
        String[] p = v.split(":", -1);
        int lo = p[0].isEmpty() ? 0 : (int) Values.number(p[0], 65535, l, t);
        int hi = p.length == 1 ? lo
            : p[1].isEmpty() ? 65535 : (int) Values.number(p[1], 65535, l, t);
        if (lo > hi) {
          throw l.fail(t, "reversed length range");
        }
        out.add(new Match.Length(lo, hi, neg));
      }
      case "ttl", "hl" -> {
        int v = (int) Values.number(l.value(o), 255, l, t);
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
        if ((mod.equals("ttl")) != (l.family() == Family.IPV4)) {
          throw l.fail(t, "-m " + mod + " in a " + l.family() + " rule set");
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
        if (r.family() != l.family() || v.indexOf('/') >= 0) {
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
          Match.Limit lm = Values.rate(l.value(o), prev == null ? 5 : prev.burst(), l, t);
          if (prev != null) {
            out.set(at, lm);
          } else {
            out.add(lm);
          }
        } else {
          int burst = (int) Values.number(l.value(o), 10000, l, t);
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

  /** {@code --mode} starts a statistic match; the options after it fill it in. */
  private static void statisticOption(String o, boolean neg, RuleLine l, Token t,
      List<Match> out)
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
        long v = Values.number(l.value(o), Netfilter.MARK_MAX, l, t);
        if (prev == null || !prev.nth() || v < 1) {
          throw l.fail(t, "--every needs --mode nth and a value of at least 1");
        }
        out.set(at, new Match.Statistic(true, 0, (int) v, prev.packet(), neg || prev.negated()));
      }
      case "--packet" -> {
        long v = Values.number(l.value(o), Netfilter.MARK_MAX, l, t);
        if (prev == null || !prev.nth() || v >= prev.every()) {
          throw l.fail(t, "--packet needs --mode nth and a value below --every");
        }
        out.set(at, new Match.Statistic(true, 0, prev.every(), (int) v, neg || prev.negated()));
      }
      default -> throw new AssertionError(o);
    }
  }
}
