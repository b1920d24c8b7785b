package dev.policyc.compiler.interp;

import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Decision.Step;
import dev.policyc.compiler.interp.Stateful.Binding;
import dev.policyc.compiler.interp.Stateful.Tuple;
import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * One packet's trip through the hooks: the hook order of an arriving, forwarded, sent and
 * looped-back packet, and the traversal of each table's chains; routing, matches and targets are
 * asked of {@link Routing}, {@link MatchEvaluator} and {@link TargetEffects}. See "Hook order"
 * in {@code docs/semantics.md}.
 */
final class Trip {
  private static final int MAX_STEPS = 1_000_000;

  /** How a table ends for the packet. */
  private enum TableVerdict {
    ACCEPT,
    DROP,
    REJECT
  }

  private final Ruleset rules;
  private final Routing routing;
  private final MatchEvaluator matches;
  private final TargetEffects targets;
  private final Stateful stateful;
  /** The trip's state; a short name, since nearly every line reads or writes it. */
  private final TripState s;
  /** The host's IPVS services, or null. */
  private IpvsState ipvs;
  private IpvsState.Hit ipvsHit;

  /** A trip of {@code packet} under its family's rules; {@code conntrack} if they use it. */
  Trip(Ruleset rules, boolean conntrack, Routing routing, MatchEvaluator matches,
      TargetEffects targets, Stateful stateful, Packet packet) {
    this(rules, conntrack, routing, matches, targets, stateful, packet,
        packet.state() == ConnState.ESTABLISHED ? stateful.binding(packet) : null, false);
  }

  /**
   * A trip of a packet whose connection a flow session knows: {@code binding} is its NAT
   * binding (null for none), {@code natDone} whether its connection's NAT was decided by an
   * earlier packet, so the nat chains are not traversed again.
   */
  Trip(Ruleset rules, boolean conntrack, Routing routing, MatchEvaluator matches,
      TargetEffects targets, Stateful stateful, Packet packet, Binding binding,
      boolean natDone) {
    this.rules = rules;
    this.routing = routing;
    this.matches = matches;
    this.targets = targets;
    this.stateful = stateful;
    this.s = new TripState(packet, binding, new Conntrack(conntrack, natDone));
  }

  /**
   * Lets IPVS schedule the packets to its virtual services (after filter INPUT, and after nat
   * OUTPUT for the host's own) and put its answers back.
   */
  Trip withIpvs(IpvsState state) {
    this.ipvs = state;
    s.ipvs = state;
    return this;
  }

  /** The conntrack view the trip ended with (whether the packet met the conntrack hook). */
  Conntrack conntrack() {
    return s.conntrack;
  }

  /** Decides the packet: arriving, or sent by the host. */
  Decision run() {
    return s.original.locallyGenerated() ? outgoing() : incoming();
  }

  // ------------------------------------------------------------ paths

  private Decision incoming() {
    s.inIf = s.packet.in();
    s.outIf = "";
    s.hook = Hook.PREROUTING;
    if (Routing.v6Martian(s.packet, s.inIf)) {
      return finish(Outcome.MARTIAN); // ip6_rcv_core drops it before any hook
    }
    if (s.packet.fragment() && s.conntrack.on()) {
      return finish(Outcome.HELD); // defragmentation (priority -400) waits for the rest
    }
    if (!preroutingThenRoute()) {
      return ended();
    }
    return afterRouting();
  }

  /** PREROUTING up to the routing decision; false when the packet ended. */
  private boolean preroutingThenRoute() {
    if (!table(Table.RAW)) {
      return false;
    }
    s.conntrack.attach(s.packet);
    if (!table(Table.MANGLE)) {
      return false;
    }
    return dstNat();
  }

  /**
   * nat PREROUTING or OUTPUT for a connection's first packet; the binding's destination NAT for
   * a later one. False when the packet ended.
   */
  private boolean dstNat() {
    if (s.conntrack.natEligible(s.packet)) {
      return table(Table.NAT);
    }
    TargetEffects.boundDst(s.binding, s);
    return true;
  }

  /** nat INPUT or POSTROUTING, or the binding's source NAT. False when the packet ended. */
  private boolean srcNat() {
    if (s.conntrack.natEligible(s.packet)) {
      return table(Table.NAT);
    }
    TargetEffects.boundSrc(s.binding, s);
    return true;
  }

  private Decision afterRouting() {
    Route route = routing.incoming(s.packet, s.inIf, s.redirected);
    if (route instanceof Route.Refused r) {
      return finish(r.outcome());
    } else if (route instanceof Route.Local) {
      boolean v6 = s.packet.family() == Family.IPV6;
      if (s.packet.fragment() && !v6) {
        return finish(Outcome.HELD); // ip_local_deliver reassembles before the INPUT hook
      }
      s.hook = Hook.INPUT;
      s.outIf = "";
      if (!table(Table.MANGLE) || !table(Table.FILTER)) {
        return ended();
      }
      // IPVS at LOCAL_IN: ip_vs_out (priority 98) puts an answer to a connection of the
      // host's own back to the virtual service; ip_vs_in (99) takes a request to one
      if (ipvs != null && !s.packet.fragment() && !ipvsAnswer()) {
        IpvsState.Hit hit = ipvsRequest();
        if (hit != null) {
          return ipvsForward(hit);
        }
      }
      if (!srcNat()) {
        return ended();
      }
      s.conntrack.confirm(); // ipv4_confirm/ipv6_confirm, last at LOCAL_IN
      // IPv6 reassembles after the INPUT hook: the fragment header is a protocol handler
      // (ipv6_frag_rcv) that ip6_input_finish calls
      return finish(s.packet.fragment() ? Outcome.HELD : Outcome.DELIVERED);
    } else if (route instanceof Route.Forward f) {
      if (s.packet.ttl() <= 1) {
        return finish(Outcome.TTL_EXCEEDED);
      }
      if (Routing.v6ForwardRefused(s.packet, s.inIf, f.dev())) {
        return finish(Outcome.MARTIAN);
      }
      // ip_forward decrements the TTL before the FORWARD hook runs.
      s.packet = s.packet.withTosTtl(s.packet.tos(), s.packet.ttl() - 1);
      s.hook = Hook.FORWARD;
      s.outIf = f.dev();
      if (!table(Table.MANGLE) || !table(Table.FILTER)) {
        return ended();
      }
      // ip_vs_out at FORWARD priority 100, after filter: a real server's answer gets the
      // virtual address and port back
      if (ipvs != null && !s.packet.fragment()) {
        ipvsAnswer();
      }
      s.hook = Hook.POSTROUTING;
      s.inIf = "";
      if (!postrouting(f)) {
        return ended();
      }
      s.conntrack.confirm(); // last at POST_ROUTING
      return finish(Outcome.FORWARDED);
    }
    throw new AssertionError("unknown route " + route);
  }

  private Decision outgoing() {
    Route route = routing.outgoing(s.packet, s.redirected);
    if (route instanceof Route.Refused r) {
      return finish(r.outcome());
    }
    if (s.packet.fragment() && s.conntrack.on()) {
      return finish(Outcome.HELD); // defragmentation in LOCAL_OUT (priority -400)
    }
    s.hook = Hook.OUTPUT;
    s.inIf = "";
    s.outIf = Routing.device(route);
    if (!table(Table.RAW)) {
      return ended();
    }
    s.conntrack.attach(s.packet);
    long markBefore = s.packet.mark();
    int tosBefore = s.packet.tos();
    if (!table(Table.MANGLE)) {
      return ended();
    }
    if ((s.packet.mark() != markBefore || s.packet.tos() != tosBefore)
        && Routing.reroutingFails(s.packet, route)) {
      return finish(Outcome.DROPPED);
    }
    IpAddr before = s.packet.dst();
    if (!dstNat()) {
      return ended();
    }
    if (!s.packet.dst().equals(before)) {
      // A DNAT in OUTPUT reroutes the packet (ip_route_me_harder). The rest of the OUTPUT
      // hook keeps the hook state NF_HOOK built, so filter OUTPUT's -o still sees the first
      // route's device (ipt_do_table reads state->out); POSTROUTING sees the new one.
      route = routing.outgoing(s.packet, s.redirected);
      if (route instanceof Route.Refused r) {
        return finish(r.outcome());
      }
      if (Routing.reroutingFails(s.packet, route)) {
        return finish(Outcome.DROPPED);
      }
    }
    if (ipvs != null && !s.packet.fragment() && !ipvsAnswer()) {
      // ip_vs_local_request at LOCAL_OUT priority NF_IP_PRI_NAT_DST + 2: after nat OUTPUT
      IpvsState.Hit hit = ipvsRequest();
      if (hit != null) {
        return ipvsLocal(hit);
      }
    }
    if (!table(Table.FILTER)) {
      return ended();
    }
    return leave(route);
  }

  /**
   * POSTROUTING of a packet the host sends (after filter OUTPUT): out by {@code route}, or
   * back in on lo when it is local.
   */
  private Decision leave(Route route) {
    s.hook = Hook.POSTROUTING;
    s.outIf = Routing.device(route);
    if (!postrouting(route)) {
      return ended();
    }
    // confirmed last at POST_ROUTING, also when the packet loops back through lo: it keeps its
    // entry there (nf_conntrack_in leaves a packet that has one alone), so a drop after this
    // point leaves the connection in the table
    s.conntrack.confirm();
    if (route instanceof Route.Forward) {
      return finish(Outcome.SENT);
    } else if (!(route instanceof Route.Local)) {
      throw new AssertionError("unknown route " + route);
    }
    // Loopback: the packet comes back in on lo with its conntrack entry. Both NAT bindings are
    // already set up, so nat PREROUTING and nat INPUT are not traversed again.
    s.hook = Hook.PREROUTING;
    s.inIf = "lo";
    s.outIf = "";
    if (!table(Table.RAW) || !table(Table.MANGLE)) {
      return ended();
    }
    boolean v6 = s.packet.family() == Family.IPV6;
    if (s.packet.fragment() && !v6) {
      return finish(Outcome.HELD); // reassembled before INPUT
    }
    s.hook = Hook.INPUT;
    if (!table(Table.MANGLE) || !table(Table.FILTER)) {
      return ended();
    }
    return finish(s.packet.fragment() ? Outcome.HELD : Outcome.DELIVERED);
  }

  /**
   * A packet IPVS took: with no real server available, ip_vs_leave answers port unreachable and
   * drops it. Otherwise the transmitter (ip_vs_nat_xmit, ip_vs_dr_xmit, ip_vs_tunnel_xmit)
   * rewrites it (masq: the destination becomes the real server; gate and ipip keep it, the
   * route goes to the real server) and sends it through LOCAL_OUT (ip_vs_send_or_cont): raw,
   * mangle and filter OUTPUT, not nat OUTPUT (the connection's destination NAT was settled in
   * PREROUTING), then POSTROUTING, where nat may masquerade it as kube-proxy does. A real
   * server that is a local address is delivered (LOCALNODE). An ipip server of the other family
   * leaves by its tunnel without traversing the rules here (not modelled).
   */
  private Decision ipvsForward(IpvsState.Hit hit) {
    Object sent = ipvsXmit(hit);
    if (sent instanceof Decision d) {
      return d;
    }
    Route route = (Route) sent;
    if (route instanceof Route.Local) {
      return finish(Outcome.DELIVERED); // a local real server: on to the local socket
    }
    s.hook = Hook.OUTPUT;
    s.inIf = "";
    s.outIf = Routing.device(route);
    if (!table(Table.RAW) || !table(Table.MANGLE) || !table(Table.FILTER)) {
      return ended();
    }
    s.hook = Hook.POSTROUTING;
    if (!postrouting(route)) {
      return ended();
    }
    s.conntrack.confirm();
    return finish(Outcome.FORWARDED);
  }

  /**
   * A request of the host's own that IPVS took at LOCAL_OUT (ip_vs_local_request): sent on as
   * from LOCAL_IN, through the whole LOCAL_OUT hook again (raw, mangle, filter; nat OUTPUT has
   * its binding already) and POSTROUTING, where kube-proxy's mark is masqueraded. To a local
   * real server the transmitter answers NF_ACCEPT: the packet goes on to filter OUTPUT and back
   * in on lo.
   */
  private Decision ipvsLocal(IpvsState.Hit hit) {
    Object sent = ipvsXmit(hit);
    if (sent instanceof Decision d) {
      return d;
    }
    Route to = (Route) sent;
    if (!(to instanceof Route.Local)) {
      // NF_HOOK(LOCAL_OUT) again, with the real server's route
      s.outIf = Routing.device(to);
      if (!table(Table.RAW) || !table(Table.MANGLE)) {
        return ended();
      }
    }
    if (!table(Table.FILTER)) {
      return ended();
    }
    return leave(to);
  }

  /**
   * The transmitter's part of a packet IPVS took (ip_vs_nat_xmit, ip_vs_dr_xmit,
   * ip_vs_tunnel_xmit): with no real server available ip_vs_leave answers port unreachable and
   * drops it; masq rewrites the destination to the real server (gate and ipip keep it), the
   * route goes to the real server, and a loopback source may not leave the host
   * (crosses_local_route_boundary). The decision when the packet ended here, else its route.
   */
  private Object ipvsXmit(IpvsState.Hit hit) {
    ipvsHit = hit;
    RealServer r = hit.real();
    if (r == null) {
      s.rejectWith = "icmp-port-unreachable";
      return finish(Outcome.REJECTED);
    }
    if (r.address().family() != s.packet.family()) {
      return finish(s.original.locallyGenerated() ? Outcome.SENT : Outcome.FORWARDED);
    }
    s.ipvsProperty = true; // ip_vs_send_or_cont, ip_vs_nat_send_or_cont
    Packet probe = s.packet.withDst(r.address(), r.port() == 0 ? s.packet.dport() : r.port());
    if (r.method() == ForwardMethod.MASQ) {
      s.packet = probe;
    }
    Route route = routing.hasHost()
        ? routing.outgoing(probe.withRoute(null, null), false)
        : new Route.Forward(s.packet.out() == null ? "" : s.packet.out(), r.address());
    if (route instanceof Route.Refused rf) {
      return finish(rf.outcome());
    }
    if (!(route instanceof Route.Local) && Netfilter.isLoopback(s.packet.src())) {
      return finish(Outcome.DROPPED);
    }
    return route;
  }

  /**
   * ip_vs_in's choice for a packet to this host: its connection entry's server (flows), else a
   * virtual service's schedule (in flows only for a packet that may start a connection); null
   * when IPVS leaves the packet alone.
   */
  private IpvsState.Hit ipvsRequest() {
    IpvsState.Conn c = ipvs.in(s.packet);
    if (c != null) {
      return c.again();
    }
    VirtualService vs = ipvs.find(s.packet);
    if (vs == null || ipvs.looksUp() && !IpvsState.schedulable(s.packet)) {
      return null;
    }
    return ipvs.schedule(vs, s.packet);
  }

  /**
   * ip_vs_out: an answer from a real server (the packet's source) to a client of a connection
   * entry gets the entry's virtual address and port as its source (handle_response). True when
   * it was one.
   */
  private boolean ipvsAnswer() {
    IpvsState.Conn c = ipvs.out(s.packet);
    if (c == null) {
      return false;
    }
    ipvsHit = c.hit().as(IpvsState.Hit.Via.REPLY);
    s.ipvsProperty = true;
    s.ipvsReply = true;
    s.packet = s.packet.withSrc(c.vaddr(), c.vport());
    return true;
  }

  /** mangle and nat POSTROUTING for a packet leaving by {@code route}; false when it ended. */
  private boolean postrouting(Route route) {
    if (!table(Table.MANGLE)) {
      return false;
    }
    s.leaving = route;
    return srcNat();
  }

  // ------------------------------------------------------------ tables

  /** Runs one table at the current hook; false when the packet ended (dropped or rejected). */
  private boolean table(Table t) {
    TableVerdict v = traverse(t);
    if (v == TableVerdict.ACCEPT) {
      return true;
    }
    s.ended = v == TableVerdict.REJECT ? Outcome.REJECTED : Outcome.DROPPED;
    return false;
  }

  private TableVerdict traverse(Table t) {
    Optional<RuleTable> rt = rules.table(t);
    if (rt.isEmpty()) {
      return TableVerdict.ACCEPT;
    }
    Optional<Chain> base = rt.get().chain(s.hook.name());
    if (base.isEmpty() || !base.get().isBuiltin()) {
      return TableVerdict.ACCEPT;
    }
    Deque<Frame> stack = new ArrayDeque<>();
    Frame cur = new Frame(base.get());
    int steps = 0;
    while (true) {
      if (++steps > MAX_STEPS) {
        throw new IllegalStateException("rule evaluation does not terminate (a jump loop?)");
      }
      if (cur.next >= cur.chain.rules().size()) {
        if (stack.isEmpty()) {
          return policy(t, base.get());
        }
        cur = stack.pop();
        continue;
      }
      int index = cur.next++;
      Rule rule = cur.chain.rules().get(index);
      s.evaluated++;
      if (!matches.matches(rule, s.matchInput(), stateful)) {
        continue;
      }
      Target tg = rule.target();
      s.path.add(Step.rule(s.hook, t, cur.chain.name(), index + 1, tg, origin(rule)));
      if (tg instanceof Target.Accept) {
        return TableVerdict.ACCEPT;
      } else if (tg instanceof Target.Drop) {
        return TableVerdict.DROP;
      } else if (tg instanceof Target.Reject rj) {
        s.rejectWith = rj.with();
        return TableVerdict.REJECT;
      } else if (tg instanceof Target.Return) {
        if (stack.isEmpty()) {
          return policy(t, base.get());
        }
        cur = stack.pop();
      } else if (tg instanceof Target.Jump j) {
        stack.push(cur);
        cur = new Frame(chain(rt.get(), j.chain()));
      } else if (tg instanceof Target.Goto g) {
        cur = new Frame(chain(rt.get(), g.chain()));
      } else if (tg instanceof Target.Dnat
          || tg instanceof Target.Snat
          || tg instanceof Target.Masquerade
          || tg instanceof Target.Redirect) {
        // NAT targets end the table (NF_ACCEPT), or drop the packet when they cannot map it
        return targets.nat(tg, s) ? TableVerdict.ACCEPT : TableVerdict.DROP;
      } else if (!targets.apply(tg, s)) {
        return TableVerdict.DROP;
      }
    }
  }

  /**
   * The origin of a rule that matched: for a rule an optimizer pass made of several, the origin
   * of the first of them whose matches hold (the rule the unoptimized chain matched first; see
   * {@link Origin#parts()}). Parts hold no stateful matches, so testing them changes nothing.
   */
  private Origin origin(Rule rule) {
    for (Rule part : rule.origin().parts()) {
      if (matches.matches(part, s.matchInput(), Stateful.FROM_SEQ)) {
        return part.origin();
      }
    }
    return rule.origin();
  }

  /** The end of a built-in chain, or RETURN at the bottom of the call stack: its policy. */
  private TableVerdict policy(Table t, Chain base) {
    Verdict p = base.policy();
    s.path.add(Step.policy(s.hook, t, base.name(), p));
    return p == Verdict.DROP ? TableVerdict.DROP : TableVerdict.ACCEPT;
  }

  private static Chain chain(RuleTable rt, String name) {
    return rt.chain(name)
        .orElseThrow(() -> new IllegalStateException("jump to missing chain " + name));
  }

  /** A position in a chain during traversal. */
  private static final class Frame {
    final Chain chain;
    int next;

    Frame(Chain chain) {
      this.chain = chain;
    }
  }

  // ------------------------------------------------------------ result

  /** The decision for a packet a table ended (dropped or rejected). */
  private Decision ended() {
    return finish(s.ended);
  }

  private Decision finish(Outcome o) {
    // A connection's first packet that gets through sets up its NAT binding for the session
    // (not when MASQUERADE without a host model leaves the address unknown).
    if (o.passes() && s.binding == null && (s.dnat != null || s.snat != null)
        && s.conntrack.natEligible(s.packet) && (s.snat == null || s.snat.addr() != null)) {
      stateful.remember(new Binding(Tuple.of(s.original), Tuple.of(s.packet), false));
    }
    String out = switch (o) {
      case FORWARDED, SENT -> s.outIf;
      case DELIVERED -> s.original.locallyGenerated() ? "lo" : null;
      default -> null;
    };
    return new Decision(o, o == Outcome.REJECTED ? s.rejectWith : null, s.path, s.packet, out,
        s.conntrack.finalState(s.packet), s.dnat, s.snat, s.logs, s.mss, s.evaluated, ipvsHit);
  }
}
