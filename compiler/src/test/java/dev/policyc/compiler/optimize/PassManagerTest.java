package dev.policyc.compiler.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Reporter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pass manager validates between passes, verifies each pass and records what it did. */
class PassManagerTest {
  private static final String RULES = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
      -A INPUT -p udp -m udp --dport 53 -j ACCEPT
      COMMIT
      """;

  /** A pass made for the test: applies a change to every INPUT chain. */
  private record Edit(String name, java.util.function.UnaryOperator<List<Rule>> change)
      implements Pass {
    @Override
    public Kind kind() {
      return Kind.OPTIMIZATION;
    }

    @Override
    public IrPolicy run(IrPolicy in, PassContext ctx) {
      List<RuleTable> tables = new ArrayList<>();
      for (RuleTable t : in.ipv4().tables()) {
        List<Chain> chains = new ArrayList<>();
        for (Chain c : t.chains()) {
          List<Rule> rules = c.name().equals("INPUT") ? change.apply(c.rules()) : c.rules();
          ctx.count("rules seen", c.rules().size());
          chains.add(new Chain(c.name(), c.policy(), rules));
        }
        tables.add(t.withChains(chains));
      }
      return new IrPolicy(in.name(), in.host(), in.sets(), new Ruleset(in.ipv4().family(),
          tables), in.ipv6());
    }
  }

  @Test
  void statsSayWhatEachPassDid() {
    Pass dropFirst = new Edit("drop-first", rs -> rs.subList(1, rs.size()));
    Pass same = new Edit("same", rs -> rs);
    PassManager.Result r = new PassManager(List.of(same, dropFirst), null)
        .run(PassTester.read(RULES), new Reporter());
    assertEquals(List.of("same", "drop-first"), r.stats().stream().map(PassStats::name).toList());
    assertEquals(2, r.stats().get(1).rulesBefore());
    assertEquals(1, r.stats().get(1).rulesAfter());
    assertEquals(Map.of("rules seen", 2L), r.stats().get(0).counters());
    assertTrue(r.stats().get(0).nanos() >= 0);
  }

  @Test
  void aPassThatBuildsInvalidIrIsNamed() {
    Pass broken = new Edit("jump-nowhere", rs -> {
      List<Rule> out = new ArrayList<>(rs);
      out.add(new Rule(List.of(), new Target.Jump("missing")));
      return out;
    });
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new PassManager(List.of(broken), null).run(PassTester.read(RULES),
            new Reporter()));
    assertTrue(e.getMessage().contains("pass jump-nowhere built invalid IR")
        && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void aPassThatChangesTheMeaningFailsVerification() {
    Pass dropFirst = new Edit("drop-first", rs -> rs.subList(1, rs.size()));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PassTester.run(dropFirst, PassTester.read(RULES)));
    assertTrue(e.getMessage().contains("pass drop-first changed the meaning"), e.getMessage());
  }

  @Test
  void aPassTheVerifierCannotProveIsStoppedAndSaidSo() {
    Pass dropFirst = new Edit("drop-first", rs -> rs.subList(1, rs.size()));
    PassManager m = new PassManager(List.of(dropFirst),
        (before, after) -> PassManager.UNPROVED + "more than 10 rule evaluations");
    PassManager.NotProved e = assertThrows(PassManager.NotProved.class,
        () -> m.run(PassTester.read(RULES), new Reporter()));
    assertEquals("drop-first", e.pass());
    assertTrue(e.getMessage().contains("pass drop-first of policy")
        && e.getMessage().endsWith(" cannot be proved: more than 10 rule evaluations"),
        e.getMessage());
  }

  @Test
  void everyLevelEndsWithLegalization() {
    for (OptLevel level : OptLevel.values()) {
      List<Pass> passes = Passes.forLevel(level);
      assertEquals(Pass.Kind.LEGALIZATION, passes.get(passes.size() - 1).kind(), level.name());
      List<String> names = passes.stream().map(Pass::name).toList();
      assertEquals(Passes.optimizations(level).stream().map(Pass::name).toList(),
          names.subList(0, names.size() - Passes.legalization().size()), level.name());
    }
    assertEquals("split-multiport", Passes.legalization().get(0).name());
  }

  @Test
  void levelsParseAsUsersWriteThem() {
    assertEquals(OptLevel.O2, OptLevel.parse("-O2"));
    assertEquals(OptLevel.O1, OptLevel.parse("O1"));
    assertEquals(OptLevel.O0, OptLevel.parse("0"));
    assertThrows(IllegalArgumentException.class, () -> OptLevel.parse("3"));
  }
  /**
   * A set a pass made that no rule looks up any more (the decision tree tests its members as
   * header matches) is not emitted; a set the policy declares stays, looked up or not.
   */
  @Test
  void leavesOutTheSetsPassesMadeThatNoRuleLooksUp() {
    IrPolicy read = PassTester.read("*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n"
        + ":OUTPUT ACCEPT [0:0]\n-A INPUT -m set --match-set made dst -j ACCEPT\nCOMMIT\n");
    IpSet declared = set("declared");
    IrPolicy in = new IrPolicy(read.name(), read.host(), List.of(declared), read.ipv4(),
        read.ipv6());
    IrPolicy out = new IrPolicy(read.name(), read.host(),
        List.of(declared, set("made"), set("unused")), read.ipv4(), read.ipv6());
    assertEquals(List.of("declared", "made"), PassManager.withoutUnusedSets(in, out).sets()
        .stream().map(IpSet::name).toList());
    assertSame(in, PassManager.withoutUnusedSets(in, in));
  }

  private static IpSet set(String name) {
    return new IpSet(name, IpSet.Type.HASH_NET, Family.IPV4, List.of(
        new IpSet.Entry(IpRange.parse("10.3.0.0/16"), 0, null)), PortRange.ALL, 65536);
  }
}
