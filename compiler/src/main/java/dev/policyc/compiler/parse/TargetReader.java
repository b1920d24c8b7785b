package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.Family;
import java.util.Locale;

/**
 * Reads a rule's target, {@code -j NAME} and the target's options: the verdicts, LOG, NAT,
 * packet and connection marks, DSCP/TOS/TTL rewrites, TCPMSS, NOTRACK, and jumps to user chains.
 */
final class TargetReader {
  private TargetReader() {}

  /**
   * The target after {@code -j} (token {@code jt}) and its options; {@code proto} is the rule's
   * protocol, which a TCP reset needs.
   */
  static Target target(RuleLine l, Token jt, int proto) throws ParseException {
    String name = l.value("-j");
    switch (name) {
      case "ACCEPT":
        return new Target.Accept();
      case "DROP":
        return new Target.Drop();
      case "RETURN":
        return new Target.Return();
      case "REJECT": {
        String with = Netfilter.defaultReject(l.family());
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
              level = named != null ? named : (int) Values.number(v, 7, l, t);
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
        Values.NatRange r = Values.natRange(l.value(want), l, t);
        return name.equals("DNAT")
            ? new Target.Dnat(r.addrs(), r.ports())
            : new Target.Snat(r.addrs(), r.ports());
      }
      case "MASQUERADE":
      case "REDIRECT": {
        PortRange ports = null;
        boolean randomFully = false;
        while (l.more() && (l.peek().text().equals("--to-ports")
            || name.equals("MASQUERADE") && l.peek().text().equals("--random-fully"))) {
          Token t = l.next();
          if (t.text().equals("--random-fully")) {
            randomFully = true;
          } else {
            ports = Values.portRange(l.value(t.text()).replace('-', ':'), l, t);
          }
        }
        return name.equals("MASQUERADE") ? new Target.Masquerade(ports, randomFully)
            : new Target.Redirect(ports);
      }
      case "MARK":
        return markTarget(l);
      case "CONNMARK":
        return connmarkTarget(l);
      case "DSCP": {
        Token t = l.next();
        if (t.text().equals("--set-dscp")) {
          return new Target.Dscp((int) Values.number(l.value(t.text()), 63, l, t));
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
        long[] vm = Values.valueMask(l.value(t.text()), 0xff, l, t);
        return new Target.Tos((int) vm[0], (int) vm[1]);
      }
      case "TTL":
      case "HL": {
        Token t = l.next();
        String p = name.equals("TTL") ? "--ttl-" : "--hl-";
        if (!t.text().startsWith(p)) {
          throw l.fail(t, name + " needs " + p + "set, inc or dec");
        }
        if (name.equals("TTL") != (l.family() == Family.IPV4)) {
          throw l.fail(jt, name + " in a " + l.family() + " rule set");
        }
        int v = (int) Values.number(l.value(t.text()), 255, l, t);
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
          return new Target.TcpMss((int) Values.number(l.value(t.text()), 65495, l, t));
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
        if (name.equals(name.toUpperCase(Locale.ROOT))
            && Netfilter.RESERVED_TARGET_NAMES.contains(name)) {
          throw l.fail(jt, "unsupported target " + name);
        }
        return new Target.Jump(name);
    }
  }

  private static Target markTarget(RuleLine l) throws ParseException {
    Token t = l.next();
    long max = Netfilter.MARK_MAX;
    String v = l.value(t.text());
    switch (t.text()) {
      case "--set-xmark" -> {
        long[] vm = Values.valueMask(v, max, l, t);
        return new Target.Mark(vm[0], vm[1]);
      }
      case "--set-mark" -> {
        long[] vm = Values.valueMask(v, max, l, t);
        return new Target.Mark(vm[0], v.indexOf('/') < 0 ? max : vm[0] | vm[1]);
      }
      case "--or-mark" -> {
        long x = Values.number(v, max, l, t);
        return new Target.Mark(x, x);
      }
      case "--and-mark" -> {
        return new Target.Mark(0, ~Values.number(v, max, l, t) & max);
      }
      case "--xor-mark" -> {
        return new Target.Mark(Values.number(v, max, l, t), 0);
      }
      default -> throw l.fail(t, "unsupported MARK option " + t.text());
    }
  }

  private static Target connmarkTarget(RuleLine l) throws ParseException {
    Token t = l.next();
    long max = Netfilter.MARK_MAX;
    switch (t.text()) {
      case "--set-xmark", "--set-mark" -> {
        String v = l.value(t.text());
        long[] vm = Values.valueMask(v, max, l, t);
        long mask = t.text().equals("--set-xmark") || v.indexOf('/') < 0
            ? vm[1] : vm[0] | vm[1];
        return new Target.ConnMark(Target.ConnMark.Mode.SET, vm[0], mask, 0, 0);
      }
      case "--save-mark", "--restore-mark" -> {
        long nf = max;
        long ct = max;
        while (l.more() && l.peek().text().endsWith("mask")) {
          Token m = l.next();
          long v = Values.number(l.value(m.text()), max, l, m);
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

  private static String rejectName(String v, RuleLine l, Token t, int proto) throws ParseException {
    String canonical = Netfilter.rejectName(l.family(), v);
    if (canonical == null) {
      throw l.fail(t, "unknown reject type '" + v + "'");
    }
    if (canonical.equals(Netfilter.TCP_RESET) && proto != Protocols.TCP) {
      throw l.fail(t, "tcp-reset needs -p tcp");
    }
    return canonical;
  }
}
