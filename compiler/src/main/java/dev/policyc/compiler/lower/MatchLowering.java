package dev.policyc.compiler.lower;

import static dev.policyc.compiler.lower.LowerContext.familyWord;

import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.lower.ProtocolLowering.ProtoAlt;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.MatchPath;
import dev.policyc.dsl.path.SourcePath;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * Lowers the matches of a rule other than addresses, protocols and ports: interfaces (with
 * interface groups), TCP flags, ICMP type, and the matches every alternative of the rule shares
 * (state, marks, DSCP/TOS, length, TTL, fragment, address type, ipsets, limit, statistic).
 */
final class MatchLowering {
  private final LowerContext ctx;

  MatchLowering(LowerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * The interface matches of 'in' or 'out', disjoint (a name a wildcard covers is dropped); a
   * list holding null when there is no constraint (or after an error).
   */
  List<Match.Iface> interfaces(Negatable<String> n, SourcePath path, boolean out) {
    List<Match.Iface> res = new ArrayList<>();
    if (n == null) {
      res.add(null);
      return res;
    }
    SourcePos pos = ctx.at(path);
    Groups.Resolver<String> groups = ctx.groups().interfaces();
    List<String> names;
    if (groups.has(n.value())) {
      names = groups.get(n.value());
    } else if (ctx.groups().literalIface(n.value(), pos)) {
      names = List.of(n.value());
    } else {
      res.add(null);
      return res;
    }
    List<String> kept = uncovered(names);
    if (kept.isEmpty()) {
      if (groups.isBroken(n.value())) {
        ctx.markRuleUsesBrokenGroup();
      } else {
        ctx.report(Code.PC2014, pos, "interface group '" + n.value() + "' is empty");
      }
      res.add(null);
      return res;
    }
    if (n.negated() && kept.size() > 1) {
      ctx.report(Code.PC2010, pos, "a negated interface group must hold one name (or one"
          + " wildcard); '" + n.value() + "' holds " + kept.size());
      res.add(null);
      return res;
    }
    for (String k : kept) {
      res.add(new Match.Iface(out, k, n.negated()));
    }
    return res;
  }

  /** The names without those a wildcard already covers, so the remaining matches are disjoint. */
  private static List<String> uncovered(List<String> names) {
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
    return kept;
  }

  /** The match of 'tcp-flags' or 'syn'; null when there is none (or after an error). */
  Match.TcpFlags tcpFlags(MatchSpec m, MatchPath mp, List<ProtoAlt> alts) {
    if (m.tcpFlags() == null && m.syn() == null) {
      return null;
    }
    SourcePath where = m.tcpFlags() != null ? mp.tcpFlags() : mp.syn();
    if (m.tcpFlags() != null && m.syn() != null) {
      ctx.report(Code.PC6005, mp.syn(), "use either 'syn' or 'tcp-flags', not both");
      return null;
    }
    if (ProtocolLowering.firstOther(alts, p -> p == Protocols.TCP) != null) {
      ctx.report(Code.PC6003, where, "TCP flags need proto tcp");
      return null;
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
      ctx.report(Code.PC6005, where, "tcp-flags must examine at least one flag ('mask')");
      return null;
    }
    if ((comp & ~mask) != 0) {
      ctx.report(Code.PC6005, where, "tcp-flags 'set' names flags that 'mask' does not"
          + " examine, so the rule can never match");
      return null;
    }
    return new Match.TcpFlags(mask, comp, m.tcpFlags().negated());
  }

  /** 'icmp-type' needs every protocol alternative to be ICMP or ICMPv6. */
  void checkIcmpType(MatchSpec m, MatchPath mp, List<ProtoAlt> alts) {
    if (m.icmpType() != null && ProtocolLowering.firstOther(
        alts, p -> p == Protocols.ICMP || p == Protocols.ICMPV6) != null) {
      ctx.report(Code.PC6002, mp.icmpType(), "icmp-type needs proto icmp or icmpv6");
    }
  }

  /**
   * The ICMP match of an alternative in family {@code f}: the type of an ICMP service, or the
   * rule's 'icmp-type' as that family names it; null when there is none.
   */
  Match icmp(MatchSpec m, MatchPath mp, ProtoAlt alt, Family f) {
    if (alt.icmp() != null) {
      return new Match.Icmp(f, alt.icmp().type(), alt.icmp().codeLo(), alt.icmp().codeHi(),
          false);
    }
    if (m.icmpType() == null) {
      return null;
    }
    IcmpTypes.TypeCode tc = IcmpTypes.resolve(f, m.icmpType().value());
    if (tc == null) {
      ctx.report(Code.PC2005, mp.icmpType(), "unknown "
          + (f == Family.IPV4 ? "ICMP" : "ICMPv6") + " type '" + m.icmpType().value() + "'");
      return null;
    }
    return new Match.Icmp(f, tc.type(), tc.codeLo(), tc.codeHi(), m.icmpType().negated());
  }

  /**
   * The matches every alternative of the rule shares, in the order written in the model; narrows
   * the rule's families where a match exists in one family only.
   */
  List<Match> common(MatchSpec m, MatchPath mp, RuleFamilies fams) {
    List<Match> common = new ArrayList<>();
    if (m.state() != null) {
      if (m.state().value().isEmpty()) {
        ctx.report(Code.PC2014, mp.state(), "state needs at least one state");
      } else {
        common.add(new Match.CtState(EnumSet.copyOf(m.state().value()), m.state().negated()));
      }
    }
    mark(m.mark(), mp.mark(), false, common);
    mark(m.connmark(), mp.connmark(), true, common);
    if (m.dscp() != null) {
      try {
        common.add(new Match.Dscp(Values.dscp(m.dscp().value()), m.dscp().negated()));
      } catch (IllegalArgumentException e) {
        ctx.report(Code.PC2006, mp.dscp(), e.getMessage());
      }
    }
    if (m.tos() != null) {
      try {
        long[] vm = Values.valueMask(m.tos().value(), 0xff);
        common.add(new Match.Tos((int) vm[0], (int) vm[1], m.tos().negated()));
      } catch (IllegalArgumentException e) {
        ctx.report(Code.PC2006, mp.tos(), "invalid tos: " + e.getMessage());
      }
    }
    if (m.length() != null) {
      try {
        int[] lr = Values.lengthRange(m.length().value());
        common.add(new Match.Length(lr[0], lr[1], m.length().negated()));
      } catch (IllegalArgumentException e) {
        ctx.report(Code.PC2006, mp.length(), "invalid length: " + e.getMessage());
      }
    }
    if (m.ttl() != null) {
      if (m.ttl().value() < 0 || m.ttl().value() > 255) {
        ctx.report(Code.PC2006, mp.ttl(), "ttl must be 0-255");
      } else {
        common.add(new Match.Ttl(Match.Ttl.Op.valueOf(m.ttl().op().name()), m.ttl().value()));
      }
    }
    if (m.fragment() != null) {
      if (fams.isExplicitly(Family.IPV6)) {
        ctx.report(Code.PC4002, mp.fragment(),
            "'fragment' (-f) is IPv4 only; ip6tables has no such match");
      }
      fams.keepOnly(Family.IPV4);
      common.add(new Match.Fragment(!m.fragment()));
    }
    addrType(m.srcType(), Side.SRC, mp.srcType(), fams, common);
    addrType(m.dstType(), Side.DST, mp.dstType(), fams, common);
    if (m.sets() != null) {
      for (int i = 0; i < m.sets().size(); i++) {
        Match.InSet s = set(m.sets().get(i), mp.set(i), fams);
        if (s != null) {
          common.add(s);
        }
      }
    }
    if (m.limit() != null) {
      Match.Limit lim = limit(m.limit(), mp.limit());
      if (lim != null) {
        common.add(lim);
      }
    }
    if (m.statistic() != null) {
      Match s = statistic(m.statistic(), mp.statistic());
      if (s != null) {
        common.add(s);
      }
    }
    return common;
  }

  private void mark(Negatable<String> n, SourcePath path, boolean conn, List<Match> out) {
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
      ctx.report(Code.PC2006, path, "invalid mark: " + e.getMessage());
    }
  }

  private void addrType(Negatable<List<AddressType>> n, Side side, SourcePath path,
      RuleFamilies fams, List<Match> out) {
    if (n == null) {
      return;
    }
    if (n.value().isEmpty()) {
      ctx.report(Code.PC2014, path, "address type list is empty");
      return;
    }
    if (n.value().contains(AddressType.BROADCAST)) {
      // ip6tables' addrtype ignores BROADCAST (IPv6 has none): the rule is IPv4 only.
      if (fams.isExplicitly(Family.IPV6)) {
        ctx.report(Code.PC4002, path, "IPv6 has no broadcast addresses");
      }
      fams.keepOnly(Family.IPV4);
    }
    out.add(new Match.AddrType(side, EnumSet.copyOf(n.value()), n.negated()));
  }

  private Match.InSet set(Negatable<MatchSpec.SetRef> n, SourcePath path, RuleFamilies fams) {
    MatchSpec.SetRef ref = n.value();
    IpSet set = ctx.sets().get(ref.name());
    SourcePos pos = ctx.at(path);
    if (set == null) {
      boolean declared = ctx.policy().objects().sets().stream()
          .anyMatch(s -> s.name().equals(ref.name()));
      if (!declared) {
        ctx.report(Code.PC1005, pos, "unknown ipset '" + ref.name() + "'");
      }
      return null;
    }
    List<Side> dirs = new ArrayList<>();
    for (String d : ref.dirs()) {
      switch (d.trim().toLowerCase(Locale.ROOT)) {
        case "src" -> dirs.add(Side.SRC);
        case "dst" -> dirs.add(Side.DST);
        default -> {
          ctx.report(Code.PC2011, pos, "set direction must be src or dst, not '" + d + "'");
          return null;
        }
      }
    }
    if (dirs.size() != set.type().dimensions()) {
      ctx.report(Code.PC2011, pos, "set '" + set.name() + "' (" + set.type().ipsetName()
          + ") needs " + set.type().dimensions() + " direction(s), such as "
          + (set.type().dimensions() == 1 ? "src" : "src,dst") + "; got " + dirs.size());
      return null;
    }
    if (set.type().hasAddress()) {
      if (fams.excludes(set.family())) {
        ctx.report(Code.PC4002, pos, "set '" + set.name() + "' is " + familyWord(set.family())
            + " and this rule is not");
      }
      fams.keepOnly(set.family());
    }
    return new Match.InSet(set.name(), dirs, n.negated());
  }

  private Match.Limit limit(MatchSpec.Limit limit, SourcePath path) {
    try {
      long[] rate = Values.rate(limit.rate());
      int burst = limit.burst() == null ? 5 : limit.burst();
      if (burst < 1 || burst > 10000) {
        throw new IllegalArgumentException("burst must be 1-10000");
      }
      Match.Limit lim = Match.Limit.of(rate[0], rate[1], burst);
      if (lim.avg() * burst > 0xffffffffL) {
        // xt_limit multiplies the period by the burst in 32 bits and refuses an overflow
        throw new IllegalArgumentException("a rate of " + limit.rate() + " with burst "
            + burst + " overflows the kernel's 32-bit bucket (legacy iptables refuses it);"
            + " use a faster rate or a smaller burst");
      }
      return lim;
    } catch (IllegalArgumentException e) {
      ctx.report(Code.PC2007, path, "invalid limit: " + e.getMessage());
      return null;
    }
  }

  private Match statistic(Negatable<MatchSpec.Statistic> n, SourcePath path) {
    MatchSpec.Statistic s = n.value();
    boolean negated = n.negated();
    if (s.mode() == MatchSpec.Statistic.Mode.RANDOM) {
      double p = s.probability();
      if (!(p >= 0 && p <= 1)) {
        ctx.report(Code.PC2006, path, "probability must be between 0 and 1");
        return null;
      }
      return new Match.Statistic(false, Math.round(0x80000000L * p), 0, 0, negated);
    }
    if (s.every() < 1) {
      ctx.report(Code.PC2006, path, "every must be at least 1");
      return null;
    }
    if (s.packet() < 0 || s.packet() >= s.every()) {
      ctx.report(Code.PC2006, path, "packet must be between 0 and every-1");
      return null;
    }
    return new Match.Statistic(true, 0, s.every(), s.packet(), negated);
  }
}
