package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.Family;
import java.util.Locale;
import java.util.Set;

/**
 * The options of one {@code -m ipvs} module, in any order, made into a {@link Match.Ipvs} when
 * the module ends, as libxt_ipvs parses them: {@code [!] --ipvs}, {@code [!] --vproto PROTO}
 * (name or number), {@code [!] --vaddr ADDR[/MASK]} (a prefix length or a mask, which need not
 * be contiguous), {@code [!] --vport PORT}, {@code --vdir ORIGINAL|REPLY}, {@code [!] --vmethod
 * GATE|IPIP|MASQ} (any case), {@code [!] --vportctl PORT}; each at most once, at least one, and
 * {@code ! --ipvs} alone.
 */
final class IpvsOptions {
  /** The options of {@code -m ipvs}. */
  static final Set<String> OPTIONS = Set.of("--ipvs", "--vproto", "--vaddr", "--vport", "--vdir",
      "--vmethod", "--vportctl");

  private final Token module;
  private final Family family;
  private int bitmask;
  private int invert;
  private int l4proto;
  private IpAddr vaddr;
  private IpAddr vmask;
  private int vport;
  private int fwdMethod;
  private int vportctl;

  /** The options after {@code -m ipvs} (token {@code module}). */
  IpvsOptions(Token module, Family family) {
    this.module = module;
    this.family = family;
  }

  /** Reads option {@code o} (token {@code t}, negated when {@code neg}). */
  void option(String o, boolean neg, RuleLine l, Token t) throws ParseException {
    int bit = switch (o) {
      case "--ipvs" -> Match.Ipvs.PROPERTY;
      case "--vproto" -> Match.Ipvs.PROTO;
      case "--vaddr" -> Match.Ipvs.VADDR;
      case "--vport" -> Match.Ipvs.VPORT;
      case "--vdir" -> Match.Ipvs.DIR;
      case "--vmethod" -> Match.Ipvs.METHOD;
      case "--vportctl" -> Match.Ipvs.VPORTCTL;
      default -> throw new AssertionError(o);
    };
    if ((bitmask & bit) != 0) {
      throw l.fail(t, "ipvs " + o + " given twice");
    }
    if (neg && bit == Match.Ipvs.DIR) {
      throw l.fail(t, "ipvs --vdir cannot be negated (say ORIGINAL or REPLY)");
    }
    bitmask |= bit;
    if (neg) {
      invert |= bit;
    }
    switch (o) {
      case "--ipvs" -> { }
      case "--vproto" -> {
        String v = l.value(o);
        int n = Protocols.number(v);
        if (n < 0) {
          throw l.fail(t, "unknown protocol '" + v + "'");
        }
        l4proto = n;
      }
      case "--vaddr" -> vaddr(l.value(o), l, t);
      case "--vport" -> vport = port(l.value(o), l, t);
      case "--vportctl" -> vportctl = port(l.value(o), l, t);
      case "--vdir" -> {
        String v = l.value(o).toUpperCase(Locale.ROOT);
        if (v.equals("REPLY")) {
          invert |= bit;
        } else if (!v.equals("ORIGINAL")) {
          throw l.fail(t, "ipvs --vdir takes ORIGINAL or REPLY");
        }
      }
      case "--vmethod" -> fwdMethod = switch (l.value(o).toUpperCase(Locale.ROOT)) {
        case "GATE" -> Match.Ipvs.DROUTE;
        case "IPIP" -> Match.Ipvs.TUNNEL;
        case "MASQ" -> Match.Ipvs.MASQ;
        default -> throw l.fail(t, "ipvs --vmethod takes GATE, IPIP or MASQ");
      };
      default -> throw new AssertionError(o);
    }
  }

  private void vaddr(String v, RuleLine l, Token t) throws ParseException {
    int slash = v.indexOf('/');
    try {
      vaddr = IpAddr.parse(slash < 0 ? v : v.substring(0, slash));
      if (vaddr.family() != family) {
        throw l.fail(t, "ipvs --vaddr '" + v + "' is not an " + family + " address");
      }
      int bits = IpAddr.bits(family);
      String m = slash < 0 ? null : v.substring(slash + 1);
      if (m == null) {
        vmask = IpAddr.max(family);
      } else if (m.indexOf('.') >= 0 || m.indexOf(':') >= 0) {
        vmask = IpAddr.parse(m);
        if (vmask.family() != family) {
          throw l.fail(t, "ipvs --vaddr mask '" + m + "' is not an " + family + " mask");
        }
      } else {
        int len = Integer.parseInt(m);
        if (len < 0 || len > bits) {
          throw l.fail(t, "ipvs --vaddr prefix /" + m + " out of range");
        }
        vmask = IpAddr.max(family).maskHost(bits - len);
      }
    } catch (IllegalArgumentException e) {
      throw l.fail(t, "bad ipvs --vaddr '" + v + "'");
    }
  }

  private static int port(String v, RuleLine l, Token t) throws ParseException {
    try {
      int p = Integer.parseInt(v);
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw l.fail(t, "bad port '" + v + "' (a number 0-65535)");
  }

  /** The match, when the module's options are complete and consistent. */
  Match.Ipvs build(RuleLine l) throws ParseException {
    if (bitmask == 0) {
      throw l.fail(module, "IPVS: at least one option is required");
    }
    if ((invert & Match.Ipvs.PROPERTY) != 0 && bitmask != Match.Ipvs.PROPERTY) {
      throw l.fail(module, "! --ipvs cannot be together with other options");
    }
    try {
      return new Match.Ipvs(bitmask | Match.Ipvs.PROPERTY, invert, l4proto, vaddr, vmask, vport,
          fwdMethod, vportctl);
    } catch (IllegalArgumentException e) {
      throw l.fail(module, e.getMessage());
    }
  }
}
