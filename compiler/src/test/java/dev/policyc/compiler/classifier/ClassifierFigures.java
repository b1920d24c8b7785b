package dev.policyc.compiler.classifier;

import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.ir.IrPolicy;
import java.util.Arrays;
import java.util.List;

/**
 * The classifier's build time and table size per ClassBench set, beside the JMH lookups of
 * {@link ClassifierBenchmark} ({@code bench/classifier.sh} runs both): the median of 5 builds of
 * the tables ({@link ClassifierGenerator#tableSize}, the part of generation that grows with the
 * rules), and the sizes of the binary table and of its search structure.
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
  }
}
