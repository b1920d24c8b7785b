package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchReader;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.testing.Property;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code policyc import --format classbench} then {@code policyc explain --format
 * classbench-trace} name, for every packet of a trace, the first filter that matches it, as a
 * linear scan written here (reading both files on its own) finds it under netfilter's
 * semantics: ports exist only for tcp, udp, sctp and dccp, so a filter that restricts ports
 * matches no packet of another protocol.
 */
class ClassBenchTraceTest {
  private static final Path CARRIED = Path.of("src/test/resources/classbench");
  /** Packets of the traces that check first matches at every level. */
  private static final int TRACE = 100_000;
  /** The protocols whose ports policies match; a filter restricting ports needs one of them. */
  private static final Set<Integer> PORT_PROTOCOLS = Set.of(6, 17, 33, 132);
  private static final Pattern FILTER = Pattern.compile(
      "@(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)/(\\d+)\\s+(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)/(\\d+)"
      + "\\s+(\\d+)\\s*:\\s*(\\d+)\\s+(\\d+)\\s*:\\s*(\\d+)"
      + "\\s+0x(\\p{XDigit}+)/0x(\\p{XDigit}+)(\\s.*)?");

  @TempDir
  Path tmp;

  /** One filter as this test reads it: a box, with protocol -1 for any. */
  private record Box(long src, int srcLen, long dst, int dstLen, int spLo, int spHi, int dpLo,
      int dpHi, int proto) {
    boolean matches(long[] h) {
      int proto = (int) h[4];
      boolean allPorts = spLo == 0 && spHi == 65535 && dpLo == 0 && dpHi == 65535;
      return prefix(h[0], src, srcLen) && prefix(h[1], dst, dstLen)
          && (this.proto < 0 || this.proto == proto)
          && (allPorts || (PORT_PROTOCOLS.contains(proto) && spLo <= h[2] && h[2] <= spHi
              && dpLo <= h[3] && h[3] <= dpHi));
    }

    private static boolean prefix(long addr, long net, int len) {
      return len == 0 || (addr >>> (32 - len)) == (net >>> (32 - len));
    }
  }

  @Test
  void theCarriedSetAndTraceAgreeWithALinearScan() throws IOException {
    List<String> labels = compare(CARRIED.resolve("acl300-seed7.txt"),
        CARRIED.resolve("acl300-seed7.trace"));
    // The trace is worth comparing: many filters are first matches, and some packets match none.
    Set<String> distinct = new HashSet<>(labels);
    assertTrue(distinct.size() > 150, "only " + distinct.size() + " labels");
    assertTrue(distinct.contains("-"), "no packet matched nothing");
    assertEquals(3000, labels.size());
  }

  @Test
  void acl1OfTheSharedCorpusAgreesWithALinearScan() throws IOException {
    Path acl = Repo.root().resolve("../shared/corpus/classbench/acl1_1k").normalize();
    Assumptions.assumeTrue(Files.isRegularFile(acl), "skipped: the ClassBench corpus is absent ("
        + acl + " does not exist); the carried set is compared instead");
    List<ClassBenchFilter> filters = ClassBenchReader.read(
        acl.toString(), Files.readString(acl)).filters();
    Path trace = writeTrace(filters, 5000, 11);
    List<String> labels = compare(acl, trace);
    assertTrue(new HashSet<>(labels).size() > 300, "too few distinct first matches");
  }

  /**
   * The optimizer keeps first matches: at every level, every packet of a 100K-packet trace of a
   * generated 1K set is labelled with the first filter a linear scan finds (rules merged,
   * gathered into sets or replicated into decision trees are named by the part the packet
   * matched first).
   */
  @ParameterizedTest(name = "-O{0}")
  @ValueSource(ints = {0, 1, 2})
  void everyLevelKeepsTheFirstMatchOfAGeneratedSet(int level) throws IOException {
    List<ClassBenchFilter> filters = ClassBenchGenerator.generate(1000, 20261205L);
    Path set = Files.writeString(tmp.resolve("gen1k.txt"), filters.stream()
        .map(ClassBenchFilter::text).collect(Collectors.joining("\n", "", "\n")));
    List<String> labels = compareIn(tmp, set, writeTrace(filters, TRACE, 5), level);
    assertTrue(new HashSet<>(labels).size() > 300, "too few distinct first matches");
  }

  /** As above, on the corpus sets of each kind (acl, fw, ipc) when the corpus is present. */
  @ParameterizedTest(name = "{0} -O{1}")
  @CsvSource({"acl1_1k,0", "acl1_1k,2", "fw1_1k,2", "ipc1_1k,1", "ipc1_1k,2"})
  void everyLevelKeepsTheFirstMatchOfTheCorpusSets(String name, int level) throws IOException {
    Path file = Repo.root().resolve("../shared/corpus/classbench/" + name).normalize();
    Assumptions.assumeTrue(Files.isRegularFile(file), "skipped: the ClassBench corpus is absent ("
        + file + " does not exist); the generated sets are compared instead");
    List<ClassBenchFilter> filters = ClassBenchReader.read(
        file.toString(), Files.readString(file)).filters();
    compareIn(tmp, file, writeTrace(filters, TRACE, 13), level);
  }

  /**
   * The generated classifier and the emitted iptables text read back give every packet of a
   * 100K-packet trace the first match a linear scan finds, on a generated set and on the corpus
   * sets of each kind when the corpus is present (the interpreter: the tests above).
   */
  @ParameterizedTest(name = "{0} --engine {1}")
  @CsvSource({"gen_1k,classifier", "gen_1k,iptables", "acl1_1k,classifier", "fw1_1k,classifier",
      "ipc1_1k,classifier", "fw1_1k,iptables"})
  void everyEngineFindsTheFirstMatch(String name, String engine) throws IOException {
    Path file;
    if (name.startsWith("gen_")) {
      file = Files.writeString(tmp.resolve(name), ClassBenchGenerator.generate(1000, 20261207L)
          .stream().map(ClassBenchFilter::text).collect(Collectors.joining("\n", "", "\n")));
    } else {
      file = Repo.root().resolve("../shared/corpus/classbench/" + name).normalize();
      Assumptions.assumeTrue(Files.isRegularFile(file), "skipped: the ClassBench corpus is absent"
          + " (" + file + " does not exist); the generated set is compared instead");
    }
    List<ClassBenchFilter> filters = ClassBenchReader.read(
        file.toString(), Files.readString(file)).filters();
    List<String> labels = compareIn(tmp, file, writeTrace(filters, TRACE, 17), "-O0", engine);
    assertTrue(new HashSet<>(labels).size() > 300, "too few distinct first matches");
  }

  /**
   * A filter of any protocol with ports matches tcp, udp, sctp and dccp packets in its ports,
   * and never an ICMP, GRE or UDP-Lite packet (policies match no UDP-Lite ports), nor one outside
   * its ports; a filter naming ICMP with ports matches nothing.
   */
  @Test
  void anyProtocolWithPortsMatchesOnlyThePortProtocols() throws IOException {
    Path set = write("any.txt", """
        @10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t80 : 80\t0x00/0x00\t0x0000/0x0000\t
        @10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t80 : 80\t0x01/0xFF\t0x0000/0x0000\t
        @10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t0 : 65535\t0x00/0x00\t0x0000/0x0000\t
        """);
    String ten = Long.toString(10L << 24 | 5);
    StringBuilder trace = new StringBuilder();
    for (int proto : new int[] {6, 17, 132, 33, 1, 47, 136}) {
      trace.append(ten).append(" 3 1234 80 ").append(proto).append('\n');
    }
    trace.append(ten).append(" 3 1234 81 6\n");
    trace.append("3 3 1234 80 6\n");
    Path t = write("any.trace", trace.toString());
    assertEquals(List.of("1", "1", "1", "1", "3", "3", "3", "3", "-"), compare(set, t));
  }

  /** A rule without a comment is named by its place; the first rule that matched counts. */
  @Test
  void aRuleWithoutALabelIsNamedByItsPlace() throws IOException {
    Path policy = write("p.yaml", """
        policy: p
        filter:
          INPUT:
            rules:
              - { match: { proto: tcp, dport: "22" }, action: { log: "ssh " } }
              - { match: { proto: tcp }, action: accept, comment: tcp }
              - { match: { proto: udp }, action: drop }
        """);
    Path trace = write("t.trace", "1 2 3 22 6\n1 2 3 23 6\n1 2 3 4 17\n1 2 3 4 1\n");
    // -O0: at -O2 the tcp rule goes (the policy accepts the same) and packet 2 meets the policy
    Cli.Captured c = run("explain", policy.toString(), "-O0", "--packets", trace.toString(),
        "--format", "classbench-trace");
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(List.of("filter/INPUT#1", "tcp", "filter/INPUT#3", "-"),
        c.out().lines().toList());
  }

  @Test
  void aMalformedTraceIsReportedWithPositions() throws IOException {
    Path policy = write("p.yaml", "policy: p\n");
    Path trace = write("t.trace", "1 2 3 4 6\n1 2 3 99999 6\n# fine\n1 2 3 4 6 extra\n1 2 3\n");
    Cli.Captured c = run("explain", policy.toString(), "--packets", trace.toString(),
        "--format", "classbench-trace");
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(List.of(trace + ":2:7: error PC8006: destination port 99999 is above 65535",
        trace + ":5:6: error PC8006: missing the destination port",
        "policyc explain: 2 errors in the trace"), c.err().lines().toList());
    assertEquals("", c.out());
  }

  @Test
  void theTraceFormatNeedsATraceFile() {
    Cli.Captured c = run("explain", CliFixtures.policy("host-firewall"), "--packet",
        "tcp 192.0.2.1:1 -> 192.0.2.10:22 in eth0", "--format", "classbench-trace");
    assertEquals(Cli.USAGE, c.code());
    assertEquals("policyc explain: --format classbench-trace reads a trace: give --packets"
        + " TRACE\n", c.err());
    Cli.Captured bad = run("explain", CliFixtures.policy("host-firewall"), "--packets", "x",
        "--format", "classbench");
    assertEquals(Cli.USAGE, bad.code());
    assertTrue(bad.err().startsWith("policyc explain: --format must be text, json or"
        + " classbench-trace, not 'classbench'"), bad.err());
  }

  @Test
  void randomSetsAgreeWithALinearScan() {
    int trials = Property.trials(20);
    Property.forAll("classbench explain = linear scan", Property.seed(20261205L), trials,
        ClassBenchTraceTest::randomSet, this::disagreement,
        set -> {
          List<List<String>> smaller = new ArrayList<>();
          for (int i = 0; i < set.size(); i++) {
            List<String> s = new ArrayList<>(set);
            s.remove(i);
            smaller.add(s);
          }
          return smaller;
        },
        set -> String.join("\n", set));
  }

  /**
   * A generated set of 5 to 60 filters, some turned into filters of any protocol with ports, or
   * of a protocol without ports (or UDP-Lite) with ports, whose semantics are the delicate ones.
   */
  private static List<String> randomSet(Random r) {
    List<String> lines = new ArrayList<>();
    for (ClassBenchFilter f : ClassBenchGenerator.generate(5 + r.nextInt(56), r.nextLong())) {
      String line = f.text();
      int k = r.nextInt(8);
      if (k == 0) {
        line = line.replaceFirst("\t0 : 65535\t0x", "\t100 : 2000\t0x");
        line = line.replaceFirst("0x[0-9A-F]{2}/0xFF", "0x00/0x00");
      } else if (k == 1) {
        String proto = new String[] {"0x01", "0x2F", "0x88", "0x84"}[r.nextInt(4)];
        line = line.replaceFirst("0x[0-9A-F]{2}/0x(FF|00)", proto + "/0xFF")
            .replaceFirst("\t0 : 65535\t", "\t1000 : 60000\t");
      }
      lines.add(line);
    }
    return lines;
  }

  private String disagreement(List<String> set) {
    try {
      Path dir = Files.createTempDirectory(tmp, "trial");
      Path file = Files.writeString(dir.resolve("set.txt"), String.join("\n", set) + "\n");
      List<ClassBenchFilter> filters = ClassBenchReader.read(
          file.toString(), Files.readString(file)).filters();
      compareIn(dir, file, writeTrace(dir, filters, 400, set.hashCode()));
      return null;
    } catch (AssertionError e) {
      return e.getMessage();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<String> compare(Path set, Path trace) throws IOException {
    return compareIn(tmp, set, trace);
  }

  private static List<String> compareIn(Path dir, Path set, Path trace) throws IOException {
    return compareIn(dir, set, trace, 2);
  }

  /**
   * Imports and explains through the CLI at an optimization level; asserts each label equals
   * the linear scan's.
   */
  private static List<String> compareIn(Path dir, Path set, Path trace, int level)
      throws IOException {
    return compareIn(dir, set, trace, "-O" + level, "interpreter");
  }

  /** As above, the packets decided by an engine of {@code explain --engine}. */
  private static List<String> compareIn(Path dir, Path set, Path trace, String level,
      String engine) throws IOException {
    Path policy = dir.resolve("imported.yaml");
    Cli.Captured imported = run("import", "--format", "classbench", set.toString(), "-o",
        policy.toString());
    assertEquals(Cli.OK, imported.code(), imported.err());
    Cli.Captured explained = run("explain", policy.toString(), "--packets", trace.toString(),
        "--format", "classbench-trace", level, "--engine", engine);
    assertEquals(Cli.OK, explained.code(), explained.err());
    List<String> got = explained.out().lines().toList();
    List<Box> boxes = boxes(Files.readString(set, StandardCharsets.UTF_8));
    List<long[]> headers = headers(Files.readString(trace, StandardCharsets.UTF_8));
    assertEquals(headers.size(), got.size(), "one line per packet");
    for (int i = 0; i < headers.size(); i++) {
      String want = firstMatch(boxes, headers.get(i));
      if (!want.equals(got.get(i))) {
        throw new AssertionError(level + " " + engine + ": packet " + (i + 1) + " "
            + Arrays.toString(headers.get(i)) + ": explain says " + got.get(i)
            + ", the linear scan " + want);
      }
    }
    return got;
  }

  private static String firstMatch(List<Box> boxes, long[] header) {
    for (int i = 0; i < boxes.size(); i++) {
      if (boxes.get(i).matches(header)) {
        return Integer.toString(i + 1);
      }
    }
    return "-";
  }

  private static List<Box> boxes(String text) {
    List<Box> out = new ArrayList<>();
    for (String line : text.lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
      Matcher m = FILTER.matcher(line);
      assertTrue(m.matches(), line);
      int mask = Integer.parseInt(m.group(16), 16);
      out.add(new Box(address(m, 1), Integer.parseInt(m.group(5)), address(m, 6),
          Integer.parseInt(m.group(10)), Integer.parseInt(m.group(11)),
          Integer.parseInt(m.group(12)), Integer.parseInt(m.group(13)),
          Integer.parseInt(m.group(14)), mask == 0 ? -1 : Integer.parseInt(m.group(15), 16)));
    }
    return out;
  }

  private static long address(Matcher m, int first) {
    long a = 0;
    for (int i = 0; i < 4; i++) {
      a = a << 8 | Long.parseLong(m.group(first + i));
    }
    return a;
  }

  private static List<long[]> headers(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .map(l -> l.split("\\s+"))
        .map(f -> new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
            Long.parseLong(f[3]), Long.parseLong(f[4])})
        .collect(Collectors.toList());
  }

  private Path writeTrace(List<ClassBenchFilter> filters, int packets, long seed)
      throws IOException {
    return writeTrace(tmp, filters, packets, seed);
  }

  private static Path writeTrace(Path dir, List<ClassBenchFilter> filters, int packets,
      long seed) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (ClassBenchTraceGenerator.Header h : ClassBenchTraceGenerator.generate(filters, packets,
        seed)) {
      sb.append(h.line()).append('\n');
    }
    return Files.writeString(dir.resolve("generated.trace"), sb.toString());
  }

  private Path write(String name, String text) throws IOException {
    return CliFixtures.write(tmp, name, text);
  }
}
