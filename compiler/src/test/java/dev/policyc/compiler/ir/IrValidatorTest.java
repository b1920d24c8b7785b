package dev.policyc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.ExamplePolicies;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The validator refuses what the kernel would refuse, and accepts every compiled example. */
class IrValidatorTest {
  @Test
  void everyExampleIsValidAndEmittable() {
    for (Map.Entry<String, Policy> e : ExamplePolicies.all().entrySet()) {
      Compilation c = PolicyCompiler.compile(e.getValue());
      assertTrue(c.ok(), e.getKey());
      assertEquals(List.of(), IrValidator.problems(c.ir(), true), e.getKey());
      assertEquals(List.of(), IrValidator.problems(c.lowered(), false), e.getKey());
    }
  }

  @Test
  void emittableProblemsAreWhatTheFullValidationAddsToAValidIr() {
    List<PortRange> many = new ArrayList<>();
    for (int port = 1; port <= 20; port++) {
      many.add(PortRange.of(port));
    }
    IrPolicy p = filter(Family.IPV4, List.of(
        new Rule(List.of(new Match.Proto(6, false), new Match.Ports(Side.DST, many, false)),
            new Target.Accept(), "x".repeat(300), null),
        new Rule(List.of(new Match.Proto(1, false), new Match.Icmp(Family.IPV4, 3, 1, 4, false)),
            new Target.Accept())), List.of());
    assertEquals(List.of(), IrValidator.problems(p, false));
    assertEquals(3, IrValidator.problems(p, true).size(), IrValidator.problems(p, true)
        .toString());
    assertEquals(IrValidator.problems(p, true), IrValidator.emittableProblems(p));
    Random rnd = new Random(20261205L);
    for (int t = 0; t < 300; t++) {
      IrPolicy r = new RandomPolicies(rnd)
          .policy(RandomPolicies.Options.ALL);
      if (IrValidator.problems(r, false).isEmpty()) {
        assertEquals(IrValidator.problems(r, true), IrValidator.emittableProblems(r));
      }
    }
    for (Policy example : ExamplePolicies.all().values()) {
      IrPolicy lowered = PolicyCompiler.compile(example).lowered();
      assertEquals(IrValidator.problems(lowered, true), IrValidator.emittableProblems(lowered));
    }
  }

  private static IrPolicy filter(Family f, List<Rule> input, List<Chain> user) {
    List<Chain> chains = new ArrayList<>(List.of(
        new Chain("INPUT", Verdict.ACCEPT, input),
        new Chain("FORWARD", Verdict.ACCEPT, List.of()),
        new Chain("OUTPUT", Verdict.ACCEPT, List.of())));
    chains.addAll(user);
    Ruleset rs = new Ruleset(f, List.of(new RuleTable(Table.FILTER, chains)));
    Ruleset other = new Ruleset(f == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
    return new IrPolicy("t", null, List.of(), f == Family.IPV4 ? rs : other,
        f == Family.IPV4 ? other : rs);
  }

  private static String only(IrPolicy p, boolean emittable) {
    List<String> problems = IrValidator.problems(p, emittable);
    assertEquals(1, problems.size(), problems.toString());
    return problems.get(0);
  }

  @Test
  void jumpsMustReachUserChainsWithoutLoops() {
    assertTrue(only(filter(Family.IPV4, List.of(new Rule(List.of(), new Target.Jump("nope"))),
        List.of()), false).contains("does not have"));
    IrPolicy loop = filter(Family.IPV4, List.of(new Rule(List.of(), new Target.Jump("a"))),
        List.of(new Chain("a", null, List.of(new Rule(List.of(), new Target.Goto("b")))),
            new Chain("b", null, List.of(new Rule(List.of(), new Target.Jump("a"))))));
    assertTrue(only(loop, false).contains("closing a loop"));
  }

  @Test
  void targetsStayInTheirTablesAndHooks() {
    IrPolicy dnat = filter(Family.IPV4, List.of(new Rule(List.of(),
        new Target.Dnat(null, PortRange.of(80)))), List.of());
    List<String> problems = IrValidator.problems(dnat, false);
    assertTrue(problems.stream().anyMatch(p -> p.contains("outside the nat table")), problems
        .toString());
  }

  @Test
  void addressesAreOfTheRuleSetsFamily() {
    IrPolicy p = filter(Family.IPV6, List.of(new Rule(List.of(new Match.Addr(Side.SRC,
        IpRange.parse("10.0.0.0/8"), false)), new Target.Accept())), List.of());
    assertTrue(only(p, false).contains("in the IPV6 rule set"));
  }

  @Test
  void interfaceMatchesNeedAnInterface() {
    IrPolicy p = filter(Family.IPV4, List.of(new Rule(List.of(new Match.Iface(true, "eth0",
        false)), new Target.Accept())), List.of());
    assertTrue(only(p, false).contains("-o in INPUT"));
  }

  @Test
  void emittableRulesFitOneMultiportMatch() {
    List<PortRange> many = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      many.add(PortRange.of(100 + 2 * i));
    }
    IrPolicy p = filter(Family.IPV4, List.of(new Rule(List.of(new Match.Proto(6, false),
        new Match.Ports(Side.DST, many, false)), new Target.Accept())), List.of());
    assertEquals(List.of(), IrValidator.problems(p, false));
    assertTrue(only(p, true).contains("16 port slots"));
  }

  @Test
  void userChainNamesKeepToTheKernelsLimits() {
    IrPolicy p = filter(Family.IPV4, List.of(), List.of(new Chain("x".repeat(29), null,
        List.of())));
    assertTrue(only(p, false).contains("not 1-28 characters"));
  }
}
