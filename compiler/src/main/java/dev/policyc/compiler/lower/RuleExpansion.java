package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.MatchOrder;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.lower.AddressLowering.AddrSpec;
import dev.policyc.compiler.lower.PortLowering.PortsSpec;
import dev.policyc.compiler.lower.ProtocolLowering.ProtoAlt;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.path.MatchPath;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Expands one lowered rule into IR rules, per family: the cross product of its protocol
 * alternatives, address pieces and interfaces, each rule holding the shared matches too, in
 * {@link MatchOrder} order. The pieces of a dimension are disjoint, so a packet matches at most
 * one rule made from one policy rule.
 */
final class RuleExpansion {
  /**
   * What a rule lowered to, before expansion.
   *
   * @param ins the 'in' matches, a list holding null when there is no constraint
   * @param outs the 'out' matches, likewise
   * @param common the matches every rule of the expansion holds
   */
  record Parts(
      MatchSpec match, MatchPath path, AddrSpec src, AddrSpec dst, List<ProtoAlt> alts,
      PortsSpec sport, PortsSpec dport, List<Match.Iface> ins, List<Match.Iface> outs,
      Match.TcpFlags flags, List<Match> common) {}

  private final AddressLowering addresses;
  private final MatchLowering matches;

  RuleExpansion(AddressLowering addresses, MatchLowering matches) {
    this.addresses = addresses;
    this.matches = matches;
  }

  /**
   * The IR rules of each family in {@code fams}; a family whose address pieces cannot be
   * expressed (reported) has none.
   */
  Map<Family, List<Rule>> expand(Parts p, Set<Family> fams, Map<Family, Target> targets,
      String comment, Origin origin) {
    Map<Family, List<Rule>> out = new EnumMap<>(Family.class);
    for (Family f : fams) {
      List<Match.Addr> srcs = addresses.pieces(p.src(), Side.SRC, f);
      List<Match.Addr> dsts = addresses.pieces(p.dst(), Side.DST, f);
      if (srcs == null || dsts == null) {
        continue;
      }
      List<Rule> rules = new ArrayList<>();
      for (ProtoAlt alt : p.alts()) {
        if (alt.only() != null && alt.only() != f) {
          continue;
        }
        List<Match> protocol = protocolMatches(p, alt, f);
        for (List<Match> product : product(List.of(srcs, dsts, p.ins(), p.outs()))) {
          List<Match> ms = new ArrayList<>(p.common());
          ms.addAll(product);
          ms.addAll(protocol);
          rules.add(new Rule(MatchOrder.sorted(ms), targets.get(f), comment, origin));
        }
      }
      out.put(f, rules);
    }
    return out;
  }

  /** What the partial IR keeps of a rule with errors: its jump or goto, without matches. */
  static Map<Family, List<Rule>> jumpsOnly(Map<Family, Target> targets, Set<Family> fams,
      String comment, Origin origin) {
    Map<Family, List<Rule>> out = new EnumMap<>(Family.class);
    for (Family f : fams.isEmpty() ? EnumSet.allOf(Family.class) : fams) {
      Target t = targets.get(f);
      if (t instanceof Target.Jump || t instanceof Target.Goto) {
        out.put(f, List.of(new Rule(List.of(), t, comment, origin)));
      }
    }
    return out;
  }

  /** The matches of one protocol alternative in family {@code f}: protocol, ports, flags, ICMP. */
  private List<Match> protocolMatches(Parts p, ProtoAlt alt, Family f) {
    Match.Ports sp = PortLowering.match(p.sport(), Side.SRC);
    Match.Ports dp = alt.ports() != null
        ? PortLowering.match(new PortsSpec(false, alt.ports()), Side.DST)
        : PortLowering.match(p.dport(), Side.DST);
    Match icmp = matches.icmp(p.match(), p.path(), alt, f);
    Match proto = alt.proto() == 0 ? null : new Match.Proto(alt.proto(), alt.negated());
    List<Match> out = new ArrayList<>();
    for (Match m : new Match[] {proto, sp, dp, p.flags(), icmp}) {
      if (m != null) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * Every choice of one element per dimension, the first dimension varying slowest; null
   * elements (no constraint) are left out of a choice.
   */
  private static List<List<Match>> product(List<List<? extends Match>> dims) {
    List<List<Match>> out = new ArrayList<>();
    out.add(List.of());
    for (List<? extends Match> dim : dims) {
      List<List<Match>> next = new ArrayList<>();
      for (List<Match> prefix : out) {
        for (Match m : dim) {
          List<Match> choice = new ArrayList<>(prefix);
          if (m != null) {
            choice.add(m);
          }
          next.add(choice);
        }
      }
      out = next;
    }
    return out;
  }
}
