package dev.policyc.compiler.optimize;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.classbench.ClassBenchReader;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.classbench.ClassBenchTraceReader;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.tree.TreeBuilder;
import dev.policyc.dsl.diag.Reporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures the decision-tree pass on a ClassBench set: rules and mean/max rules tested per
 * packet of a generated trace before and after, and the pass's time. Run by hand:
 * {@code DecisionTreeBench FILTERS POLICY.yaml [PACKETS [LEAF_SIZE MAX_GROWTH]]} with the filters of {@code
 * /work/shared/corpus/classbench} and the policy {@code policyc import} made of them.
 */
final class DecisionTreeBench {
  private DecisionTreeBench() {}

  public static void main(String[] args) throws IOException {
    Path filters = Path.of(args[0]);
    Path yaml = Path.of(args[1]);
    int packets = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    TreeBuilder.Options options = args.length > 3
        ? new TreeBuilder.Options(Integer.parseInt(args[3]), Double.parseDouble(args[4]), 24)
        : TreeBuilder.Options.DEFAULT;
    CheckResult checked = PolicyCompiler.check(PolicyCompiler.read(yaml).policy(),
        CheckOptions.forCompile());
    IrPolicy in = checked.ir();
    long t0 = System.nanoTime();
    PassManager pm = new PassManager(List.of(new BuildDecisionTrees(32, options)), null);
    PassManager.Result r = pm.run(in, new Reporter());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    IrPolicy out = r.ir();
    List<ClassBenchTraceGenerator.Header> trace = ClassBenchTraceGenerator.generate(
        ClassBenchReader.read(filters.toString(), Files.readString(filters)).filters(), packets,
        1);
    long sumIn = 0;
    long sumOut = 0;
    int maxIn = 0;
    int maxOut = 0;
    int differ = 0;
    for (ClassBenchTraceGenerator.Header h : trace) {
      Packet p = new ClassBenchTraceReader.TracePacket(0, h.src(), h.dst(), h.sport(), h.dport(),
          h.proto()).packet();
      Decision a = Interpreter.decide(in, p);
      Decision b = Interpreter.decide(out, p);
      differ += a.effect().equals(b.effect()) ? 0 : 1;
      sumIn += a.evaluated();
      sumOut += b.evaluated();
      maxIn = Math.max(maxIn, a.evaluated());
      maxOut = Math.max(maxOut, b.evaluated());
    }
    System.out.printf("%s: rules %d -> %d (%.2fx), pass %d ms, %s%n", yaml.getFileName(),
        in.ipv4().ruleCount(), out.ipv4().ruleCount(),
        out.ipv4().ruleCount() / (double) in.ipv4().ruleCount(), ms, r.stats());
    System.out.printf("  %d packets: rules tested mean %.1f max %d -> mean %.1f max %d;"
        + " %d decided differently%n", trace.size(), sumIn / (double) trace.size(), maxIn,
        sumOut / (double) trace.size(), maxOut, differ);
  }
}
