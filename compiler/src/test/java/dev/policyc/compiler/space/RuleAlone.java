package dev.policyc.compiler.space;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One rule's matches alone in filter INPUT (ACCEPT, under policy DROP), for the tests that hold
 * what {@code space/} says a rule matches against what the interpreter matches: whether the
 * interpreter matches a packet there, and the packet as a {@link Point} of the fields the
 * matches of filter INPUT see.
 */
final class RuleAlone {
  private static final Set<Integer> ICMPV6_UNTRACKED =
      Set.of(130, 131, 132, 133, 134, 135, 136, 143);

  private final IrPolicy policy;
  /** Conntrack runs when a rule uses it (Interpreter.usesConntrack); alone, this rule decides. */
  private final boolean conntrack;

  /** {@code rule}'s matches alone in filter INPUT of family {@code f}, with {@code sets}. */
  RuleAlone(Rule rule, Family f, List<IpSet> sets) {
    Rule alone = new Rule(rule.matches(), new Target.Accept());
    Ruleset rs = new Ruleset(f, List.of(new RuleTable(Table.FILTER, List.of(
        new Chain("INPUT", Verdict.DROP, List.of(alone)),
        new Chain("FORWARD", Verdict.ACCEPT, List.of()),
        new Chain("OUTPUT", Verdict.ACCEPT, List.of())))));
    Ruleset empty = new Ruleset(f == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
    this.policy = new IrPolicy("one", null, sets, f == Family.IPV4 ? rs : empty,
        f == Family.IPV4 ? empty : rs);
    this.conntrack = rule.matches().stream()
        .anyMatch(m -> m instanceof Match.CtState || m instanceof Match.ConnMark);
  }

  IrPolicy policy() {
    return policy;
  }

  /**
   * Whether the rule matches {@code p} (routed in by its interface, or eth0, to this host); null
   * when the packet never reaches filter INPUT (held or dropped before: fragments, martians).
   */
  Boolean matches(Packet p) {
    Decision d = Interpreter.decide(policy, routed(p));
    if (d.path().stream().noneMatch(s -> s.chain().equals("INPUT"))) {
      return null;
    }
    return d.path().stream().anyMatch(s -> s.rule() == 1);
  }

  /** The packet as filter INPUT's matches see it. */
  Point point(Packet p) {
    p = routed(p);
    Map<Field, Long> n = new EnumMap<>(Field.class);
    n.put(Field.PROTO, (long) p.proto());
    n.put(Field.SPORT, (long) p.sport());
    n.put(Field.DPORT, (long) p.dport());
    n.put(Field.ICMP, (long) (p.icmpType() << 8 | p.icmpCode()));
    n.put(Field.TCP_FLAGS, (long) p.tcpFlags());
    ConnState st = !conntrack ? ConnState.INVALID
        : p.family() == Family.IPV6 && p.proto() == Protocols.ICMPV6
            && ICMPV6_UNTRACKED.contains(p.icmpType()) ? ConnState.UNTRACKED : p.state();
    n.put(Field.CT_STATE, (long) st.ordinal());
    n.put(Field.MARK, p.mark());
    n.put(Field.CT_MARK, p.ctmark());
    n.put(Field.TOS, (long) p.tos());
    n.put(Field.LENGTH, (long) p.length());
    n.put(Field.TTL, (long) p.ttl());
    n.put(Field.FRAGMENT, p.fragment() ? 1L : 0L);
    return new Point(p.family(), p.src(), p.dst(), n, p.in(), "");
  }

  private static Packet routed(Packet p) {
    return p.withRoute(p.in() == null ? "eth0" : p.in(), null);
  }
}
