package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchImporter;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.optimize.Pass;
import dev.policyc.compiler.optimize.PassContext;
import dev.policyc.compiler.optimize.PassManager;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.compiler.verify.Result;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.diag.Reporter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine as the pass manager's verifier, and {@code Proofs} of a compilation. */
class ProofsTest {
  private static IrPolicy example(String name) {
    PolicyCompiler.ReadResult read =
        PolicyCompiler.read(Repo.policies().resolve(name + ".yaml"));
    return PolicyCompiler.compile(read.policy()).ir();
  }

  /** A pass that turns the first ACCEPT rule of IPv4 into DROP: a miscompilation. */
  private static final Pass BROKEN = new Pass() {
    @Override
    public String name() {
      return "broken";
    }

    @Override
    public Kind kind() {
      return Kind.OPTIMIZATION;
    }

    @Override
    public IrPolicy run(IrPolicy in, PassContext ctx) {
      List<RuleTable> tables = new ArrayList<>();
      boolean done = false;
      for (RuleTable t : in.ipv4().tables()) {
        List<Chain> chains = new ArrayList<>();
        for (Chain c : t.chains()) {
          List<Rule> rules = new ArrayList<>();
          for (Rule r : c.rules()) {
            if (!done && r.target() instanceof Target.Accept) {
              r = new Rule(r.matches(), new Target.Drop(), r.comment(), r.origin());
              done = true;
            }
            rules.add(r);
          }
          chains.add(new Chain(c.name(), c.policy(), rules));
        }
        tables.add(t.withChains(chains));
      }
      return new IrPolicy(in.name(), in.host(), in.sets(), new Ruleset(Family.IPV4, tables),
          in.ipv6());
    }
  };

  @Test
  void theVerifierStopsAPassThatChangesMeaning() {
    IrPolicy ir = example("host-firewall");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new PassManager(List.of(BROKEN), Proofs::passVerifier).run(ir, new Reporter()));
    assertTrue(e.getMessage().contains("pass broken changed the meaning"), e.getMessage());
    assertTrue(e.getMessage().contains("ACCEPT"), e.getMessage());
  }

  @Test
  void theVerifierLetsEveryLegalizationOfTheExamplesThrough() {
    for (String name : List.of("host-firewall", "nat-gateway", "qos-marking")) {
      IrPolicy ir = example(name);
      assertNull(Proofs.passVerifier(ir, ir));
      Compilation c = PolicyCompiler.compile(
          PolicyCompiler.read(Repo.policies().resolve(name + ".yaml")).policy(),
          CompileOptions.defaults().withVerify(true));
      assertTrue(c.ok(), name);
    }
  }

  @Test
  void aGenerated10kRuleSetIsProvedAndAnEditOfItFound() throws Exception {
    Policy p = ClassBenchImporter.toPolicy("gen10k", "generated",
        ClassBenchGenerator.generate(10_000, 1)).policy();
    // -O0: 10,000 rules emitted (-O2 keeps the final wildcard rule alone)
    Compilation c = PolicyCompiler.compile(p, new CompileOptions(OptLevel.O0));
    assertTrue(c.ok(), c.diagnostics().toString());
    assertTrue(c.ir().ipv4().ruleCount() >= 10_000, "rules: " + c.ir().ipv4().ruleCount());
    for (Proofs.Proof proof : Proofs.of(c)) {
      assertTrue(proof.holds(), proof.claim() + ": " + proof.result());
    }
    // the first rule flipped to DROP: no earlier rule hides it
    IrPolicy edited = BROKEN.run(c.ir(), null);
    Result r = Equivalence.compare(c.ir(), edited);
    assertEquals(Result.Status.DIFFERENT, r.status());
    assertTrue(r.differences().get(0).confirmed(), r.differences().toString());
    assertEquals("ACCEPT", r.differences().get(0).before());
    assertEquals("DROP", r.differences().get(0).after());
  }

  @Test
  void theEmittedFilesOfAnExampleAreProvedExhaustively() throws Exception {
    Compilation c = PolicyCompiler.compile(
        PolicyCompiler.read(Repo.policies().resolve("nat-gateway.yaml")).policy());
    List<Proofs.Proof> proofs = Proofs.of(c, 50_000_000L, true);
    assertEquals(1, proofs.size());
    assertTrue(proofs.get(0).holds(), proofs.get(0).result().toString());
    assertTrue(proofs.get(0).result().regions() > 10, "explored, not taken as equal");
  }
}
