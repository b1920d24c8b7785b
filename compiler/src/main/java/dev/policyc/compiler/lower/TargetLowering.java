package dev.policyc.compiler.lower;

import static dev.policyc.compiler.lower.LowerContext.familyWord;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.lower.ProtocolLowering.ProtoAlt;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.ActionPath;
import dev.policyc.dsl.path.SourcePath;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Lowers a rule's action to its target in each family, checking what the kernel checks when it
 * loads the rule: the table a target belongs to, the jump target's chain, reject types, NAT
 * addresses and ports, mark and connmark values, and the protocol and SYN match TCPMSS needs.
 * Where a target exists in the hooks of a chain is checked later, by {@link ChainChecks}.
 */
final class TargetLowering {
  private final LowerContext ctx;

  TargetLowering(LowerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * The target per family (a family without one: the target could not be built, after an
   * error); narrows the rule's families where the target exists in one family only.
   */
  Map<Family, Target> target(Table t, ChainSpec chain, int index, Action a, ActionPath ap,
      List<ProtoAlt> alts, Match.TcpFlags flags, RuleFamilies fams) {
    Map<Family, Target> out = new EnumMap<>(Family.class);
    if (a instanceof Action.Reject r) {
      onlyIn(t, Table.FILTER, "REJECT", ap);
      // A bare 'action: reject' has no key under the action.
      reject(r.with(), ctx.atOrEnclosing(ap.reject()), alts, fams, out);
      return out;
    }
    Target same = sameInBothFamilies(t, chain, index, a, ap, alts, flags, fams);
    if (same != null) {
      out.put(Family.IPV4, same);
      out.put(Family.IPV6, same);
    }
    return out;
  }

  /** A target that is the same in both families; null after an error. */
  private Target sameInBothFamilies(Table t, ChainSpec chain, int index, Action a,
      ActionPath ap, List<ProtoAlt> alts, Match.TcpFlags flags, RuleFamilies fams) {
    if (a instanceof Action.Accept) {
      return new Target.Accept();
    } else if (a instanceof Action.Drop) {
      if (t == Table.NAT) {
        ctx.report(Code.PC3003, ap, "the nat table refuses DROP; filter in the filter table");
      }
      return new Target.Drop();
    } else if (a instanceof Action.Return) {
      return new Target.Return();
    } else if (a instanceof Action.Jump j) {
      return jump(t, chain, index, j.chain(), ap.jump(), false);
    } else if (a instanceof Action.Goto g) {
      return jump(t, chain, index, g.chain(), ap.gotoChain(), true);
    } else if (a instanceof Action.Log l) {
      return log(l, ap);
    } else if (a instanceof Action.Dnat d) {
      onlyIn(t, Table.NAT, "DNAT", ap);
      return nat(d.to(), ap.dnat(), true, alts, fams);
    } else if (a instanceof Action.Snat s) {
      onlyIn(t, Table.NAT, "SNAT", ap);
      return nat(s.to(), ap.snat(), false, alts, fams);
    } else if (a instanceof Action.Masquerade mq) {
      onlyIn(t, Table.NAT, "MASQUERADE", ap);
      return new Target.Masquerade(natPorts(mq.ports(), ap.masquerade(), alts));
    } else if (a instanceof Action.Redirect rd) {
      onlyIn(t, Table.NAT, "REDIRECT", ap);
      return new Target.Redirect(natPorts(rd.ports(), ap.redirect(), alts));
    } else if (a instanceof Action.Mark mk) {
      return mark(mk, ap.mark());
    } else if (a instanceof Action.ConnMark cm) {
      return connmark(cm, ap.connmark());
    } else if (a instanceof Action.Dscp d) {
      onlyIn(t, Table.MANGLE, "DSCP", ap);
      try {
        return new Target.Dscp(Values.dscp(d.value()));
      } catch (IllegalArgumentException e) {
        ctx.report(Code.PC2006, ap.dscp(), e.getMessage());
        return null;
      }
    } else if (a instanceof Action.Tos tos) {
      onlyIn(t, Table.MANGLE, "TOS", ap);
      try {
        long[] vm = Values.valueMask(tos.value(), 0xff);
        return new Target.Tos((int) vm[0], (int) vm[1]);
      } catch (IllegalArgumentException e) {
        ctx.report(Code.PC2006, ap.tos(), "invalid tos: " + e.getMessage());
        return null;
      }
    } else if (a instanceof Action.Ttl ttl) {
      onlyIn(t, Table.MANGLE, "TTL", ap);
      boolean set = ttl.op() == Action.Ttl.Op.SET;
      if (ttl.value() < (set ? 0 : 1) || ttl.value() > 255) {
        ctx.report(Code.PC2006, ap.ttl(),
            set ? "ttl set must be 0-255" : "ttl inc/dec must be 1-255");
      }
      return new Target.Ttl(Target.Ttl.Op.valueOf(ttl.op().name()), ttl.value());
    } else if (a instanceof Action.TcpMss mss) {
      return tcpmss(mss, ap.tcpmss(), alts, flags);
    } else if (a instanceof Action.NoTrack) {
      onlyIn(t, Table.RAW, "NOTRACK", ap);
      return new Target.NoTrack();
    } else if (a instanceof Action.Count) {
      return new Target.None();
    }
    throw new AssertionError("unknown action " + a);
  }

  private void onlyIn(Table t, Table allowed, String what, ActionPath ap) {
    if (t != allowed) {
      ctx.report(Code.PC3001, ap, what + " is only valid in the " + allowed.iptablesName()
          + " table, not " + t.iptablesName());
    }
  }

  /** A jump or goto; adds the edge to the table's jump graph. */
  private Target jump(Table t, ChainSpec from, int index, String to, SourcePath path,
      boolean isGoto) {
    if (t.isBuiltin(to)) {
      ctx.report(Code.PC1009, path, "cannot " + (isGoto ? "go to" : "jump to") + " built-in"
          + " chain " + to + "; only user chains can be jump targets");
      return null;
    }
    if (!ctx.chains(t).containsKey(to)) {
      String hint = "";
      for (Table other : Table.values()) {
        if (other != t && ctx.chains(other).containsKey(to)) {
          hint = " (it is in the " + other.iptablesName() + " table; jumps stay in their table)";
        }
      }
      ctx.report(Code.PC1004, path, "unknown chain '" + to + "' in table " + t.iptablesName()
          + hint);
      return null;
    }
    ctx.graph(t).addEdge(from.name(), to, index);
    return isGoto ? new Target.Goto(to) : new Target.Jump(to);
  }

  private Target log(Action.Log l, ActionPath ap) {
    int level = Netfilter.LOG_DEFAULT_LEVEL;
    if (l.level() != null) {
      String lv = l.level().toLowerCase(Locale.ROOT);
      Integer named = Netfilter.LOG_LEVELS.get(lv);
      if (named != null) {
        level = named;
      } else if (lv.matches("[0-7]")) {
        level = Integer.parseInt(lv);
      } else {
        ctx.report(Code.PC2013, ap.log().level(), "log level must be 0-7 or emerg,"
            + " alert, crit, err, warning, notice, info, debug; not '" + l.level() + "'");
      }
    }
    if (l.prefix() != null) {
      // The kernel's limit is in bytes (char prefix[30] with its NUL), as for comments.
      // 'log: PREFIX' has no prefix key under the log action.
      FreeText.check(ctx, l.prefix(), ctx.atOrEnclosing(ap.log().prefix()), "log prefix",
          Netfilter.MAX_LOG_PREFIX);
    }
    return new Target.Log(l.prefix(), level);
  }

  /** REJECT in each family where the reject type exists; narrows the rule's families to them. */
  private void reject(String with, SourcePos pos, List<ProtoAlt> alts, RuleFamilies fams,
      Map<Family, Target> out) {
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
      ctx.report(Code.PC2009, pos, "unknown reject type '" + with + "' (port-unreachable,"
          + " host-unreachable, net-unreachable, admin-prohibited, tcp-reset, …)");
      return;
    }
    if (w.equals(Netfilter.TCP_RESET)
        && ProtocolLowering.firstOther(alts, p -> p == Protocols.TCP) != null) {
      ctx.report(Code.PC6004, pos, "reject with tcp-reset needs proto tcp");
    }
    for (Family f : Family.values()) {
      String name = names.get(f.ordinal());
      if (name == null) {
        if (fams.isExplicitly(f)) {
          ctx.report(Code.PC4002, pos, "reject type '" + with + "' does not exist in "
              + familyWord(f));
        }
        fams.remove(f);
      } else {
        out.put(f, new Target.Reject(name));
      }
    }
  }

  /**
   * DNAT or SNAT to {@code ADDR}, {@code ADDR:PORT}, {@code [V6ADDR]:PORT} or {@code :PORT}; an
   * address narrows the rule to its family.
   */
  private Target nat(String to, SourcePath path, boolean dnat, List<ProtoAlt> alts,
      RuleFamilies fams) {
    SourcePos pos = ctx.at(path);
    String text = to.trim();
    String addrPart;
    String portPart = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        ctx.report(Code.PC2008, pos, "missing ']' in '" + to + "'");
        return null;
      }
      addrPart = text.substring(1, close);
      if (addrPart.isEmpty()) {
        ctx.report(Code.PC2008, pos, "'[]' in '" + to + "' holds no address");
        return null;
      }
      String rest = text.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          ctx.report(Code.PC2008, pos, "expected ':port' after ']' in '" + to + "'");
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
        ctx.report(Code.PC2008, pos, "invalid " + (dnat ? "DNAT" : "SNAT") + " address: "
            + e.getMessage());
        return null;
      }
      Family f = addrs.family();
      if (fams.excludes(f)) {
        ctx.report(Code.PC4001, pos, familyWord(f) + " NAT address in an "
            + familyWord(fams.explicit()) + " rule");
      }
      fams.keepOnly(f);
    }
    PortRange ports = null;
    if (portPart != null) {
      ports = natPorts(portPart.replace(':', '-'), path, alts);
      if (ports == null) {
        return null;
      }
    }
    if (addrs == null && ports == null) {
      ctx.report(Code.PC2008, pos, "NAT target '" + to + "' names no address and no port");
      return null;
    }
    return dnat ? new Target.Dnat(addrs, ports) : new Target.Snat(addrs, ports);
  }

  /**
   * The ports of a NAT target; null when there are none (or after an error). {@code path} is the
   * target's, which has no key when it has no ports ({@code action: masquerade}).
   */
  private PortRange natPorts(String text, SourcePath path, List<ProtoAlt> alts) {
    if (text == null) {
      return null;
    }
    if (ProtocolLowering.firstOther(alts, Protocols::hasPorts) != null) {
      ctx.report(Code.PC6001, path, "a port in a NAT target needs proto tcp, udp, sctp or"
          + " dccp");
      return null;
    }
    try {
      return Values.portRange(text.replace(':', '-'));
    } catch (IllegalArgumentException e) {
      ctx.report(Code.PC2002, path, "invalid port: " + e.getMessage());
      return null;
    }
  }

  private Target mark(Action.Mark mk, SourcePath path) {
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
      ctx.report(Code.PC2006, path, "invalid mark: " + e.getMessage());
      return null;
    }
  }

  private Target connmark(Action.ConnMark cm, SourcePath path) {
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
      ctx.report(Code.PC2006, path, "invalid connmark: " + e.getMessage());
      return null;
    }
  }

  private Target tcpmss(Action.TcpMss mss, SourcePath path, List<ProtoAlt> alts,
      Match.TcpFlags flags) {
    if (ProtocolLowering.firstOther(alts, p -> p == Protocols.TCP) != null) {
      ctx.report(Code.PC6006, path, "TCPMSS needs proto tcp");
      return null;
    }
    // The kernel refuses TCPMSS unless the rule matches SYNs: a tcp-flags match whose mask and
    // set both hold SYN, not negated (tcpmss_tg4_check).
    if (flags == null || flags.negated() || (flags.mask() & 0x02) == 0
        || (flags.comp() & 0x02) == 0) {
      ctx.report(Code.PC6006, path, "TCPMSS only works on SYN packets: add 'syn: true' or"
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
      ctx.report(Code.PC2006, path, "tcpmss must be clamp-to-pmtu or a number: "
          + e.getMessage());
      return null;
    }
  }
}
