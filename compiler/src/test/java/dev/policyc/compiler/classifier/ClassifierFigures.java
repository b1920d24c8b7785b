package dev.policyc.compiler.classifier;

import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.space.Constraint;
import dev.policyc.compiler.space.Constraints;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The classifier's build time and table size per ClassBench set, beside the JMH lookups of
 * {@link ClassifierBenchmark} ({@code bench/classifier.sh} runs both): the median of 5 builds of
 * the tables ({@link ClassifierGenerator#tableSize}, the part of generation that grows with the
 * rules), and the sizes of the binary table and of its search structure; then the work of a
 * lookup over the benchmark's trace, counted (what the timings are noisy about): the cuts gone
 * down, the leaves reached and the rules' hulls tested ({@link CutTreesTest#work}).
 */
public final class ClassifierFigures {
  private ClassifierFigures() {}

  public static void main(String[] args) {
    List<String> sets = args.length > 0 ? List.of(args)
        : List.of("acl1_1k", "fw1_1k", "ipc1_1k", "acl1_10k", "fw1_10k", "ipc1_10k");
    System.out.println("| set | source | rules | tree build ms (median of 5) | trees | leaf entries"
        + " | search structure KiB | all tables KiB | tables per 10K rules MiB |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (String set : sets) {
      List<ClassBenchFilter> fs = ClassifierBenchmark.filters(set);
      IrPolicy ir = ClassifierBenchmark.ir(set, fs);
      long[] ms = new long[5];
      ClassifierGenerator.TableSize size = null;
      for (int i = 0; i < ms.length; i++) {
        long t0 = System.nanoTime();
        size = ClassifierGenerator.tableSize(ir);
        ms[i] = (System.nanoTime() - t0) / 1_000_000;
      }
      Arrays.sort(ms);
      System.out.printf("| %s | %s | %d | %d | %d | %d | %.0f | %.0f | %.2f |%n", set,
          ClassifierBenchmark.source(set).replaceAll(".*/", "corpus "), fs.size(), ms[2],
          size.trees(), size.leafEntries(), size.searchBytes() / 1024.0, size.bytes() / 1024.0,
          size.bytes() / (1024.0 * 1024.0) * 10_000 / fs.size());
    }
    System.out.println();
    System.out.println("| set | cuts a lookup | leaves a lookup | rule tests a lookup | most rule"
        + " tests |");
    System.out.println("|---|---|---|---|---|");
    for (String set : sets) {
      work(set);
    }
  }

  /** The work of a lookup of filter INPUT's trees over the benchmark's trace, as a table row. */
  private static void work(String set) {
    List<ClassBenchFilter> fs = ClassifierBenchmark.filters(set);
    IrPolicy ir = ClassifierBenchmark.ir(set, fs);
    Chain input = ir.ruleset(Family.IPV4).table(Table.FILTER).orElseThrow().chains().stream()
        .filter(c -> c.name().equals("INPUT")).findFirst().orElseThrow();
    List<Constraint> rules = new ArrayList<>();
    int[] kinds = new int[input.rules().size()];
    for (int i = 0; i < kinds.length; i++) {
      Rule r = input.rules().get(i);
      rules.add(Constraints.of(r, Family.IPV4, ir));
      // every imported rule is exact and accepts (ClassifierTables marks it so)
      kinds[i] = CutTrees.ENDS
          | (r.matches().stream().anyMatch(m -> m instanceof Match.Ports) ? CutTrees.PORTS : 0);
    }
    CutTrees.Built b = CutTrees.build(rules, Family.IPV4, kinds);
    CutTreesTest.Work w = CutTreesTest.work(b,
        ClassBenchTraceGenerator.generate(fs, ClassifierBenchmark.TRACE, 5));
    double n = w.lookups();
    System.out.printf("| %s | %.2f | %.2f | %.2f | %d |%n", set, w.cuts() / n, w.leaves() / n,
        w.testsALookup(), w.most());
  }
}
