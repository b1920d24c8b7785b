package dev.policyc.compiler.optimize;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.classbench.ClassBenchReader;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.classbench.ClassBenchTraceReader;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.NameAllocator;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Reporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The paths of the {@code -O2} decision trees of the kernel benchmark's policy
 * (bench/kernel-rate.sh --keep leaves policy.yaml and filters.cb in its work folder), for
 * docs/passes/decision-tree.md: the leaf chains' sizes, the longest path (the most rules a packet
 * that matches no leaf rule is tested against, dispatch rules included), the benchmark's flow, and
 * the mean and max rules tested of a generated trace. Run by hand: {@code DecisionTreePaths
 * POLICY.yaml FILTERS.cb [PACKETS]}, with the test classpath.
 */
final class DecisionTreePaths {
  private DecisionTreePaths() {}

  public static void main(String[] args) throws IOException {
    Path filters = Path.of(args[1]);
    int packets = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    IrPolicy in = PolicyCompiler.check(PolicyCompiler.read(Path.of(args[0])).policy(),
        CheckOptions.forCompile()).ir();
    IrPolicy o1 = new PassManager(Passes.forLevel(OptLevel.O1), null).run(in, new Reporter())
        .ir();
    // the tree's bound is of the rules as lowered, as the pass manager gives it at -O2
    PassContext ctx = new PassContext(NameAllocator.of(o1), new Reporter(),
        in.ipv4().ruleCount());
    long t0 = System.nanoTime();
    IrPolicy out = new BuildDecisionTrees().run(o1, ctx);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("rules %d lowered, %d after -O1, %d after the trees (%.2fx), %d ms, %s%n",
        in.ipv4().ruleCount(), o1.ipv4().ruleCount(), out.ipv4().ruleCount(),
        out.ipv4().ruleCount() / (double) in.ipv4().ruleCount(), ms, ctx.takeCounters());
    RuleTable t = out.ipv4().table(Table.FILTER).orElseThrow();
    Map<String, Chain> chains = new HashMap<>();
    List<Integer> leaves = new ArrayList<>();
    for (Chain c : t.chains()) {
      chains.put(c.name(), c);
      long n = c.rules().stream().filter(r -> !r.origin().isDispatch()).count();
      if (n > 0 && c.name().contains("_dt")) {
        leaves.add((int) n);
      }
    }
    Collections.sort(leaves);
    if (!leaves.isEmpty()) {
      System.out.printf("leaf chains %d: median %d, p90 %d, max %d rules%n", leaves.size(),
          leaves.get(leaves.size() / 2), leaves.get(leaves.size() * 9 / 10),
          leaves.get(leaves.size() - 1));
    }
    for (Chain c : t.chains()) {
      if (c.policy() != null && !c.rules().isEmpty()) {
        int[] w = longest(c, chains, new HashMap<>());
        System.out.printf("%s: longest path %d rules (%d dispatch)%n", c.name(), w[0], w[1]);
      }
    }
    Packet flow = Packet.parse("udp 198.18.0.1:40000 -> 198.19.0.2:9 in eth0 out eth1");
    System.out.printf("the benchmark's flow: %d rules tested%n",
        Interpreter.decide(out, flow).evaluated());
    List<ClassBenchTraceGenerator.Header> trace = ClassBenchTraceGenerator.generate(
        ClassBenchReader.read(filters.toString(), Files.readString(filters)).filters(), packets,
        1);
    long sum = 0;
    int max = 0;
    int differ = 0;
    for (ClassBenchTraceGenerator.Header h : trace) {
      Packet p = new ClassBenchTraceReader.TracePacket(0, h.src(), h.dst(), h.sport(), h.dport(),
          h.proto()).packet().withRoute("eth0", "eth1");
      Decision d = Interpreter.decide(out, p);
      differ += d.effect().equals(Interpreter.decide(o1, p).effect()) ? 0 : 1;
      sum += d.evaluated();
      max = Math.max(max, d.evaluated());
    }
    System.out.printf("trace of %d packets: rules tested mean %.1f, max %d; %d decided"
        + " differently%n", trace.size(), sum / (double) trace.size(), max, differ);
  }

  /**
   * The most rules (and of them dispatch rules) a packet that matches no leaf rule is tested
   * against from the start of {@code c}: every rule of the chain, or the rules up to a dispatch
   * rule and then its chain's (after a jump, also the rest of this chain).
   */
  private static int[] longest(Chain c, Map<String, Chain> chains, Map<String, int[]> memo) {
    int[] known = memo.get(c.name());
    if (known != null) {
      return known;
    }
    List<Rule> rules = c.rules();
    int dispatch = (int) rules.stream().filter(r -> r.origin().isDispatch()).count();
    int[] best = {rules.size(), dispatch};
    int before = 0;
    for (int j = 0; j < rules.size(); j++) {
      Rule r = rules.get(j);
      if (!r.origin().isDispatch()) {
        continue;
      }
      before++;
      String to = r.target() instanceof Target.Goto g ? g.chain()
          : r.target() instanceof Target.Jump jump ? jump.chain() : null;
      if (to == null) {
        continue;
      }
      int[] sub = longest(chains.get(to), chains, memo);
      int[] path = {j + 1 + sub[0], before + sub[1]};
      if (r.target() instanceof Target.Jump) {
        path[0] += rules.size() - j - 1;
        path[1] += dispatch - before;
      }
      if (path[0] > best[0]) {
        best = path;
      }
    }
    memo.put(c.name(), best);
    return best;
  }
}
