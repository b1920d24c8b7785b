package dev.policyc.compiler.interp;

import dev.policyc.compiler.interp.Decision.Nat;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Decision.Step;
import dev.policyc.compiler.interp.Stateful.Binding;
import dev.policyc.compiler.interp.Stateful.Tuple;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The reference interpreter: what the Linux kernel does with a packet under an {@link IrPolicy}.
 * It is the executable specification every emitter, optimizer pass and the kernel oracle are
 * checked against. See {@code docs/semantics.md} for the model and its sources.
 *
 * <p>In short: hooks run in kernel order (PREROUTING raw, conntrack, mangle, nat; the routing
 * decision; INPUT mangle, filter, nat or FORWARD mangle, filter; OUTPUT raw, conntrack, mangle,
 * nat, reroute, filter; POSTROUTING mangle, nat). ACCEPT ends one table only. The nat chains see
 * only the first packet of a connection (NEW, or RELATED other than ICMP errors); INVALID and
 * UNTRACKED packets skip NAT. Stateful matches follow a documented model: a packet carries {@code
 * seq}, the number of identical packets sent back to back before it since the rules were loaded,
 * so {@code limit} matches while {@code seq < burst}, and {@code statistic --mode nth} matches
 * when {@code seq % every == packet}; {@code --mode random} compares the packet's
 * {@code random} draw with the stored probability.
 */
public final class Interpreter {
  private static final int MAX_STEPS = 1_000_000;
  private final IrPolicy policy;
  private final boolean[] conntrack = new boolean[Family.values().length];
  private final Stateful stateful;
  private final Routing routing;
  private final MatchEvaluator matches;

  public Interpreter(IrPolicy policy) {
    this(policy, Stateful.FROM_SEQ);
  }

  private Interpreter(IrPolicy policy, Stateful stateful) {
    this.policy = policy;
    this.stateful = stateful;
    this.routing = new Routing(policy.host());
    this.matches = new MatchEvaluator(policy.host(), policy.sets());
    for (Family f : Family.values()) {
      conntrack[f.ordinal()] = Conntrack.usedBy(policy.ruleset(f));
    }
  }

  /**
   * A session: packets decided one after another against the same loaded rules, so that
   * {@code limit} buckets drain and {@code statistic --mode nth} counters advance as the kernel's
   * do (each evaluation of the match counts; tokens do not refill within a session). The
   * packets' own {@code seq} is ignored.
   */
  public static Interpreter session(IrPolicy policy) {
    return new Interpreter(policy, new Stateful.Counting());
  }

  /** Decides one packet. */
  public static Decision decide(IrPolicy policy, Packet packet) {
    return new Interpreter(policy).decide(packet);
  }

  /** Decides one packet. */
  public Decision decide(Packet packet) {
    if (policy.host() != null && packet.out() != null) {
      throw new IllegalArgumentException(
          "the policy has a host model, which decides the output interface; drop 'out "
              + packet.out() + "' from the packet");
    }
    if (policy.host() == null && packet.locallyGenerated() && packet.out() == null) {
      throw new IllegalArgumentException(
          "a packet the host sends needs 'out IF' when the policy has no host model");
    }
    Run r = new Run(packet);
    return packet.locallyGenerated() ? r.outgoing() : r.incoming();
  }

  private enum Verdict3 {
    ACCEPT,
    DROP,
    REJECT
  }

  /** The state of one packet's trip through the hooks. */
  private final class Run {
    private final Packet original;
    private final Ruleset rules;
    private Packet pkt;
    private Hook hook;
    private String inIf = "";
    private String outIf = "";
    private final Conntrack ct;
    private boolean dstNatDone;
    private boolean srcNatDone;
    private boolean forceLocal;
    private String rejectWith;
    private Nat dnat;
    private Nat snat;
    private Integer mss;
    private boolean mssOption;
    private final List<Step> path = new ArrayList<>();
    private final List<String> logs = new ArrayList<>();
    private Outcome dropOutcome;

    /** The connection's NAT binding when this packet continues a connection of the session. */
    private final Binding binding;

    Run(Packet packet) {
      this.original = packet;
      this.pkt = packet;
      this.rules = policy.ruleset(packet.family());
      this.ct = new Conntrack(conntrack[packet.family().ordinal()]);
      this.binding = packet.state() == ConnState.ESTABLISHED ? stateful.binding(packet) : null;
    }

    /**
     * Destination NAT of a packet that belongs to a known connection (nat chains are not
     * traversed; "all future packets in this connection will also be mangled"): the original
     * direction gets the DNAT, answers get the SNAT undone.
     */
    private void boundDst() {
      if (binding == null || !ct.hasConnection(pkt)) {
        return;
      }
      Tuple o = binding.original();
      Tuple t = binding.translated();
      if (!binding.reply() && (!t.dst().equals(o.dst()) || t.dport() != o.dport())) {
        dnat = new Nat(Nat.Kind.CONNECTION_DNAT, t.dst(), pkt.hasPorts() ? PortRange.of(t.dport()) : null);
        pkt = pkt.withDst(t.dst(), pkt.hasPorts() ? t.dport() : pkt.dport());
      } else if (binding.reply() && (!t.src().equals(o.src()) || t.sport() != o.sport())) {
        dnat = new Nat(Nat.Kind.CONNECTION_UNSNAT, o.src(),
            pkt.hasPorts() ? PortRange.of(o.sport()) : null);
        pkt = pkt.withDst(o.src(), pkt.hasPorts() ? o.sport() : pkt.dport());
      }
    }

    /** Source NAT of a packet of a known connection: SNAT forward, DNAT undone for answers. */
    private void boundSrc() {
      if (binding == null || !ct.hasConnection(pkt)) {
        return;
      }
      Tuple o = binding.original();
      Tuple t = binding.translated();
      if (!binding.reply() && (!t.src().equals(o.src()) || t.sport() != o.sport())) {
        snat = new Nat(Nat.Kind.CONNECTION_SNAT, t.src(), pkt.hasPorts() ? PortRange.of(t.sport()) : null);
        pkt = pkt.withSrc(t.src(), pkt.hasPorts() ? t.sport() : pkt.sport());
      } else if (binding.reply() && (!t.dst().equals(o.dst()) || t.dport() != o.dport())) {
        snat = new Nat(Nat.Kind.CONNECTION_UNDNAT, o.dst(),
            pkt.hasPorts() ? PortRange.of(o.dport()) : null);
        pkt = pkt.withSrc(o.dst(), pkt.hasPorts() ? o.dport() : pkt.sport());
      }
    }

    // ------------------------------------------------------------ paths

    Decision incoming() {
      inIf = pkt.in();
      outIf = "";
      hook = Hook.PREROUTING;
      if (Routing.v6Martian(pkt, inIf)) {
        return finish(Outcome.MARTIAN); // ip6_rcv_core drops it before any hook
      }
      if (pkt.fragment() && ct.on()) {
        return finish(Outcome.HELD); // defragmentation (priority -400) waits for the rest
      }
      if (!preroutingThenRoute()) {
        return finish(null);
      }
      return afterRouting();
    }

    /** PREROUTING up to the routing decision; false when the packet ended. */
    private boolean preroutingThenRoute() {
      if (!table(Table.RAW)) {
        return false;
      }
      ct.attach(pkt);
      if (!table(Table.MANGLE)) {
        return false;
      }
      if (ct.natEligible(pkt) && !dstNatDone) {
        dstNatDone = true;
        if (!table(Table.NAT)) {
          return false;
        }
      } else {
        boundDst();
      }
      return true;
    }

    private Decision afterRouting() {
      Route route = routing.incoming(pkt, inIf, forceLocal);
      if (route instanceof Route.Refused r) {
        return finish(r.outcome());
      } else if (route instanceof Route.Local) {
        if (pkt.fragment()) {
          return finish(Outcome.HELD); // ip_local_deliver reassembles before the INPUT hook
        }
        hook = Hook.INPUT;
        outIf = "";
        if (!table(Table.MANGLE) || !table(Table.FILTER)) {
          return finish(null);
        }
        if (ct.natEligible(pkt) && !srcNatDone) {
          srcNatDone = true;
          if (!table(Table.NAT)) {
            return finish(null);
          }
        } else {
          boundSrc();
        }
        return finish(Outcome.DELIVERED);
      } else if (route instanceof Route.Forward f) {
        if (pkt.ttl() <= 1) {
          return finish(Outcome.TTL_EXCEEDED);
        }
        // ip_forward decrements the TTL before the FORWARD hook runs.
        pkt = pkt.withTosTtl(pkt.tos(), pkt.ttl() - 1);
        hook = Hook.FORWARD;
        outIf = f.dev();
        if (!table(Table.MANGLE) || !table(Table.FILTER)) {
          return finish(null);
        }
        hook = Hook.POSTROUTING;
        inIf = "";
        if (!postrouting(f.dev(), f.nextHop())) {
          return finish(null);
        }
        return finish(Outcome.FORWARDED);
      }
      throw new AssertionError("unknown route " + route);
    }

    Decision outgoing() {
      Route route = routing.outgoing(pkt, forceLocal);
      if (route instanceof Route.Refused r) {
        return finish(r.outcome());
      }
      if (pkt.fragment() && ct.on()) {
        return finish(Outcome.HELD); // defragmentation in LOCAL_OUT (priority -400)
      }
      hook = Hook.OUTPUT;
      inIf = "";
      outIf = Routing.device(route);
      if (!table(Table.RAW)) {
        return finish(null);
      }
      ct.attach(pkt);
      long markBefore = pkt.mark();
      int tosBefore = pkt.tos();
      if (!table(Table.MANGLE)) {
        return finish(null);
      }
      if ((pkt.mark() != markBefore || pkt.tos() != tosBefore)
          && Routing.reroutingFails(pkt, route)) {
        return finish(Outcome.DROPPED);
      }
      IpAddr before = pkt.dst();
      if (ct.natEligible(pkt) && !dstNatDone) {
        dstNatDone = true;
        if (!table(Table.NAT)) {
          return finish(null);
        }
      } else {
        boundDst();
      }
      if (!pkt.dst().equals(before)) {
        // A DNAT in OUTPUT reroutes the packet (ip_route_me_harder). The rest of the OUTPUT
        // hook keeps the hook state NF_HOOK built, so filter OUTPUT's -o still sees the first
        // route's device (ipt_do_table reads state->out); POSTROUTING sees the new one.
        route = routing.outgoing(pkt, forceLocal);
        if (route instanceof Route.Refused r) {
          return finish(r.outcome());
        }
        if (Routing.reroutingFails(pkt, route)) {
          return finish(Outcome.DROPPED);
        }
      }
      if (!table(Table.FILTER)) {
        return finish(null);
      }
      hook = Hook.POSTROUTING;
      outIf = Routing.device(route);
      if (!postrouting(outIf, Routing.nextHop(route, pkt.dst()))) {
        return finish(null);
      }
      if (route instanceof Route.Forward) {
        return finish(Outcome.SENT);
      } else if (!(route instanceof Route.Local)) {
        throw new AssertionError("unknown route " + route);
      }
      // Loopback: the packet comes back in on lo with its conntrack entry. Both NAT bindings are
      // already set up, so nat PREROUTING and nat INPUT are not traversed again.
      hook = Hook.PREROUTING;
      inIf = "lo";
      outIf = "";
      if (!table(Table.RAW) || !table(Table.MANGLE)) {
        return finish(null);
      }
      if (pkt.fragment()) {
        return finish(Outcome.HELD); // reassembled before INPUT
      }
      hook = Hook.INPUT;
      if (!table(Table.MANGLE) || !table(Table.FILTER)) {
        return finish(null);
      }
      return finish(Outcome.DELIVERED);
    }

    private boolean postrouting(String dev, IpAddr nextHop) {
      if (!table(Table.MANGLE)) {
        return false;
      }
      if (ct.natEligible(pkt) && !srcNatDone) {
        srcNatDone = true;
        masqDev = dev;
        masqNextHop = nextHop;
        return table(Table.NAT);
      }
      boundSrc();
      return true;
    }

    private String masqDev;
    private IpAddr masqNextHop;

    // ------------------------------------------------------------ tables

    /** Runs one table at the current hook; false when the packet ended (dropped or rejected). */
    private boolean table(Table t) {
      Verdict3 v = traverse(t);
      if (v == Verdict3.ACCEPT) {
        return true;
      }
      dropOutcome = v == Verdict3.REJECT ? Outcome.REJECTED : Outcome.DROPPED;
      return false;
    }

    private Verdict3 traverse(Table t) {
      Optional<RuleTable> rt = rules.table(t);
      if (rt.isEmpty()) {
        return Verdict3.ACCEPT;
      }
      Optional<Chain> base = rt.get().chain(hook.name());
      if (base.isEmpty() || !base.get().isBuiltin()) {
        return Verdict3.ACCEPT;
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
        MatchInput in = new MatchInput(pkt, inIf, outIf, ct.state(pkt), original);
        if (!matches.matches(rule, in, stateful)) {
          continue;
        }
        Target tg = rule.target();
        path.add(Step.rule(hook, t, cur.chain.name(), index + 1, tg, rule.origin()));
        if (tg instanceof Target.Accept) {
          return Verdict3.ACCEPT;
        } else if (tg instanceof Target.Drop) {
          return Verdict3.DROP;
        } else if (tg instanceof Target.Reject rj) {
          rejectWith = rj.with();
          return Verdict3.REJECT;
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
          return nat(tg) ? Verdict3.ACCEPT : Verdict3.DROP;
        } else if (!apply(tg)) {
          return Verdict3.DROP;
        }
      }
    }

    private Verdict3 policy(Table t, Chain base) {
      Verdict p = base.policy();
      path.add(Step.policy(hook, t, base.name(), p));
      return p == Verdict.DROP ? Verdict3.DROP : Verdict3.ACCEPT;
    }

    private Chain chain(RuleTable rt, String name) {
      return rt.chain(name)
          .orElseThrow(() -> new IllegalStateException("jump to missing chain " + name));
    }

    // ------------------------------------------------------------ targets

    /** Applies a target that lets the packet go on; false when it drops the packet instead. */
    private boolean apply(Target tg) {
      if (tg instanceof Target.None) {
        return true;
      } else if (tg instanceof Target.Log l) {
        logs.add(l.prefix() == null ? "" : l.prefix());
      } else if (tg instanceof Target.Mark m) {
        pkt = pkt.withMarks(((pkt.mark() & ~m.mask()) ^ m.value()) & 0xffffffffL, pkt.ctmark());
      } else if (tg instanceof Target.ConnMark c) {
        if (!ct.hasConnection(pkt)) {
          return true;
        }
        long mark = pkt.mark();
        long ct = pkt.ctmark();
        switch (c.mode()) {
          case SET -> ct = (ct & ~c.mask()) ^ c.value();
          case SAVE -> ct = (ct & ~c.ctmask()) ^ (mark & c.nfmask());
          case RESTORE -> mark = (mark & ~c.nfmask()) ^ (ct & c.ctmask());
          default -> throw new AssertionError(c.mode());
        }
        pkt = pkt.withMarks(mark & 0xffffffffL, ct & 0xffffffffL);
      } else if (tg instanceof Target.Dscp d) {
        pkt = pkt.withTosTtl((pkt.tos() & 0x03) | (d.value() << 2), pkt.ttl());
      } else if (tg instanceof Target.Tos t) {
        pkt = pkt.withTosTtl(((pkt.tos() & ~t.mask()) ^ t.value()) & 0xff, pkt.ttl());
      } else if (tg instanceof Target.Ttl t) {
        int ttl = switch (t.op()) {
          case SET -> t.value();
          case INC -> Math.min(255, pkt.ttl() + t.value());
          case DEC -> Math.max(0, pkt.ttl() - t.value());
        };
        pkt = pkt.withTosTtl(pkt.tos(), ttl);
      } else if (tg instanceof Target.TcpMss t) {
        return tcpMss(t);
      } else if (tg instanceof Target.NoTrack) {
        ct.notrack();
      } else {
        throw new AssertionError("not a continuing target: " + tg);
      }
      return true;
    }

    /**
     * TCPMSS (tcpmss_mangle_packet). Packets carry no TCP options here, so the first TCPMSS to
     * meet a segment without payload adds an MSS option: the packet grows by 4 bytes, which
     * later length matches see. A segment with payload is left alone (the option cannot be
     * added without moving the data), and so is a non-first fragment; a later TCPMSS only
     * lowers the option's value. A segment too short for its TCP header is dropped.
     */
    private boolean tcpMss(Target.TcpMss t) {
      if (pkt.proto() != Protocols.TCP || pkt.fragment()) {
        return true;
      }
      int headers = (pkt.family() == Family.IPV4 ? 20 : 40) + 20;
      if (pkt.length() < headers) {
        return false;
      }
      if (mssOption) {
        if (mss != null && mss != 0 && t.mss() != 0) {
          mss = Math.min(mss, t.mss());
        }
        return true;
      }
      if (pkt.length() == headers) {
        pkt = pkt.withLength(headers + 4);
        mssOption = true;
        mss = t.mss();
      }
      return true;
    }

    /** Applies a NAT target; false when the kernel drops the packet instead. */
    private boolean nat(Target tg) {
      HostModel host = policy.host();
      boolean ports = pkt.hasPorts();
      if (tg instanceof Target.Dnat d) {
        IpAddr to = d.addrs() == null ? pkt.dst() : NatChoice.pick(d.addrs(), pkt.src(), pkt.dst(), true);
        int port = dstPort(d.ports());
        dnat = new Nat(Nat.Kind.DNAT, to, ports ? PortRange.of(port) : null);
        pkt = pkt.withDst(to, port);
        return true;
      } else if (tg instanceof Target.Redirect rd) {
        IpAddr to;
        if (hook == Hook.OUTPUT) {
          to = Netfilter.localhost(pkt.family());
        } else if (host == null) {
          to = null;
        } else {
          to = host.redirectTarget(inIf, pkt.dst()).orElse(null);
          if (to == null) {
            return false; // nf_nat_redirect: no (fitting) address on the input device
          }
        }
        int port = dstPort(rd.ports());
        dnat = new Nat(Nat.Kind.REDIRECT, to, ports ? PortRange.of(port) : null);
        pkt = pkt.withDst(to == null ? pkt.dst() : to, port);
        forceLocal = true;
        return true;
      } else if (tg instanceof Target.Snat s) {
        return srcNat(Nat.Kind.SNAT, s.addrs(), s.ports());
      } else if (tg instanceof Target.Masquerade m) {
        if (host == null) {
          snat = new Nat(Nat.Kind.MASQUERADE, null, srcPorts(m.ports()));
          return true;
        }
        Optional<IpAddr> addr = host.masqueradeSource(masqDev, masqNextHop, pkt.dst());
        if (addr.isEmpty()) {
          return false; // masquerade_tg: no address to give ("ate my IP address")
        }
        return srcNat(Nat.Kind.MASQUERADE, IpRange.host(addr.get()), m.ports());
      }
      throw new AssertionError(tg);
    }

    private int dstPort(PortRange range) {
      if (range == null || !pkt.hasPorts() || range.contains(pkt.dport())) {
        return pkt.dport();
      }
      return range.lo(); // get_unique_tuple: a destination mapping starts at the range's start
    }

    private PortRange srcPorts(PortRange range) {
      if (!pkt.hasPorts()) {
        return null;
      }
      if (range == null || range.contains(pkt.sport())) {
        return PortRange.of(pkt.sport());
      }
      return range; // the kernel picks a free port of the range at random
    }

    private boolean srcNat(Nat.Kind kind, IpRange addrs, PortRange portRange) {
      boolean portOk = portRange == null || !pkt.hasPorts() || portRange.contains(pkt.sport());
      IpAddr to = pkt.src();
      if (addrs != null && !(addrs.contains(pkt.src()) && portOk)) {
        to = NatChoice.pick(addrs, pkt.src(), pkt.dst(), false);
      }
      PortRange p = srcPorts(portRange);
      snat = new Nat(kind, to, p);
      pkt = pkt.withSrc(to, p != null && p.isSingle() ? p.lo() : pkt.sport());
      return true;
    }

    // ------------------------------------------------------------ result

    private Decision finish(Outcome outcome) {
      Outcome o = outcome != null ? outcome : dropOutcome;
      if (o.passes() && binding == null && (dnat != null || snat != null) && ct.natEligible(pkt)
          && (snat == null || snat.addr() != null)) {
        stateful.remember(new Binding(Tuple.of(original), Tuple.of(pkt), false));
      }
      String out = switch (o) {
        case FORWARDED, SENT -> outIf;
        case DELIVERED -> original.locallyGenerated() ? "lo" : null;
        default -> null;
      };
      ConnState finalState = ct.finalState(pkt);
      return new Decision(o, o == Outcome.REJECTED ? rejectWith : null, path, pkt, out,
          finalState, dnat, snat, logs, mss);
    }
  }

  /** A position in a chain during traversal. */
  private static final class Frame {
    final Chain chain;
    int next;

    Frame(Chain chain) {
      this.chain = chain;
    }
  }
}
