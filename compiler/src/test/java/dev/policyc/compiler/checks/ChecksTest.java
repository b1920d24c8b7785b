package dev.policyc.compiler.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Severity;
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
