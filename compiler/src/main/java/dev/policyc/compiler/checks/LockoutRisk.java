package dev.policyc.compiler.checks;

import dev.policyc.compiler.analysis.RuleView;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Coverage.Budget;
import dev.policyc.compiler.space.Coverage;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.NameSet;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.PolicyPath;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A policy that leaves no way to manage the host over SSH: in every family (that the host model
 * gives the host an address in), no source can open a session to the management port ({@link
 * CheckSettings#managementPort()}, 22 by default). A session needs three things of the filter
 * table: INPUT accepting a new connection to the port from some source on an interface other
 * than {@code lo}, INPUT accepting the established packets of that connection, and OUTPUT
 * accepting the replies. Loading such a policy over SSH cuts the session that loads it, or the
 * next one.
 *
 * <p>The policy language declares no administrators: the sources SSH is accepted from are
 * whatever the policy accepts, so the check warns only when no source at all is left. The
 * analysis is conservative: a jump, an opaque rule or a rate limit that may accept counts as
 * accepting, a rule that rewrites packets on the way makes the check conclude nothing, and the
 * other tables are not read.
 */
final class LockoutRisk implements Check {
  /** Work units (see {@link Budget}) for the walks of one family. */
  private static final long BUDGET = 20_000_000;

  /** How far a session gets in one family, and what lets it go further. */
  enum Stage {
    NO_NEW("INPUT accepts no new connection to it",
        "accept new connections to the port from the admin networks"),
    NO_ESTABLISHED("INPUT accepts new connections to it but not their established packets",
        "accept state established in INPUT"),
    NO_REPLY("OUTPUT accepts none of the replies", "accept state established in OUTPUT"),
    OPEN(null, null),
    UNKNOWN(null, null);

    final String words;
    final String fix;

    Stage(String words, String fix) {
      this.words = words;
      this.fix = fix;
    }
  }

  @Override
  public Code code() {
    return Code.PC7008;
  }

  @Override
  public boolean runsOnPartialIr() {
    return false;
  }

  @Override
  public void run(CheckContext ctx) {
    int port = ctx.settings().managementPort();
    Map<Family, Stage> stages = new EnumMap<>(Family.class);
    for (Family f : families(ctx.ir())) {
      Stage s = stage(ctx.ir(), f, port, null);
      if (s == Stage.OPEN || s == Stage.UNKNOWN) {
        return;
      }
      stages.put(f, s);
    }
    // the families that fail at each stage, stages in order
    Map<Stage, List<String>> byStage = new EnumMap<>(Stage.class);
    stages.forEach((f, s) -> byStage.computeIfAbsent(s, k -> new ArrayList<>())
        .add(PolicyRules.family(f)));
    List<String> why = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    byStage.forEach((s, fams) -> {
      why.add("in " + String.join(" and ", fams) + " " + s.words);
      fixes.add(s.fix);
    });
    String chain = byStage.keySet().equals(Set.of(Stage.NO_REPLY)) ? "OUTPUT" : "INPUT";
    if (ctx.policy().chain(Table.FILTER, chain).isEmpty()) {
      return; // a drop needs the chain: not reached
    }
    ctx.report(this, ctx.at(PolicyPath.chain(Table.FILTER, chain)), "lockout risk: no source"
        + " can open an SSH session (tcp port " + port + ") to this host: "
        + PolicyRules.join(why) + "; " + PolicyRules.join(fixes)
        + " before loading this policy over SSH");
  }

  /** The families the host has an address in (both without a host model or addresses). */
  static List<Family> families(IrPolicy ir) {
    List<Family> out = new ArrayList<>();
    HostModel h = ir.host();
    for (Family f : Family.values()) {
      if (h == null || addresses(h, f) != null) {
        out.add(f);
      }
    }
    return out.isEmpty() ? List.of(Family.values()) : out;
  }

  /** The host's addresses of a family, or null when it has none (or there is no host model). */
  private static ValueSet addresses(HostModel h, Family f) {
    if (h == null) {
      return null;
    }
    List<IpRange> rs = new ArrayList<>();
    for (HostModel.Iface i : h.ifaces()) {
      for (HostModel.IfAddr a : i.addrs()) {
        if (a.addr().family() == f && !i.name().equals("lo")) {
          rs.add(IpRange.host(a.addr()));
        }
      }
    }
    return rs.isEmpty() ? null : IntervalSet.of(f, rs);
  }

  /**
   * How far a session to {@code port} gets in family {@code f}, from {@code sources} (null: any
   * source); also the analysis behind the lockout guard ({@link LockoutGuard}).
   */
  static Stage stage(IrPolicy ir, Family f, int port, ValueSet sources) {
    RuleTable filter = ir.ruleset(f).table(Table.FILTER).orElse(null);
    ValueSet host = addresses(ir.host(), f);
    ValueSet notLo = NameSet.of("lo").complement();
    Cube tcp = Cube.all(f).and(Field.PROTO, IntervalSet.point(8, Protocols.TCP))
        .and(Field.FRAGMENT, IntervalSet.point(1, 0));
    Cube in = tcp.and(Field.DPORT, IntervalSet.point(16, port)).and(Field.IN, notLo);
    Cube out = tcp.and(Field.SPORT, IntervalSet.point(16, port)).and(Field.OUT, notLo)
        .and(Field.CT_STATE, state(ConnState.ESTABLISHED));
    if (host != null) {
      in = in.and(Field.DST, host);
      out = out.and(Field.SRC, host);
    }
    if (sources != null) {
      in = in.and(Field.SRC, sources);
      out = out.and(Field.DST, sources);
    }
    Budget b = new Budget(BUDGET);
    Map<Chain, RuleView[]> views = new java.util.IdentityHashMap<>();
    if (quicklyOpen(ir, views, filter, in, out, b)) {
      return Stage.OPEN;
    }
    List<Cube> opened = accepted(ir, views, filter, "INPUT",
        in.and(Field.CT_STATE, state(ConnState.NEW)), b);
    List<Cube> going = accepted(ir, views, filter, "INPUT",
        in.and(Field.CT_STATE, state(ConnState.ESTABLISHED)), b);
    List<Cube> replies = accepted(ir, views, filter, "OUTPUT", out, b);
    if (opened == null || going == null || replies == null) {
      return Stage.UNKNOWN;
    }
    if (opened.isEmpty()) {
      return Stage.NO_NEW;
    }
    // one open session is enough: stop at the first whose replies OUTPUT lets out
    List<Cube> goingConn = new ArrayList<>();
    for (Cube e : going) {
      goingConn.add(connection(e));
    }
    List<Cube> replyConn = new ArrayList<>();
    for (Cube r : replies) {
      replyConn.add(connection(r));
    }
    boolean anySession = false;
    for (Cube a : opened) {
      Cube ca = connection(a);
      for (Cube ce : goingConn) {
        if (!b.spend(1)) {
          return Stage.UNKNOWN;
        }
        if (!ca.intersects(ce)) {
          continue;
        }
        Cube s2 = ca.intersect(ce);
        anySession = true;
        Cube reply = Cube.all(f).and(Field.SRC, s2.get(Field.DST))
            .and(Field.DST, s2.get(Field.SRC)).and(Field.SPORT, s2.get(Field.DPORT))
            .and(Field.DPORT, s2.get(Field.SPORT));
        for (Cube r : replyConn) {
          if (!b.spend(1)) {
            return Stage.UNKNOWN;
          }
          if (reply.intersects(r)) {
            return Stage.OPEN;
          }
        }
      }
    }
    if (!anySession) {
      return Stage.NO_ESTABLISHED;
    }
    return Stage.NO_REPLY;
  }

  /**
   * Whether one session is open by the first accepted piece at each step, each step's question
   * narrowed to the connection found so far: cheap on long chains, where the full sets of
   * accepted pieces are large. False means "look at everything", not "closed".
   */
  private static boolean quicklyOpen(IrPolicy ir, Map<Chain, RuleView[]> views,
      RuleTable filter, Cube in, Cube out, Budget b) {
    List<Cube> opened = accepted(ir, views, filter, "INPUT",
        in.and(Field.CT_STATE, state(ConnState.NEW)), b, true);
    if (opened == null || opened.isEmpty()) {
      return false;
    }
    Cube a = connection(opened.get(0));
    List<Cube> going = accepted(ir, views, filter, "INPUT",
        in.and(Field.CT_STATE, state(ConnState.ESTABLISHED)).intersect(a), b, true);
    if (going == null || going.isEmpty()) {
      return false;
    }
    Cube s = connection(going.get(0)).intersect(a);
    if (s.isEmpty()) {
      return false;
    }
    Cube reply = out.and(Field.SRC, s.get(Field.DST)).and(Field.DST, s.get(Field.SRC))
        .and(Field.SPORT, s.get(Field.DPORT)).and(Field.DPORT, s.get(Field.SPORT));
    if (reply.isEmpty()) {
      return false;
    }
    List<Cube> replies = accepted(ir, views, filter, "OUTPUT", reply, b, true);
    return replies != null && !replies.isEmpty();
  }

  private static ValueSet state(ConnState s) {
    return IntervalSet.point(3, s.ordinal());
  }

  /** A cube narrowed to what the packets of one connection share: addresses and ports. */
  private static Cube connection(Cube c) {
    Cube out = Cube.all(c.family());
    for (Field f : new Field[] {Field.SRC, Field.DST, Field.SPORT, Field.DPORT}) {
      out = out.and(f, c.get(f));
    }
    return out;
  }

  /**
   * The packets of {@code q} that a built-in filter chain may accept, as cubes holding every
   * packet it accepts (and perhaps more); null when a rule that rewrites packets meets them, or
   * the budget runs out. A missing chain accepts everything.
   */
  private static List<Cube> accepted(IrPolicy ir, Map<Chain, RuleView[]> views,
      RuleTable filter, String name, Cube q,
      Budget b) {
    return accepted(ir, views, filter, name, q, b, false);
  }

  /** As above; {@code first}: stop at the first accepted piece. */
  private static List<Cube> accepted(IrPolicy ir, Map<Chain, RuleView[]> views,
      RuleTable filter, String name, Cube q,
      Budget b, boolean first) {
    Chain chain = filter == null ? null : filter.chain(name).orElse(null);
    if (chain == null) {
      return List.of(q);
    }
    List<Cube> left = List.of(q);
    List<Cube> accepted = new ArrayList<>();
    for (int i = 0; i < chain.rules().size(); i++) {
      if (left.isEmpty() || first && !accepted.isEmpty()) {
        break;
      }
      if (!b.spend((long) Coverage.TEST * left.size())) {
        return null;
      }
      // a jump counts as accepting whatever it changes, so its chains are not read
      RuleView v = view(views, chain, i, q.family(), ir);
      if (!Coverage.meets(left, v.cube())) {
        continue;
      }
      Target t = v.rule().target();
      switch (v.kind()) {
        case MODIFY:
          return null;
        case NEUTRAL:
          continue;
        case JUMP:
          accepted.addAll(meet(left, v.cube()));
          continue;
        case TERMINAL:
          boolean accepts = t instanceof Target.Accept || t instanceof Target.Goto
              || (t instanceof Target.Return && chain.policy() == Verdict.ACCEPT);
          if (accepts) {
            accepted.addAll(meet(left, v.cube()));
          }
          if (!v.opaque()) {
            left = Coverage.minus(left, v.cube(), b);
            if (left == null) {
              return null;
            }
          }
          continue;
        default:
          throw new AssertionError(v.kind());
      }
    }
    if (chain.policy() == Verdict.ACCEPT) {
      accepted.addAll(left);
    }
    return accepted;
  }

  /** A chain's rule views, built once per family's question however often they are asked. */
  private static RuleView view(Map<Chain, RuleView[]> views, Chain chain, int i, Family f,
      IrPolicy ir) {
    RuleView[] vs = views.computeIfAbsent(chain, c -> new RuleView[c.rules().size()]);
    if (vs[i] == null) {
      vs[i] = RuleView.of(i, chain.rules().get(i), f, ir, Set.of(), i);
    }
    return vs[i];
  }

  private static List<Cube> meet(List<Cube> pieces, Cube c) {
    List<Cube> out = new ArrayList<>();
    for (Cube p : pieces) {
      Cube both = p.intersect(c);
      if (!both.isEmpty()) {
        out.add(both);
      }
    }
    return out;
  }
}
