package dev.policyc.compiler.classifier;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchImporter;
import dev.policyc.compiler.classbench.ClassBenchReader;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per lookup, single thread: the generated classifier's allocation-free {@code verdict} against
 * the interpreter's first-match scan ({@code Interpreter.decide}) and a plain Java linear scan of
 * the filters, over the same trace of {@value #TRACE} packets of a ClassBench set (the shared
 * corpus's file of that name when it is there, else {@code gen_1k}/{@code gen_10k} from the
 * project's generator). Run by {@code bench/classifier.sh} (docs/benchmarks.md); not part of the
 * test suite.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ClassifierBenchmark {
  static final int TRACE = 4096;

  @Param({"acl1_1k", "fw1_1k", "ipc1_1k", "acl1_10k", "fw1_10k", "ipc1_10k"})
  public String set;

  /** The generated {@code verdict}'s signature, for a class that calls it directly. */
  @FunctionalInterface
  public interface Verdict {
    int verdict(int proto, int src, int dst, int sport, int dport, String in, String out);
  }

  private Verdict verdict;
  private Interpreter interpreter;
  private int[] proto;
  private int[] src;
  private int[] dst;
  private int[] sport;
  private int[] dport;
  private Packet[] packets;
  private long[] filters;

  @Setup(Level.Trial)
  public void setUp() throws ReflectiveOperationException {
    List<ClassBenchFilter> fs = filters(set);
    IrPolicy ir = ir(set, fs);
    verdict = bind(ClassifierGenerator.generate(ir, "bench", "bench"));
    interpreter = new Interpreter(ir);
    List<ClassBenchTraceGenerator.Header> trace = ClassBenchTraceGenerator.generate(fs, TRACE, 5);
    proto = new int[TRACE];
    src = new int[TRACE];
    dst = new int[TRACE];
    sport = new int[TRACE];
    dport = new int[TRACE];
    packets = new Packet[TRACE];
    for (int i = 0; i < TRACE; i++) {
      ClassBenchTraceGenerator.Header h = trace.get(i);
      packets[i] = LargePolicyClassifierTest.packet(h);
      proto[i] = h.proto();
      src[i] = (int) h.src();
      dst[i] = (int) h.dst();
      sport[i] = packets[i].sport();
      dport[i] = packets[i].dport();
    }
    // the linear scan's filters: 9 ints a filter, bounds with the sign bit flipped
    filters = new long[fs.size() * 5];
    for (int i = 0; i < fs.size(); i++) {
      ClassBenchFilter f = fs.get(i);
      long srcMask = f.srcLen() == 0 ? 0 : -1L << (32 - f.srcLen()) & 0xffffffffL;
      long dstMask = f.dstLen() == 0 ? 0 : -1L << (32 - f.dstLen()) & 0xffffffffL;
      filters[5 * i] = (f.src() & srcMask) << 32 | (f.src() | ~srcMask & 0xffffffffL);
      filters[5 * i + 1] = (f.dst() & dstMask) << 32 | (f.dst() | ~dstMask & 0xffffffffL);
      filters[5 * i + 2] = (long) f.sportLo() << 16 | f.sportHi();
      filters[5 * i + 3] = (long) f.dportLo() << 16 | f.dportHi();
      filters[5 * i + 4] = f.anyProtocol() ? -1 : f.proto();
    }
  }

  /**
   * The generated class's static {@code verdict} behind a {@link Verdict}: a one-line class
   * compiled with the classifier, in its loader, that calls it directly, so that the benchmark's
   * call site is a monomorphic interface call the JIT inlines, as a direct call from a user's
   * code would be (an invocation through a {@code MethodHandle} held in a field is not inlined;
   * {@code LambdaMetafactory} refuses a caller of another class loader's module).
   */
  static Verdict bind(GeneratedClassifier g) throws ReflectiveOperationException {
    String pkg = g.packageName();
    String src = "package " + pkg + ";\n\npublic final class VerdictCall implements "
        + Verdict.class.getCanonicalName() + " {\n  @Override\n  public int verdict(int proto, "
        + "int src, int dst, int sport, int dport, String in, String out) {\n    return "
        + g.className() + ".verdict(proto, src, dst, sport, dport, in, out);\n  }\n}\n";
    Map<String, String> sources = new LinkedHashMap<>(g.sources());
    sources.put(pkg.replace('.', '/') + "/VerdictCall.java", src);
    LoadedClassifier c = ClassifierCompiler.load(new GeneratedClassifier(pkg, g.className(),
        sources, g.resources()));
    return (Verdict) Class.forName(pkg + ".VerdictCall", true,
        c.classifierClass().getClassLoader()).getConstructor().newInstance();
  }

  /** The generated classifier's fast path. */
  @Benchmark
  @OperationsPerInvocation(TRACE)
  public int classifier() {
    int acc = 0;
    Verdict v = verdict;
    for (int i = 0; i < TRACE; i++) {
      acc += v.verdict(proto[i], src[i], dst[i], sport[i], dport[i], "eth0", null);
    }
    return acc;
  }

  /** The reference interpreter: a first-match scan of the rules, as objects. */
  @Benchmark
  @OperationsPerInvocation(TRACE)
  public int interpreter() {
    int acc = 0;
    for (int i = 0; i < TRACE; i++) {
      acc += interpreter.decide(packets[i]).outcome().ordinal();
    }
    return acc;
  }

  /** A plain Java first-match scan of the filters in primitive arrays. */
  @Benchmark
  @OperationsPerInvocation(TRACE)
  public int linearScan() {
    int acc = 0;
    long[] f = filters;
    int n = f.length / 5;
    for (int i = 0; i < TRACE; i++) {
      long s = src[i] & 0xffffffffL;
      long d = dst[i] & 0xffffffffL;
      int sp = sport[i];
      int dp = dport[i];
      int p = proto[i];
      int match = -1;
      for (int k = 0; k < n; k++) {
        long a = f[5 * k];
        long b = f[5 * k + 1];
        long ps = f[5 * k + 2];
        long pd = f[5 * k + 3];
        long pr = f[5 * k + 4];
        if (s >= a >>> 32 && s <= (a & 0xffffffffL) && d >= b >>> 32 && d <= (b & 0xffffffffL)
            && sp >= ps >>> 16 && sp <= (ps & 0xffff) && dp >= pd >>> 16 && dp <= (pd & 0xffff)
            && (pr < 0 || pr == p)) {
          match = k;
          break;
        }
      }
      acc += match;
    }
    return acc;
  }

  /** The filters of a set: the corpus's file when it is there, else generated. */
  static List<ClassBenchFilter> filters(String set) {
    Path corpus = Path.of(System.getProperty("policyc.corpus", "../shared/corpus/classbench"));
    Path file = corpus.resolve(set);
    if (set.startsWith("gen_") || !Files.isRegularFile(file)) {
      int rules = set.endsWith("100k") ? 100_000 : set.endsWith("10k") ? 10_000 : 1_000;
      return ClassBenchGenerator.generate(rules, 1);
    }
    try {
      ClassBenchReader.Result r = ClassBenchReader.read(file.toString(), Files.readString(file));
      if (!r.ok()) {
        throw new IllegalStateException(r.diagnostics().toString());
      }
      return r.filters();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where a set's filters came from, for the figures. */
  static String source(String set) {
    Path corpus = Path.of(System.getProperty("policyc.corpus", "../shared/corpus/classbench"));
    return set.startsWith("gen_") || !Files.isRegularFile(corpus.resolve(set))
        ? "generated (ClassBenchGenerator, seed 1)" : corpus.resolve(set).toString();
  }

  static IrPolicy ir(String name, List<ClassBenchFilter> fs) {
    CheckResult checked = PolicyCompiler.check(
        ClassBenchImporter.toPolicy(name.replace('_', '-'), "benchmark", fs).policy(),
        CheckOptions.forCompile());
    if (!checked.ok()) {
      throw new IllegalStateException(checked.diagnostics().toString());
    }
    return checked.ir();
  }
}
