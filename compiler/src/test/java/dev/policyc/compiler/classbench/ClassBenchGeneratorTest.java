package dev.policyc.compiler.classbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link ClassBenchGenerator} and {@link ClassBenchTraceGenerator}: deterministic, well formed,
 * and shaped as documented. The carried set and trace under {@code
 * src/test/resources/classbench} are what the generators give for their seeds; after a change to
 * a generator, rerun the commands in their first lines and read the diff.
 */
class ClassBenchGeneratorTest {
  private static final Path CARRIED = Path.of("src/test/resources/classbench");

  @Test
  void theSameSeedGivesTheSameSetAndAnotherSeedAnother() {
    assertEquals(texts(ClassBenchGenerator.generate(500, 3)),
        texts(ClassBenchGenerator.generate(500, 3)));
    assertNotEquals(texts(ClassBenchGenerator.generate(500, 3)),
        texts(ClassBenchGenerator.generate(500, 4)));
  }

  @Test
  void theCarriedSetIsTheGeneratorsOutput() throws IOException {
    assertEquals(body(CARRIED.resolve("acl300-seed7.txt")),
        texts(ClassBenchGenerator.generate(300, 7)).stream().map(s -> s + "\n")
            .collect(Collectors.joining()));
  }

  @Test
  void theCarriedTraceIsTheTraceGeneratorsOutput() throws IOException {
    List<ClassBenchFilter> set = ClassBenchReader.read("set",
        Files.readString(CARRIED.resolve("acl300-seed7.txt"))).filters();
    assertEquals(body(CARRIED.resolve("acl300-seed7.trace")),
        ClassBenchTraceGenerator.generate(set, 3000, 7).stream().map(h -> h.line() + "\n")
            .collect(Collectors.joining()));
  }

  /** Numbered in order, distinct, and read back the same by the reader, with no warning. */
  @Test
  void aSetReadsBackAsItWasMade() {
    List<ClassBenchFilter> set = ClassBenchGenerator.generate(2000, 9);
    assertEquals(2000, set.size());
    for (int i = 0; i < set.size(); i++) {
      assertEquals(i + 1, set.get(i).label());
    }
    assertEquals(2000, new HashSet<>(texts(set)).size());
    String text = String.join("\n", texts(set));
    ClassBenchReader.Result r = ClassBenchReader.read("g", text);
    assertEquals(List.of(), r.diagnostics());
    assertEquals(texts(set), texts(r.filters()));
  }

  /** The shape the class documents, within generous bounds, on a set of 10,000. */
  @Test
  void theSetLooksLikeAnAccessList() {
    List<ClassBenchFilter> set = ClassBenchGenerator.generate(10_000, 1);
    assertShare(count(set, f -> f.srcLen() == 32), 10_000, 0.40, 0.60, "source /32");
    assertShare(count(set, f -> f.srcLen() == 0), 10_000, 0.02, 0.08, "source any");
    assertShare(count(set, f -> f.proto() == 6), 10_000, 0.60, 0.80, "tcp");
    assertShare(count(set, ClassBenchFilter::anyProtocol), 10_000, 0.08, 0.18, "any protocol");
    assertShare(count(set, f -> f.anyProtocol() && f.restrictsPorts()), 10_000, 0.01, 0.05,
        "any protocol with ports");
    assertShare(count(set, f -> f.dportLo() == f.dportHi()), 10_000, 0.35, 0.65,
        "one destination port");
    assertShare(count(set, f -> f.dportLo() < f.dportHi() && f.restrictsPorts()), 10_000, 0.1,
        0.4, "a destination port range");
    assertTrue(set.stream().noneMatch(ClassBenchFilter::matchesNothing));
    // a few hosts are in many filters
    long maxSameDst = set.stream().collect(Collectors.groupingBy(ClassBenchFilter::dst,
        Collectors.counting())).values().stream().mapToLong(Long::longValue).max().orElse(0);
    assertTrue(maxSameDst > 50, "the busiest destination is in " + maxSameDst + " filters");
    // broad filters come last
    int firstBroad = 0;
    while (set.get(firstBroad).srcLen() + set.get(firstBroad).dstLen() >= 24) {
      firstBroad++;
    }
    for (ClassBenchFilter f : set.subList(firstBroad, set.size())) {
      assertTrue(f.srcLen() + f.dstLen() < 24, f.text());
    }
  }

  /**
   * Half the packets lie in the box of the filter they are drawn from, a quarter at its edges
   * (some just outside), a quarter anywhere (filter 0).
   */
  @Test
  void aTraceHasPointsInsideAtTheEdgesAndAnywhere() {
    List<ClassBenchFilter> set = ClassBenchGenerator.generate(1000, 5);
    List<ClassBenchTraceGenerator.Header> trace = ClassBenchTraceGenerator.generate(set, 20_000,
        5);
    assertEquals(20_000, trace.size());
    long uniform = trace.stream().filter(h -> h.from() == 0).count();
    assertShare(uniform, trace.size(), 0.22, 0.28, "uniform");
    long inBox = 0;
    long justOutside = 0;
    for (ClassBenchTraceGenerator.Header h : trace) {
      if (h.from() == 0) {
        continue;
      }
      ClassBenchFilter f = set.get(h.from() - 1);
      boolean in = inPrefix(h.src(), f.src(), f.srcLen()) && inPrefix(h.dst(), f.dst(),
          f.dstLen()) && f.sportLo() <= h.sport() && h.sport() <= f.sportHi()
          && f.dportLo() <= h.dport() && h.dport() <= f.dportHi();
      inBox += in ? 1 : 0;
      justOutside += h.dport() == f.dportHi() + 1 || h.dport() == f.dportLo() - 1 ? 1 : 0;
    }
    // two thirds drawn inside, and the edge points with no field one past its end (about 0.8^4)
    assertShare(inBox, trace.size() - uniform, 0.75, 0.92, "in the box of their filter");
    assertTrue(justOutside > 200, justOutside + " packets one port past an edge");
    assertEquals(trace, ClassBenchTraceGenerator.generate(set, 20_000, 5));
    assertEquals(List.of(), ClassBenchTraceGenerator.generate(set, 0, 5));
    assertTrue(ClassBenchTraceGenerator.generate(List.of(), 10, 5).stream()
        .allMatch(h -> h.from() == 0));
  }

  @Test
  void theCommandLinesPrintTheSetAndTheTrace() throws IOException {
    Result set = run(false, "--rules", "3", "--seed", "2");
    assertEquals(0, set.code(), set.err());
    assertEquals(texts(ClassBenchGenerator.generate(3, 2)).stream().map(s -> s + "\n")
        .collect(Collectors.joining()), set.out());
    Path file = Files.createTempFile("set", ".txt");
    try {
      Files.writeString(file, set.out());
      Result trace = run(true, "--filters", file.toString(), "--packets", "4");
      assertEquals(0, trace.code(), trace.err());
      assertEquals(4, trace.out().lines().count());
      Files.writeString(file, "@1.2.3.4/32\n");
      Result bad = run(true, "--filters", file.toString(), "--packets", "4");
      assertEquals(1, bad.code());
      assertTrue(bad.err().contains(":1:12: error PC8001:"), bad.err());
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void badCommandLinesAreUsageErrors() {
    for (String[] args : List.of(new String[] {}, new String[] {"--rules"},
        new String[] {"--rules", "x"}, new String[] {"--rules", "-1"},
        new String[] {"--rules", "1", "--rules", "2"}, new String[] {"--size", "1"})) {
      Result r = run(false, args);
      assertEquals(2, r.code(), String.join(" ", args));
      assertTrue(r.err().contains("usage: ClassBenchGenerator --rules N"), r.err());
    }
    Result r = run(true, "--packets", "3");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("ClassBenchTraceGenerator: --filters is required"), r.err());
  }

  private record Result(int code, String out, String err) {}

  private static Result run(boolean trace, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    int code = trace ? ClassBenchTraceGenerator.run(args, o, e)
        : ClassBenchGenerator.run(args, o, e);
    return new Result(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  private static long count(List<ClassBenchFilter> set, Predicate<ClassBenchFilter> p) {
    return set.stream().filter(p).count();
  }

  private static boolean inPrefix(long addr, long net, int len) {
    return (addr & ClassBenchFilter.mask(len)) == net;
  }

  private static void assertShare(long n, long total, double lo, double hi, String what) {
    double share = (double) n / total;
    assertTrue(lo <= share && share <= hi, what + ": " + n + " in " + total);
  }

  private static List<String> texts(List<ClassBenchFilter> set) {
    return set.stream().map(ClassBenchFilter::text).toList();
  }

  /** A carried file without its first line, the command that made it. */
  private static String body(Path p) throws IOException {
    String s = Files.readString(p);
    assertTrue(s.startsWith("# java -cp"), p + " starts with its command");
    return s.substring(s.indexOf('\n') + 1);
  }
}
