package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.classbench.ClassBenchTraceReader;
import dev.policyc.compiler.classifier.ClassifierCompiler;
import dev.policyc.compiler.classifier.ClassifierGenerator;
import dev.policyc.compiler.classifier.LoadedClassifier;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.optimize.OptLevel;
import java.util.List;

/**
 * {@code policyc explain --engine classifier}: the policy's generated Java classifier, compiled
 * in this JVM with {@code javax.tools} and loaded, decides the packets. It is generated from the
 * rules as lowered (it builds its own decision trees, so {@code -O} does not apply), and prints
 * its own decision text (rule numbers are positions in the policy's chains).
 */
final class ClassifierExplain {
  private static final String PACKAGE = "policyc.explain";

  private ClassifierExplain() {}

  /** Decides packets in the packet syntax; {@code places} says where each was written. */
  static int packets(Invocation inv, List<String> texts, List<String> places) {
    if (inv.format() != Format.TEXT || inv.line().hasOption("stats")) {
      return inv.usageError("--engine classifier prints text only (no --format json, no"
          + " --stats)");
    }
    LoadedClassifier c = load(inv);
    if (c == null) {
      return Cli.POLICY_ERRORS;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < texts.size(); i++) {
      try {
        out.append("packet: ").append(texts.get(i)).append('\n')
            .append(c.decide(texts.get(i))).append('\n');
      } catch (IllegalArgumentException e) {
        return inv.usageError(places.get(i) + ": " + e.getMessage());
      }
    }
    inv.out().print(out);
    return Cli.OK;
  }

  /** Prints, for each packet of a ClassBench trace, the label of the first rule it matched. */
  static int trace(Invocation inv, ClassBenchTraceReader.Result trace) {
    if (!trace.ok()) {
      trace.diagnostics().forEach(inv.err()::println);
      int n = trace.diagnostics().size();
      inv.err().println("policyc explain: " + n + " " + Command.plural(n, "error", "errors")
          + " in the trace");
      return Cli.POLICY_ERRORS;
    }
    if (inv.line().hasOption("stats")) {
      return inv.usageError("--engine classifier has no --stats");
    }
    LoadedClassifier c = load(inv);
    if (c == null) {
      return Cli.POLICY_ERRORS;
    }
    for (ClassBenchTraceReader.TracePacket tp : trace.packets()) {
      Packet p = tp.packet();
      inv.out().println(c.firstRuleLabel(c.ipv4Packet(p.proto(), tp.src(), tp.dst(), p.sport(),
          p.dport(), p.in(), p.out())));
    }
    return Cli.OK;
  }

  /** The policy's classifier, loaded; null with the reasons printed when there is none. */
  private static LoadedClassifier load(Invocation inv) {
    String file = inv.args().get(0);
    PolicyCompiler.ReadResult read = inv.policies().read(file);
    if (read.policy() == null) {
      read.diagnostics().forEach(inv.err()::println);
      return null;
    }
    Compilation compiled = PolicyCompiler.compile(read.policy(), new CompileOptions(OptLevel.O0));
    if (!compiled.ok()) {
      compiled.diagnostics().forEach(inv.err()::println);
      return null;
    }
    IrPolicy rules = compiled.lowered();
    List<String> why = Targets.classifierGaps(compiled);
    if (!why.isEmpty()) {
      Targets.lines(file, why).forEach(inv.err()::println);
      return null;
    }
    return ClassifierCompiler.load(ClassifierGenerator.generate(rules, PACKAGE, Cli.version()));
  }
}
