package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.classbench.ClassBenchTraceReader;
import dev.policyc.compiler.classifier.ClassifierCompiler;
import dev.policyc.compiler.classifier.ClassifierGenerator;
import dev.policyc.compiler.classifier.LoadedClassifier;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code policyc explain --engine classifier}: the policy's generated Java classifier, compiled
 * in this JVM with {@code javax.tools} and loaded, decides the packets. It is generated from the
 * rules as lowered (it builds its own decision trees, so {@code -O} does not apply). With
 * {@code --packets} and for ClassBench traces it prints what the other engines print; for one
 * {@code --packet}, the runtime's own decision text (rule numbers are positions in the policy's
 * chains).
 */
final class ClassifierExplain {
  private static final String PACKAGE = "policyc.explain";

  private ClassifierExplain() {}

  /**
   * Decides packets in the packet syntax, written at {@code lines} of {@code where} (0: given
   * with {@code --packet}). With {@code --packets} each gets the line the other engines print
   * ({@link DecisionText#oneLine}), so their outputs compare as text; a bad line is reported
   * (PC8007) and the others are still decided. One {@code --packet} gets the runtime's text.
   */
  static int packets(Invocation inv, List<String> texts, List<Integer> lines, String where) {
    if (inv.format() != Format.TEXT || inv.line().hasOption("stats")) {
      return inv.usageError("--engine classifier prints text only (no --format json, no"
          + " --stats)");
    }
    LoadedClassifier c = load(inv);
    if (c == null) {
      return Cli.POLICY_ERRORS;
    }
    boolean oneLine = inv.line().hasOption("packets");
    StringBuilder out = new StringBuilder();
    int bad = 0;
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      Packet p;
      Object d;
      try {
        p = Packet.parse(text); // the same syntax: the packet in the other engines' words
        d = c.classify(c.packet(text));
      } catch (Packet.SyntaxError e) {
        if (lines.get(i) == 0) {
          return inv.usageError("--packet: bad packet: " + e.getMessage());
        }
        inv.err().println(new Diagnostic(Code.PC8007, "bad packet: " + e.getMessage(),
            new SourcePos(where, lines.get(i), e.column())));
        bad++;
        continue;
      } catch (IllegalArgumentException e) {
        if (lines.get(i) == 0) {
          return inv.usageError("--packet: " + e.getMessage());
        }
        inv.err().println(new Diagnostic(Code.PC8007, e.getMessage(),
            new SourcePos(where, lines.get(i), 1)));
        bad++;
        continue;
      }
      if (oneLine) {
        out.append(oneLine(p, d)).append('\n');
      } else {
        out.append("packet: ").append(text).append('\n').append(d).append('\n');
      }
    }
    inv.out().print(out);
    if (bad > 0) {
      inv.err().println("policyc explain: " + bad + " " + Command.plural(bad, "line", "lines")
          + " of " + where + " not decided");
      return Cli.POLICY_ERRORS;
    }
    return Cli.OK;
  }

  /** The classifier's decision {@code d} of packet {@code p} as {@link DecisionText#oneLine}. */
  private static String oneLine(Packet p, Object d) {
    StringBuilder sb = new StringBuilder();
    sb.append(p).append(" => ").append(DecisionText.verdict(
        Decision.Outcome.valueOf((String) LoadedClassifier.property(d, "outcomeName")),
        (String) LoadedClassifier.property(d, "outIface"),
        (String) LoadedClassifier.property(d, "rejectWith")));
    for (String nat : List.of("dnat", "snat")) {
      String to = (String) LoadedClassifier.property(d, nat);
      if (to != null) {
        // the runtime writes an IPv6 address with a port in brackets, the one-line text not
        String plain = to.startsWith("[") ? to.substring(1).replaceFirst("]", "") : to;
        sb.append("; ").append(LoadedClassifier.property(d, nat + "Kind")).append(" to ")
            .append(plain);
      }
    }
    // the runtime writes IPVS's part in explain's own words (IpvsState.Hit.text)
    Object ipvs = LoadedClassifier.property(d, "ipvs");
    if (ipvs != null) {
      sb.append("; ipvs: ").append(ipvs);
    }
    List<String> steps = new ArrayList<>();
    for (Object s : (List<?>) LoadedClassifier.property(d, "path")) {
      steps.add(DecisionText.step((String) LoadedClassifier.property(s, "table"),
          (String) LoadedClassifier.property(s, "chain"),
          (Integer) LoadedClassifier.property(s, "rule")));
    }
    return sb.append(" [").append(String.join(" ", steps)).append(']').toString();
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
    // IPVS schedules the packets to virtual services, its schedulers advancing packet by packet
    // as in the interpreter explain makes (ExplainCommand)
    IpvsConfig ipvs = PolicyCompiler.ipvs(read.policy()).config();
    List<String> why = Targets.classifierGaps(compiled, ipvs);
    if (!why.isEmpty()) {
      Targets.lines(file, why).forEach(inv.err()::println);
      return null;
    }
    return ClassifierCompiler.load(ClassifierGenerator.generate(rules, ipvs, PACKAGE,
        Cli.version()));
  }
}
