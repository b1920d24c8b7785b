package dev.policyc.compiler.interp;

import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import java.util.ArrayList;
import java.util.List;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;

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
 *
 * <p>A {@link FlowSession} decides a sequence of packets instead, as the kernel would: their
 * conntrack states, NAT and connection marks come from one simulated conntrack table, and each
 * stateful match keeps its own state, refilled by the packets' time stamps.
 *
 * <p>Inside, each decision is one {@code Trip} through the hooks, whose state is a {@code
 * TripState}: {@code Routing} says where the packet goes, {@code MatchEvaluator} whether a
 * rule's matches hold, {@code TargetEffects} what its target does, {@code Conntrack} what
 * conntrack knows of the packet, and {@code Stateful} what earlier packets left behind.
 */
public final class Interpreter {
  private final IrPolicy policy;
  /** Per family: whether its rules switch conntrack on in the namespace. */
  private final boolean[] conntrack = new boolean[Family.values().length];
  private final Stateful stateful;
  private final Routing routing;
  private final MatchEvaluator matches;
  private final TargetEffects targets;
  /** The host's IPVS services and their schedulers' state, or null. */
  private IpvsState ipvs;

  public Interpreter(IrPolicy policy) {
    this(policy, Stateful.FROM_SEQ);
  }

  /**
   * An interpreter of a host that also runs IPVS: packets to a virtual service are scheduled
   * after filter INPUT, and the schedulers keep their state from one decision to the next
   * (docs/ipvs.md).
   */
  public Interpreter(IrPolicy policy, IpvsConfig ipvs) {
    this(policy, ipvs, IPVS_DEVICE);
  }

  /**
   * As {@link #Interpreter(IrPolicy, IpvsConfig)}, with the virtual IPs bound on the dummy
   * interface {@code vipDevice} (kube-proxy's is {@code kube-ipvs0}).
   */
  public Interpreter(IrPolicy policy, IpvsConfig ipvs, String vipDevice) {
    this(withVips(policy, ipvs, vipDevice), Stateful.FROM_SEQ);
    this.ipvs = ipvs.isEmpty() ? null : new IpvsState(ipvs);
  }

  /**
   * The policy with the virtual IPs its host model does not have bound on the dummy interface
   * {@code interfaces.sh} creates ({@code device}), as host addresses: then packets to them are
   * local. (A dummy link that is down, as kube-proxy leaves kube-ipvs0, still gets the local
   * routes of its addresses.)
   */
  public static IrPolicy withVips(IrPolicy policy, IpvsConfig ipvs, String device) {
    HostModel h = policy.host();
    if (h == null || ipvs.isEmpty()) {
      return policy;
    }
    List<HostModel.IfAddr> vips = new ArrayList<>();
    for (VirtualService vs : ipvs.services()) {
      if (!vs.isFwmark() && !h.hasAddress(vs.address())
          && vips.stream().noneMatch(a -> a.addr().equals(vs.address()))) {
        vips.add(new HostModel.IfAddr(vs.address(), IpAddr.bits(vs.family())));
      }
    }
    if (vips.isEmpty()) {
      return policy;
    }
    List<HostModel.Iface> ifaces = new ArrayList<>();
    for (HostModel.Iface i : h.ifaces()) {
      if (i.name().equals(device)) {
        // the host model has the device already: the virtual IPs join its addresses
        vips.addAll(0, i.addrs());
      } else {
        ifaces.add(i);
      }
    }
    ifaces.add(new HostModel.Iface(device, vips));
    return new IrPolicy(policy.name(), new HostModel(h.forwarding(), ifaces, h.routes()),
        policy.sets(), policy.ipv4(), policy.ipv6());
  }

  /** The dummy interface of interfaces.sh (emit.ipvs.InterfacesEmitter.DEVICE). */
  public static final String IPVS_DEVICE = "policyc-ipvs0";

  /** The IPVS state, or null without IPVS. */
  public IpvsState ipvs() {
    return ipvs;
  }

  private Interpreter(IrPolicy policy, Stateful stateful) {
    this.policy = policy;
    this.stateful = stateful;
    for (Family f : Family.values()) {
      conntrack[f.ordinal()] = Conntrack.usedBy(policy.ruleset(f));
    }
    this.routing = new Routing(policy.host());
    this.matches = new MatchEvaluator(policy.host(), policy.sets());
    this.targets = new TargetEffects(policy.host());
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

  /**
   * Whether a family's rules switch connection tracking on in the kernel's namespace (and so
   * IPv4 defragmentation before the rules, and the nat chains).
   */
  public static boolean usesConntrack(Ruleset rules) {
    return Conntrack.usedBy(rules);
  }

  /**
   * Whether one rule switches connection tracking on in its family's namespace: a family's rules
   * use conntrack while at least one of them does (a pass that removes rules keeps one).
   */
  public static boolean usesConntrack(Rule rule) {
    return Conntrack.usedBy(rule);
  }

  /**
   * The state conntrack gives a packet that belongs to no connection: what {@code explain}
   * assumes when a packet names none, and what a session's first packet of a flow gets.
   */
  public static ConnState firstPacketState(Packet p) {
    return Conntrack.firstPacketState(p);
  }

  /** Decides one packet. */
  public static Decision decide(IrPolicy policy, Packet packet) {
    return new Interpreter(policy).decide(packet);
  }

  /** Decides one packet. */
  public Decision decide(Packet packet) {
    check(packet);
    Family f = packet.family();
    return new Trip(policy.ruleset(f), conntrack[f.ordinal()], routing, matches, targets,
        stateful, packet).withIpvs(ipvs).run();
  }

  /**
   * The trip of a packet of a connection a {@link FlowSession} knows: its NAT {@code binding}
   * (or null), and whether an earlier packet decided its NAT.
   */
  Trip trip(Packet packet, Stateful.Binding binding, boolean natDone) {
    check(packet);
    Family f = packet.family();
    return new Trip(policy.ruleset(f), conntrack[f.ordinal()], routing, matches, targets,
        stateful, packet, binding, natDone).withIpvs(ipvs);
  }

  /** Whether the namespace tracks connections of a family (its rules use conntrack). */
  boolean tracks(Family f) {
    return conntrack[f.ordinal()];
  }

  /** Whether the policy has a host model (which decides where packets go). */
  boolean hasHostModel() {
    return policy.host() != null;
  }

  /** The session's stateful model, for a {@link FlowSession} to move its clock. */
  Stateful stateful() {
    return stateful;
  }

  /** A session interpreter whose stateful matches a flow session drives. */
  static Interpreter counting(IrPolicy policy, Stateful.Counting counting) {
    return new Interpreter(policy, counting);
  }

  /**
   * As {@link #counting(IrPolicy, Stateful.Counting)}, on a host that runs IPVS with its
   * virtual IPs on {@code vipDevice}: packets are looked up in IPVS's connection table before
   * they are scheduled, as the kernel does.
   */
  static Interpreter counting(IrPolicy policy, Stateful.Counting counting, IpvsConfig ipvs,
      String vipDevice) {
    Interpreter i = new Interpreter(withVips(policy, ipvs, vipDevice), counting);
    i.ipvs = ipvs.isEmpty() ? null : new IpvsState(ipvs, true);
    return i;
  }

  private void check(Packet packet) {
    if (policy.host() != null && packet.out() != null) {
      throw new IllegalArgumentException(
          "the policy has a host model, which decides the output interface; drop 'out "
              + packet.out() + "' from the packet");
    }
    if (policy.host() == null && packet.locallyGenerated() && packet.out() == null) {
      throw new IllegalArgumentException(
          "a packet the host sends needs 'out IF' when the policy has no host model");
    }
  }
}
