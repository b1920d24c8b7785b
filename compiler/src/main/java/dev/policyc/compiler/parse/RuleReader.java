package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one rule line, {@code -A CHAIN} and its options in order: the generic matches ({@code
 * -s}, {@code -d}, {@code -i}, {@code -o}, {@code -p}, {@code -f}), {@code !}, the match modules
 * ({@link MatchReader}) and the target ({@link TargetReader}).
 */
final class RuleReader {
  private RuleReader() {}

  /** A rule, the chain it is appended to, and the arguments of its line (for error columns). */
  record Parsed(String chain, Rule rule, List<Token> tokens) {}

  /** Reads line {@code ln} of {@code file}, a rule of {@code family}. */
  static Parsed read(String file, Family family, int ln, String text) throws ParseException {
    RuleLine l = RuleLine.of(file, family, ln, text);
    try {
      return read(l);
    } catch (IllegalArgumentException e) {
      // an IR value that refuses what the line says (-i "", found by FrontEndFuzzTest): an
      // error at the argument read last, never an exception out of the reader
      throw l.failAtLast(e.getMessage());
    }
  }

  /** Ends a {@code -m recent} module: its match joins the rule's; null for the next module. */
  private static RecentOptions endRecent(RecentOptions recent, RuleLine l, List<Match> matches)
      throws ParseException {
    if (recent != null) {
      matches.add(recent.build(l));
    }
    return null;
  }

  /** Ends a {@code -m ipvs} module: its match joins the rule's; null for the next module. */
  private static IpvsOptions endIpvs(IpvsOptions ipvs, RuleLine l, List<Match> matches)
      throws ParseException {
    if (ipvs != null) {
      matches.add(ipvs.build(l));
    }
    return null;
  }

  /** Ends a {@code -m physdev} module: its match joins the rule's; null for the next module. */
  private static PhysdevOptions endPhysdev(PhysdevOptions physdev, RuleLine l,
      List<Match> matches) throws ParseException {
    if (physdev != null) {
      matches.add(physdev.build(l));
    }
    return null;
  }

  private static Parsed read(RuleLine l) throws ParseException {
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
    RecentOptions recent = null;
    IpvsOptions ipvs = null;
    PhysdevOptions physdev = null;
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
            Values.cidr(l.value(o), l, t), neg));
        case "-d", "--destination", "--dst" -> matches.add(new Match.Addr(Side.DST,
            Values.cidr(l.value(o), l, t), neg));
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
          if (l.family() != Family.IPV4) {
            throw l.fail(t, "-f is IPv4 only");
          }
          matches.add(new Match.Fragment(neg));
        }
        case "-m", "--match" -> {
          MatchReader.bareModule(module, optionsSeen, proto, matches);
          recent = endRecent(recent, l, matches);
          ipvs = endIpvs(ipvs, l, matches);
          physdev = endPhysdev(physdev, l, matches);
          optionsSeen = 0;
          module = l.value(o);
          if (neg) {
            throw l.fail(negTok, "'!' before -m");
          }
          if (!MatchReader.KNOWN_MODULES.contains(module)) {
            throw l.fail(t, "unsupported match module '" + module + "'");
          }
          if (module.equals("recent")) {
            recent = new RecentOptions(t, l.family());
          } else if (module.equals("ipvs")) {
            ipvs = new IpvsOptions(t, l.family());
          } else if (module.equals("physdev")) {
            physdev = new PhysdevOptions(t);
          }
        }
        case "-j", "--jump" -> {
          MatchReader.bareModule(module, optionsSeen, proto, matches);
          recent = endRecent(recent, l, matches);
          ipvs = endIpvs(ipvs, l, matches);
          physdev = endPhysdev(physdev, l, matches);
          module = null;
          if (haveTarget) {
            throw l.fail(t, "more than one target");
          }
          haveTarget = true;
          target = TargetReader.target(l, t, proto);
        }
        case "-g", "--goto" -> {
          MatchReader.bareModule(module, optionsSeen, proto, matches);
          recent = endRecent(recent, l, matches);
          ipvs = endIpvs(ipvs, l, matches);
          physdev = endPhysdev(physdev, l, matches);
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
          if (mod == null || !MatchReader.takes(mod, o)) {
            // iptables loads tcp/udp/icmp implicitly for their options after -p.
            mod = MatchReader.implicitModule(proto, o);
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
          } else if (mod.equals("recent")) {
            recent.option(o, neg, l, t);
          } else if (mod.equals("ipvs")) {
            ipvs.option(o, neg, l, t);
          } else if (mod.equals("physdev")) {
            physdev.option(o, neg, l, t);
          } else {
            MatchReader.option(mod, o, neg, l, t, proto, matches);
          }
        }
      }
    }
    if (negate) {
      throw l.fail(negTok, "'!' at end of rule");
    }
    MatchReader.bareModule(module, optionsSeen, proto, matches);
    endRecent(recent, l, matches);
    endIpvs(ipvs, l, matches);
    endPhysdev(physdev, l, matches);
    Origin origin = Origin.of(l.pos(), "line " + l.lineNumber());
    return new Parsed(chain, new Rule(matches, target, comment, origin), l.tokens());
  }
}
