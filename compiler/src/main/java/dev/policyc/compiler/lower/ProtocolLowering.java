package dev.policyc.compiler.lower;

import static dev.policyc.compiler.lower.LowerContext.familyWord;

import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.MatchPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * Lowers what a rule says about protocols to its protocol alternatives: the one of {@code proto},
 * or one per protocol of its {@code service} list (the ports of one protocol merged, ICMP types
 * kept apart). The matches that need a protocol are checked against every alternative.
 */
final class ProtocolLowering {
  /**
   * One protocol alternative of a rule: from 'proto', or one protocol of its services with their
   * destination ports or ICMP type. {@code only} is the one family the protocol exists in.
   */
  record ProtoAlt(
      int proto, boolean negated, List<PortRange> ports, IcmpTypes.TypeCode icmp, Family only) {}

  private final LowerContext ctx;

  ProtocolLowering(LowerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * The first alternative that is not, unnegated, a protocol {@code wanted} accepts; null when
   * every one is. A rule without 'proto' has one alternative, protocol 0 (any).
   */
  static ProtoAlt firstOther(List<ProtoAlt> alts, IntPredicate wanted) {
    for (ProtoAlt a : alts) {
      if (a.negated() || !wanted.test(a.proto())) {
        return a;
      }
    }
    return null;
  }

  /**
   * The rule's protocol alternatives; none after an unknown protocol (so that the checks that
   * depend on the protocol stay quiet).
   */
  List<ProtoAlt> alternatives(MatchSpec m, MatchPath mp, RuleFamilies fams) {
    if (m.services() != null) {
      return services(m.services(), mp, fams);
    }
    List<ProtoAlt> alts = new ArrayList<>();
    if (m.proto() == null) {
      alts.add(new ProtoAlt(0, false, null, null, null));
      return alts;
    }
    int n = Protocols.number(m.proto().value());
    if (n < 0) {
      ctx.report(Code.PC2003, mp.proto(), "unknown protocol '" + m.proto().value() + "'");
      // No alternative: checks that depend on the protocol (ports, flags, …) stay quiet.
      return alts;
    }
    if (n == 0 && m.proto().negated()) {
      ctx.report(Code.PC2003, mp.proto(), "'not all' matches no packet");
    }
    Family only = m.proto().negated() ? null : onlyFamily(n);
    if (only != null && fams.excludes(only)) {
      ctx.report(Code.PC4002, mp.proto(), Protocols.name(n) + " is " + familyWord(only)
          + " only, and this rule is " + familyWord(fams.explicit()));
    }
    alts.add(new ProtoAlt(n, m.proto().negated(), null, null, only));
    return alts;
  }

  /** One alternative per protocol of the services: their ports merged, ICMP types apart. */
  private List<ProtoAlt> services(List<String> names, MatchPath mp, RuleFamilies fams) {
    if (names.isEmpty()) {
      ctx.report(Code.PC2014, mp.service(), "the service list is empty");
    }
    Groups.Resolver<Groups.Service> groups = ctx.groups().services();
    List<Groups.Service> svcs = new ArrayList<>();
    String emptyGroup = null;
    for (int i = 0; i < names.size(); i++) {
      String s = names.get(i);
      SourcePos pos = ctx.at(mp.service(i));
      if (groups.has(s)) {
        svcs.addAll(groups.get(s));
        if (groups.isBroken(s)) {
          ctx.markRuleUsesBrokenGroup();
        } else if (groups.get(s).isEmpty() && emptyGroup == null) {
          emptyGroup = s;
        }
      } else {
        Groups.Service lit = ctx.groups().literalService(s, pos);
        if (lit != null) {
          svcs.add(lit);
        }
      }
    }
    if (svcs.isEmpty() && emptyGroup != null) {
      ctx.report(Code.PC2014, mp.service(), "service group '" + emptyGroup
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
    List<ProtoAlt> alts = new ArrayList<>();
    for (int proto : allPorts.keySet()) {
      alts.add(new ProtoAlt(proto, false, null, null, onlyFamily(proto)));
      ports.remove(proto);
      icmps.removeIf(a -> a.proto() == proto);
    }
    ports.forEach((proto, prs) ->
        alts.add(new ProtoAlt(proto, false, PortLowering.union(prs), null, null)));
    alts.addAll(dedupe(icmps));
    if (fams.explicit() != null) {
      alts.removeIf(a -> a.only() != null && fams.excludes(a.only()));
    }
    return alts;
  }

  /** ICMP alternatives without those another one covers (same type, wider codes). */
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

  /** The one family a protocol exists in (ICMP, ICMPv6), or null. */
  static Family onlyFamily(int proto) {
    if (proto == Protocols.ICMP) {
      return Family.IPV4;
    }
    if (proto == Protocols.ICMPV6) {
      return Family.IPV6;
    }
    return null;
  }
}
