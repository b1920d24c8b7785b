package dev.policyc.compiler.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.parse.IrToPolicy;
import dev.policyc.compiler.testing.RandomHostModels;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Severity;
import dev.policyc.dsl.testing.Property;
import dev.policyc.dsl.yaml.PolicyYamlWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The registry of lint checks (each check's own cases are fixtures under {@code bad/}, checked
 * by BadPolicyTest to the line and column).
 */
class ChecksTest {
  @Test
  void eachCheckHasItsOwnWarningCode() {
    Set<Code> codes = new HashSet<>();
    for (Check c : Checks.all()) {
      assertTrue(codes.add(c.code()), "two checks report " + c.code());
      assertEquals(Severity.WARNING, c.code().severity(), c.getClass().getSimpleName());
      assertTrue(c.code().name().startsWith("PC7"), c.code().name());
    }
  }

  /**
   * Every check runs to the end on random policies raised to YAML (with a host model half of the
   * time): what lowers without errors draws warnings only, each placed on a line of the file.
   */
  @Test
  void everyCheckRunsOnRandomPolicies() {
    int[] checked = new int[1];
    Property.forAll("checks run on random policies", Property.seed(7301), Property.trials(150),
        rnd -> {
          IrPolicy p = new RandomPolicies(rnd).policy(RandomPolicies.Options.ALL);
          return rnd.nextBoolean() ? p : new IrPolicy(p.name(), new RandomHostModels(rnd).next(),
              p.sets(), p.ipv4(), p.ipv6());
        }, p -> {
          Policy model;
          try {
            model = IrToPolicy.convert(p);
          } catch (IllegalArgumentException e) {
            return null; // the IR holds something no policy says
          }
          String yaml = PolicyYamlWriter.write(model);
          PolicyCompiler.ReadResult read = PolicyCompiler.read("random.yaml", yaml);
          if (read.policy() == null) {
            return null;
          }
          CheckResult r = PolicyCompiler.check(read.policy());
          if (!r.ok()) {
            return null;
          }
          checked[0]++;
          for (Diagnostic d : r.diagnostics()) {
            if (d.severity() != Severity.WARNING || d.pos().line() == 0) {
              return "diagnostic " + d + "\n" + yaml;
            }
          }
          return null;
        }, p -> List.of(), p -> PolicyYamlWriter.write(IrToPolicy.convert(p)));
    assertTrue(checked[0] > 50, "only " + checked[0] + " random policies were checked");
  }

  private static List<Diagnostic> check(String yaml) {
    PolicyCompiler.ReadResult r = PolicyCompiler.read("p.yaml", yaml);
    CheckResult c = PolicyCompiler.check(r.policy());
    return c.diagnostics();
  }

  @Test
  void aChainJumpedToOnlyFromARuleWithErrorsIsNotUnused() {
    List<Diagnostic> ds = check("""
        policy: p
        filter:
          INPUT:
            rules:
              - { match: { dport: "22" }, action: { jump: ssh } }
          ssh:
            rules:
              - { action: accept }
        """);
    assertEquals(List.of(Code.PC6001), ds.stream().map(Diagnostic::code).toList(), ds.toString());
  }

  @Test
  void checksRunAlsoWhenLoweringFoundErrors() {
    List<Diagnostic> ds = check("""
        policy: p
        filter:
          INPUT:
            rules:
              - { match: { dport: "22" }, action: accept }
          unused:
            rules:
              - { action: accept }
        """);
    assertEquals(List.of(Code.PC6001, Code.PC7001), ds.stream().map(Diagnostic::code).toList());
  }

  @Test
  void aTableWithAJumpLoopHasNoUnusedChainWarning() {
    List<Diagnostic> ds = check("""
        policy: p
        filter:
          a:
            rules:
              - { action: { jump: b } }
          b:
            rules:
              - { action: { jump: a } }
        """);
    assertEquals(List.of(Code.PC1007), ds.stream().map(Diagnostic::code).toList(), ds.toString());
  }
}
