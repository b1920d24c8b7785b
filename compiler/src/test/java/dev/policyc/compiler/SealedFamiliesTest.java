package dev.policyc.compiler;

import static dev.policyc.dsl.Dsl.match;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.cli.DecisionText;
import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ChainBuilder;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyBuilder;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.yaml.PolicyParseException;
import dev.policyc.dsl.yaml.PolicyYamlReader;
import dev.policyc.dsl.yaml.PolicyYamlWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * No member of a closed family is forgotten (STYLE.md point 2). Every permitted subclass of the
 * IR's {@link Match} and {@link Target} has a sample here; each sample is emitted by {@link
 * IptablesEmitter#rule}, read back by {@link IptablesSaveReader#readRule} to the same rule, and
 * decided by the {@link Interpreter}. Every kind of the model's {@link Action} is written by
 * {@link PolicyYamlWriter}, read back equal, and lowered without errors. A new member fails here
 * until it has a sample, and then wherever a dispatch forgets it.
 */
class SealedFamiliesTest {

  // ------------------------------------------------------------------ IR matches

  /** A match, the matches its emitted form needs (a protocol for ports), and its family. */
  record MatchSample(Family family, List<Match> context, Match match) {
    Rule rule() {
      List<Match> ms = new ArrayList<>(context);
      ms.add(match);
      return new Rule(ms, new Target.Accept());
    }
  }

  private static final Match TCP = new Match.Proto(Protocols.TCP, false);
  private static final Match ICMP = new Match.Proto(Protocols.ICMP, false);
  private static final Match ICMPV6 = new Match.Proto(Protocols.ICMPV6, false);
  private static final String SET = "blocked";

  /** Samples of every {@link Match} member: class → samples (more where emitting branches). */
  static final Map<Class<?>, List<MatchSample>> MATCHES = new LinkedHashMap<>();

  private static void sample(Family f, Match m, Match... context) {
    MATCHES.computeIfAbsent(m.getClass(), k -> new ArrayList<>())
        .add(new MatchSample(f, List.of(context), m));
  }

  static {
    Family v4 = Family.IPV4;
    Family v6 = Family.IPV6;
    sample(v4, new Match.Addr(Side.SRC, IpRange.parse("10.0.0.0/8"), false));
    sample(v6, new Match.Addr(Side.DST, IpRange.parse("2001:db8::/32"), true));
    sample(v4, new Match.Addr(Side.DST, IpRange.parse("10.1.2.1-10.1.2.9"), false)); // iprange
    sample(v4, new Match.Proto(Protocols.UDP, true));
    sample(v4, new Match.Ports(Side.DST, List.of(PortRange.of(22)), false), TCP);
    sample(v6, new Match.Ports(Side.SRC, List.of(new PortRange(1024, 65535)), true), TCP);
    sample(v4, new Match.Ports(Side.DST, List.of(PortRange.of(80), new PortRange(8080, 8089)),
        false), TCP); // multiport
    sample(v4, new Match.Iface(false, "eth+", true));
    sample(v6, new Match.Iface(true, "wan0", false));
    sample(v4, new Match.CtState(EnumSet.of(ConnState.NEW, ConnState.RELATED), false));
    sample(v4, new Match.Icmp(v4, 8, 0, 255, false), ICMP);
    sample(v4, new Match.Icmp(v4, 3, 3, 3, true), ICMP);
    sample(v6, new Match.Icmp(v6, 128, 0, 255, false), ICMPV6);
    sample(v4, new Match.TcpFlags(0x17, 0x02, false), TCP);
    sample(v6, new Match.TcpFlags(0x3f, 0x00, true), TCP);
    sample(v4, new Match.Mark(0x1, 0xff, false));
    sample(v6, new Match.Mark(0x10, 0xffffffffL, true));
    sample(v4, new Match.ConnMark(0x2, 0xf, true));
    sample(v4, new Match.Dscp(46, false));
    sample(v4, new Match.Tos(0x10, 0x3f, true));
    sample(v4, new Match.Length(64, 1500, false));
    sample(v6, new Match.Length(40, 40, true));
    sample(v4, new Match.Ttl(Match.Ttl.Op.LT, 5));
    sample(v4, new Match.Ttl(Match.Ttl.Op.NE, 64));
    sample(v6, new Match.Ttl(Match.Ttl.Op.GT, 1)); // hop limit
    sample(v6, new Match.Ttl(Match.Ttl.Op.EQ, 255));
    sample(v4, new Match.Fragment(false));
    sample(v4, new Match.Fragment(true));
    sample(v4, new Match.AddrType(Side.DST, EnumSet.of(AddressType.LOCAL), false));
    sample(v6, new Match.AddrType(Side.SRC,
        EnumSet.of(AddressType.BROADCAST, AddressType.MULTICAST), true));
    sample(v4, new Match.InSet(SET, List.of(Side.SRC), false));
    sample(v4, new Match.InSet(SET, List.of(Side.DST, Side.SRC), true));
    sample(v4, Match.Limit.of(10, 1, 5));
    sample(v6, Match.Limit.of(3, 60, 20));
    sample(v4, new Match.Statistic(false, 0x40000000L, 0, 0, false));
    sample(v4, new Match.Statistic(true, 0, 4, 1, true));
    sample(v4, new Match.CtState(EnumSet.of(ConnState.RELATED, ConnState.ESTABLISHED), false,
        true, true)); // kube-proxy's KUBE-FIREWALL: ! --ctstate RELATED,ESTABLISHED,DNAT
    sample(v4, new Match.CtState(EnumSet.noneOf(ConnState.class), true, false, false));
    sample(v4, new Match.Recent("KUBE-SEP-X", Match.Recent.Mode.SET, 0, false, 0,
        IpAddr.max(v4), false, false));
    sample(v4, new Match.Recent("KUBE-SEP-X", Match.Recent.Mode.CHECK, 10800, true, 0,
        IpAddr.max(v4), false, false));
    sample(v6, new Match.Recent("r", Match.Recent.Mode.UPDATE, 60, false, 3,
        IpAddr.parse("ffff:ffff::"), true, true));
    sample(v4, new Match.Recent("r", Match.Recent.Mode.REMOVE, 0, false, 0,
        IpAddr.parse("255.255.255.0"), false, false));
    sample(v4, new Match.Nfacct("ct_state_invalid_dropped_pkts"));
    sample(v4, new Match.Ipvs(Match.Ipvs.PROPERTY, Match.Ipvs.PROPERTY, 0, null, null, 0, 0, 0));
    sample(v4, new Match.Ipvs(Match.Ipvs.PROPERTY | Match.Ipvs.PROTO | Match.Ipvs.VADDR
        | Match.Ipvs.VPORT, 0, 6, IpAddr.parse("203.0.113.7"), IpAddr.max(v4), 80, 0, 0));
    sample(v6, new Match.Ipvs(0x7f, Match.Ipvs.VADDR | Match.Ipvs.DIR | Match.Ipvs.METHOD, 17,
        IpAddr.parse("2001:db8::"), IpAddr.parse("ffff:ffff::"), 53, Match.Ipvs.DROUTE, 21));
    sample(v4, new Match.Ipvs(Match.Ipvs.PROPERTY | Match.Ipvs.VADDR | Match.Ipvs.METHOD,
        Match.Ipvs.METHOD, 0, IpAddr.parse("10.0.0.0"), IpAddr.parse("255.0.255.0"), 0,
        Match.Ipvs.TUNNEL, 0));
    sample(v4, new Match.Physdev(Match.Physdev.IS_IN, Match.Physdev.IS_IN, null, null));
    sample(v6, new Match.Physdev(0x1f, Match.Physdev.OUT | Match.Physdev.BRIDGED, "veth+",
        "eth1"));
  }

  @Test
  void everyMatchMemberHasASample() {
    for (Class<?> member : Match.class.getPermittedSubclasses()) {
      assertTrue(MATCHES.containsKey(member), "Match." + member.getSimpleName()
          + " has no sample: add one to SealedFamiliesTest.MATCHES");
    }
  }

  @TestFactory
  Stream<DynamicTest> everyMatchMemberIsEmittedReadAndInterpreted() {
    return MATCHES.values().stream().flatMap(List::stream).map(s -> DynamicTest.dynamicTest(
        s.match().toString(), () -> {
          Rule rule = s.rule();
          String line = IptablesEmitter.rule("INPUT", rule, s.family());
          Rule back = read(line, s.family());
          assertEquals(rule.matches(), back.matches(), "read back from: " + line);
          IrPolicy p = policy(s.family(), Table.FILTER, "INPUT", back);
          for (Packet pkt : packets(s.family())) {
            Interpreter.decide(p, pkt); // an AssertionError here is a forgotten member
          }
        }));
  }

  // ------------------------------------------------------------------ IR targets

  /** A target, the table and built-in chain it is placed in, and its family. */
  record TargetSample(Family family, Table table, String chain, Target target) {}

  /** Samples of every {@link Target} member: class → samples. */
  static final Map<Class<?>, List<TargetSample>> TARGETS = new LinkedHashMap<>();

  private static void sample(Family f, Table t, String chain, Target target) {
    TARGETS.computeIfAbsent(target.getClass(), k -> new ArrayList<>())
        .add(new TargetSample(f, t, chain, target));
  }

  static {
    Family v4 = Family.IPV4;
    Family v6 = Family.IPV6;
    Table filter = Table.FILTER;
    Table nat = Table.NAT;
    Table mangle = Table.MANGLE;
    sample(v4, filter, "INPUT", new Target.None());
    sample(v4, filter, "INPUT", new Target.Accept());
    sample(v6, filter, "FORWARD", new Target.Drop());
    sample(v4, filter, "INPUT", new Target.Reject("icmp-host-prohibited"));
    sample(v6, filter, "OUTPUT", new Target.Reject("icmp6-adm-prohibited"));
    sample(v4, filter, "INPUT", new Target.Return());
    sample(v4, filter, "INPUT", new Target.Jump("sub"));
    sample(v6, filter, "FORWARD", new Target.Goto("sub"));
    sample(v4, filter, "INPUT", new Target.Log("drop in: \"x\"", 4));
    sample(v6, filter, "OUTPUT", new Target.Log(null, 7));
    sample(v4, nat, "PREROUTING",
        new Target.Dnat(IpRange.parse("10.0.0.5"), PortRange.of(80)));
    sample(v6, nat, "OUTPUT",
        new Target.Dnat(IpRange.parse("2001:db8::5-2001:db8::6"), new PortRange(80, 81)));
    sample(v4, nat, "POSTROUTING", new Target.Snat(IpRange.parse("192.0.2.10"), null));
    sample(v4, nat, "INPUT", new Target.Snat(null, new PortRange(1024, 2048)));
    sample(v4, nat, "POSTROUTING", new Target.Masquerade(null));
    sample(v4, nat, "POSTROUTING", new Target.Masquerade(null, true));
    sample(v6, nat, "POSTROUTING", new Target.Masquerade(new PortRange(1024, 65535)));
    sample(v4, nat, "PREROUTING", new Target.Redirect(PortRange.of(8080)));
    sample(v6, nat, "OUTPUT", new Target.Redirect(null));
    sample(v4, mangle, "PREROUTING", new Target.Mark(0x1, 0xff));
    sample(v4, mangle, "PREROUTING",
        new Target.ConnMark(Target.ConnMark.Mode.SET, 0x5, 0xf, 0, 0));
    sample(v4, mangle, "FORWARD",
        new Target.ConnMark(Target.ConnMark.Mode.SAVE, 0, 0, 0xff, 0xff00));
    sample(v6, mangle, "OUTPUT",
        new Target.ConnMark(Target.ConnMark.Mode.RESTORE, 0, 0, 0xffffffffL, 0xffffffffL));
    sample(v4, mangle, "POSTROUTING", new Target.Dscp(46));
    sample(v4, mangle, "INPUT", new Target.Tos(0x10, 0x3f));
    sample(v4, mangle, "PREROUTING", new Target.Ttl(Target.Ttl.Op.SET, 64));
    sample(v6, mangle, "FORWARD", new Target.Ttl(Target.Ttl.Op.INC, 1));
    sample(v4, mangle, "OUTPUT", new Target.Ttl(Target.Ttl.Op.DEC, 2));
    sample(v4, mangle, "FORWARD", new Target.TcpMss(0));
    sample(v6, mangle, "POSTROUTING", new Target.TcpMss(1400));
    sample(v4, Table.RAW, "PREROUTING", new Target.NoTrack());
    sample(v6, Table.RAW, "OUTPUT", new Target.NoTrack());
  }

  @Test
  void everyTargetMemberHasASample() {
    for (Class<?> member : Target.class.getPermittedSubclasses()) {
      assertTrue(TARGETS.containsKey(member), "Target." + member.getSimpleName()
          + " has no sample: add one to SealedFamiliesTest.TARGETS");
    }
  }

  @TestFactory
  Stream<DynamicTest> everyTargetMemberIsEmittedReadAndInterpreted() {
    return TARGETS.values().stream().flatMap(List::stream).map(s -> DynamicTest.dynamicTest(
        s.target() + " in " + s.table().iptablesName() + " " + s.chain(), () -> {
          Rule rule = new Rule(List.of(), s.target());
          String line = IptablesEmitter.rule(s.chain(), rule, s.family());
          Rule back = read(line, s.family());
          assertEquals(rule.target(), back.target(), "read back from: " + line);
          String described = DecisionText.describe(back.target());
          assertFalse(described.isBlank());
          IrPolicy p = policy(s.family(), s.table(), s.chain(), back);
          boolean reached = false;
          for (Packet pkt : packets(s.family())) {
            Decision d = Interpreter.decide(p, pkt); // an AssertionError is a forgotten member
            reached |= d.path().stream().anyMatch(step -> step.rule() == 1
                && step.chain().equals(s.chain()) && DecisionText.action(step).equals(described));
          }
          assertTrue(reached, "no packet reached " + line);
        }));
  }

  // ------------------------------------------------------------------ model actions

  /** Samples of every {@link Action} kind: each operation, with and without optional values. */
  static final List<Action> ACTIONS = List.of(
      Action.accept(), Action.drop(), Action.reject(), Action.reject("tcp-reset"),
      Action.returns(), Action.jump("sub"), Action.goTo("sub"), Action.log("in: "),
      Action.log("in: ", "debug"), new Action.Log(null, null), Action.dnat("10.0.0.5:80"),
      Action.snat("192.0.2.10"), Action.masquerade(), Action.masquerade("1024-65535"),
      Action.redirect("8080"), new Action.Redirect(null), Action.setMark("0x1/0xff"),
      Action.mark(Action.Mark.Op.OR, "0x2"), Action.mark(Action.Mark.Op.AND, "0xff"),
      Action.mark(Action.Mark.Op.XOR, "0x4"), Action.setConnmark("0x5/0xf"),
      Action.saveConnmark(), Action.saveConnmark("0xff", "0xff00"), Action.restoreConnmark(),
      Action.restoreConnmark("0xff", null), Action.dscp("EF"), Action.dscp("10"),
      Action.tos("0x10/0x3f"), Action.ttl(Action.Ttl.Op.SET, 64),
      Action.ttl(Action.Ttl.Op.INC, 1), Action.ttl(Action.Ttl.Op.DEC, 1),
      Action.tcpmss("clamp-to-pmtu"), Action.tcpmss("1400"), Action.notrack(), Action.count(),
      Action.mark(Action.Mark.Op.XSET, "0x3/0x1"),
      new Action.ConnMark(Action.ConnMark.Op.XSET, "0x3/0x1", null, null));

  @Test
  void everyActionKindHasASample() {
    Set<Class<?>> sampled = new HashSet<>();
    ACTIONS.forEach(a -> sampled.add(a.getClass()));
    for (Class<?> member : Action.class.getPermittedSubclasses()) {
      assertTrue(sampled.contains(member), "Action." + member.getSimpleName()
          + " has no sample: add one to SealedFamiliesTest.ACTIONS");
    }
  }

  @TestFactory
  Stream<DynamicTest> everyActionIsWrittenAndReadBackEqual() {
    return ACTIONS.stream().map(a -> DynamicTest.dynamicTest(a.toString(), () -> {
      Policy p = placed(a);
      String yaml = PolicyYamlWriter.write(p);
      Policy back;
      try {
        back = PolicyYamlReader.read("action.yaml", yaml);
      } catch (PolicyParseException e) {
        throw new AssertionError("the reader refuses\n" + yaml + e.diagnostics(), e);
      }
      assertEquals(a, back.chains().get(0).rules().get(0).action(), yaml);
      assertEquals(p, back, yaml);
    }));
  }

  /** Lowering, too, dispatches on the action kind: each sample compiles without errors. */
  @TestFactory
  Stream<DynamicTest> everyActionLowers() {
    return ACTIONS.stream().map(a -> DynamicTest.dynamicTest(a.toString(), () -> {
      Compilation r = PolicyCompiler.compile(placed(a));
      if (!r.ok()) {
        fail("lowering " + a + " failed:\n" + r.diagnostics() + "\n"
            + PolicyYamlWriter.write(placed(a)));
      }
    }));
  }

  /** A policy with the action in its first rule, in a chain where it is legal. */
  private static Policy placed(Action a) {
    Table table;
    String chain;
    if (a instanceof Action.Dnat || a instanceof Action.Redirect) {
      table = Table.NAT;
      chain = "PREROUTING";
    } else if (a instanceof Action.Snat || a instanceof Action.Masquerade) {
      table = Table.NAT;
      chain = "POSTROUTING";
    } else if (a instanceof Action.NoTrack) {
      table = Table.RAW;
      chain = "PREROUTING";
    } else if (a instanceof Action.Accept || a instanceof Action.Drop
        || a instanceof Action.Reject || a instanceof Action.Return
        || a instanceof Action.Jump || a instanceof Action.Goto || a instanceof Action.Log) {
      table = Table.FILTER;
      chain = "INPUT";
    } else {
      table = Table.MANGLE;
      chain = "FORWARD";
    }
    Consumer<ChainBuilder> rules = c -> c.rule(
        a instanceof Action.TcpMss ? match().tcp().syn() : match().tcp().dport(80), a);
    PolicyBuilder b = Policy.named("sample").chain(table, chain, rules);
    if (a instanceof Action.Jump || a instanceof Action.Goto) {
      b.chain(table, "sub", c -> c.accept(match()));
    }
    return b.build();
  }

  // ------------------------------------------------------------------ helpers

  private static Rule read(String line, Family f) {
    try {
      return IptablesSaveReader.readRule(line, f);
    } catch (ParseException e) {
      throw new AssertionError("the reader refuses the emitted line\n  " + line + "\n  "
          + e.getMessage(), e);
    }
  }

  /**
   * A policy of one family whose {@code chain} of {@code table} holds {@code rule}, with a user
   * chain {@code sub} to jump to, and the set the samples name.
   */
  private static IrPolicy policy(Family f, Table table, String chain, Rule rule) {
    RuleTable rt = new RuleTable(table, List.of(
        new Chain(chain, Verdict.ACCEPT, List.of(rule)),
        new Chain("sub", null, List.of(new Rule(List.of(), new Target.Return())))));
    Ruleset rs = new Ruleset(f, List.of(rt));
    Ruleset empty = new Ruleset(f == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
    IpSet set = new IpSet(SET, IpSet.Type.HASH_NET, Family.IPV4,
        List.of(new IpSet.Entry(IpRange.parse("10.0.0.0/8"), 0, null)), null, 65536);
    return f == Family.IPV4
        ? new IrPolicy("sample", null, List.of(set), rs, empty)
        : new IrPolicy("sample", null, List.of(set), empty, rs);
  }

  /** Packets that go through every hook: delivered, forwarded and sent, of TCP, UDP and ICMP. */
  private static List<Packet> packets(Family f) {
    String a = f == Family.IPV4 ? "10.1.2.3" : "2001:db8::3";
    String b = f == Family.IPV4 ? "192.0.2.10" : "2001:db8:1::10";
    String[] flows = f == Family.IPV4
        ? new String[] {"tcp " + a + ":1234 -> " + b + ":80", "udp " + a + ":53 -> " + b + ":53",
          "icmp " + a + " -> " + b}
        : new String[] {"tcp [" + a + "]:1234 -> [" + b + "]:80",
          "udp [" + a + "]:53 -> [" + b + "]:53", "icmp " + a + " -> " + b};
    List<Packet> out = new ArrayList<>();
    for (String flow : flows) {
      for (String route : List.of(" in eth0", " in eth0 out eth1", " out eth1")) {
        out.add(Packet.parse(flow + route));
      }
    }
    return out;
  }
}
