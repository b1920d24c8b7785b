package dev.policyc.compiler.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.testing.InterpreterEquality;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Reporter;
import java.util.List;

/**
 * Tests one pass the way closure-compiler tests its passes: the rules before, the rules expected
 * after, as {@code iptables-save} text. The pass runs under the pass manager (so its output is
 * validated) with a verifier that compares the interpreter's effect on many packets before and
 * after, and the text it leads to must be the expected one.
 */
final class PassTester {
  private PassTester() {}

  /** Runs {@code pass} on the IPv4 rules {@code before} and expects the rules {@code after}. */
  static IrPolicy assertPass(Pass pass, String before, String after) {
    IrPolicy out = run(pass, read(before));
    assertEquals(normalize(after), text(out), "rules after " + pass.name());
    return out;
  }

  /** Runs one pass under the pass manager with the interpreter-equality verifier. */
  static IrPolicy run(Pass pass, IrPolicy in) {
    PassManager pm = new PassManager(List.of(pass), new InterpreterEquality(4242, 400));
    return pm.run(in, new Reporter()).ir();
  }

  /** An IPv4 policy from iptables-save text (tables, chains and COMMIT lines). */
  static IrPolicy read(String text) {
    try {
      Ruleset v4 = IptablesSaveReader.read("before", normalize(text), Family.IPV4);
      return new IrPolicy("test", null, List.of(), v4, new Ruleset(Family.IPV6, List.of()));
    } catch (ParseException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  /** The lowered IR of a YAML policy, before any pass. */
  static IrPolicy lowered(String yaml) {
    PolicyCompiler.ReadResult read = PolicyCompiler.read("test.yaml", yaml);
    if (read.policy() == null) {
      throw new AssertionError(read.diagnostics().toString());
    }
    CheckResult r = PolicyCompiler.check(read.policy());
    if (!r.ok()) {
      throw new AssertionError(r.diagnostics().toString());
    }
    return r.ir();
  }

  /** The IPv4 rules as iptables-save text, without the header comment. */
  static String text(IrPolicy p) {
    String s = IptablesEmitter.emit(p.ipv4(), p.name());
    return s.substring(s.indexOf('\n') + 1);
  }

  private static String normalize(String text) {
    StringBuilder sb = new StringBuilder();
    for (String line : text.strip().split("\n")) {
      sb.append(line.strip()).append('\n');
    }
    return sb.toString();
  }
}
