package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.lower.AddressLowering.AddrSpec;
import dev.policyc.compiler.lower.PortLowering.PortsSpec;
import dev.policyc.compiler.lower.ProtocolLowering.ProtoAlt;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.ActionPath;
import dev.policyc.dsl.path.MatchPath;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.path.RulePath;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * Lowers one rule of a chain: validates its matches and action (each part by its own class),
 * infers its families, and hands what lowered to {@link RuleExpansion}. A rule with errors keeps
 * only its jump in the partial IR.
 */
final class RuleLowering {
  private final LowerContext ctx;
  private final ChainChecks chainChecks;
  private final AddressLowering addresses;
  private final ProtocolLowering protocols;
  private final PortLowering ports;
  private final MatchLowering matches;
  private final TargetLowering targets;
  private final RuleExpansion expansion;

  RuleLowering(LowerContext ctx, ChainChecks chainChecks) {
    this.ctx = ctx;
    this.chainChecks = chainChecks;
    this.addresses = new AddressLowering(ctx);
    this.protocols = new ProtocolLowering(ctx);
    this.ports = new PortLowering(ctx);
    this.matches = new MatchLowering(ctx);
    this.targets = new TargetLowering(ctx);
    this.expansion = new RuleExpansion(addresses, matches);
  }

  /** The IR rules of rule {@code index} of {@code chain}, per family. */
  Map<Family, List<Rule>> lower(Table t, ChainSpec chain, int index, RuleSpec r) {
    RulePath path = PolicyPath.rule(t, chain.name(), index);
    int errorsBefore = ctx.errorCount();
    ctx.startRule();
    RuleFamilies fams = new RuleFamilies(r.match().family());
    RuleExpansion.Parts parts = matches(r.match(), path.match(), fams);

    ActionPath ap = path.action();
    Map<Family, Target> target = targets.target(
        t, chain, index, r.action(), ap, parts.alts(), parts.flags(), fams);
    if (r.comment() != null) {
      FreeText.check(ctx, r.comment(), path.comment(), "comment", Netfilter.MAX_COMMENT_BYTES);
    }
    MatchSpec m = r.match();
    chainChecks.place(t, chain.name(), r.action(), ctx.at(ap),
        m.in() == null ? null : ctx.at(path.match().in()),
        m.out() == null ? null : ctx.at(path.match().out()));

    Origin origin = Origin.of(ctx.at(path),
        t.iptablesName() + "/" + chain.name() + " rule " + (index + 1), path);
    if (ctx.errorCount() > errorsBefore || ctx.ruleUsesBrokenGroup()) {
      return RuleExpansion.jumpsOnly(target, fams.possible(), r.comment(), origin);
    }
    if (fams.isEmpty()) {
      ctx.report(Code.PC4003, path,
          "this rule matches no packet of either family (its addresses, protocol or other"
              + " matches belong to different families)");
      return new EnumMap<>(Family.class);
    }
    return expansion.expand(parts, fams.possible(), target, r.comment(), origin);
  }

  /**
   * Validates and lowers the matches, in the order the model lists them; narrows {@code fams} to
   * the families the addresses, protocols and other matches exist in.
   */
  private RuleExpansion.Parts matches(MatchSpec m, MatchPath mp, RuleFamilies fams) {
    AddrSpec src = addresses.addresses(m.src(), mp.src(), fams);
    AddrSpec dst = addresses.addresses(m.dst(), mp.dst(), fams);
    for (AddrSpec a : new AddrSpec[] {src, dst}) {
      for (Family f : Family.values()) {
        if (a != null && !a.allows(f)) {
          fams.remove(f);
        }
      }
    }

    List<ProtoAlt> alts = protocols.alternatives(m, mp, fams);
    // A rule made only of ICMPv4 (or only of ICMPv6) alternatives lives in one family.
    EnumSet<Family> altFams = EnumSet.noneOf(Family.class);
    for (ProtoAlt a : alts) {
      if (a.only() == null) {
        altFams.addAll(EnumSet.allOf(Family.class));
      } else {
        altFams.add(a.only());
      }
    }
    fams.keepOnly(altFams);

    PortsSpec sport = ports.ports(m.sport(), mp.sport());
    PortsSpec dport = ports.ports(m.dport(), mp.dport());
    ports.checkProtocol(m, mp, sport, dport, alts);

    List<Match.Iface> ins = matches.interfaces(m.in(), mp.in(), false);
    List<Match.Iface> outs = matches.interfaces(m.out(), mp.out(), true);
    Match.TcpFlags flags = matches.tcpFlags(m, mp, alts);
    matches.checkIcmpType(m, mp, alts);
    List<Match> common = matches.common(m, mp, fams);
    return new RuleExpansion.Parts(
        m, mp, src, dst, alts, sport, dport, ins, outs, flags, common);
  }
}
