package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.cli.Cli;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.Family;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpora of malformed input to the front ends other than the policy reader, in {@code
 * bad-inputs/}: packet lines of {@code policyc explain --packets} and {@code --flow} ({@code
 * packets.corpus}, PC8007), {@code iptables-save} text ({@code iptables-save.corpus}, PC8008)
 * and {@code ipset save} text ({@code ipset.corpus}, PC8009). Each case draws exactly its errors,
 * at their lines and columns; through the CLI it exits with status 1 and writes nothing, and the
 * good lines of a packet file are still decided. The formats are at the top of each file.
 */
class FrontEndCorpusTest {
  private static final Pattern EXPECT =
      Pattern.compile("expect-error@(\\d+):(\\d+):\\s*(PC\\d{4})\\s*(.*)");
  /** A diagnostic as the CLI prints it. */
  private static final Pattern PRINTED =
      Pattern.compile("(.*):(\\d+):(\\d+): error (PC\\d{4}): (.*)");

  /** One expected error. */
  record Expected(int line, int column, String code, String text) {
    @Override
    public String toString() {
      return line + ":" + column + " " + code + " " + text;
    }
  }

  /** One case: its name, the flags after it in parentheses, its errors and its text. */
  record Case(String name, Set<String> flags, List<Expected> expected, String body) {}

  @TempDir
  Path tmp;

  @TestFactory
  Stream<DynamicTest> badPacketLinesAreReportedAndTheOthersDecided() throws IOException {
    return cases("packets.corpus").stream()
        .map(c -> DynamicTest.dynamicTest(c.name(), () -> checkPackets(c)));
  }

  @TestFactory
  Stream<DynamicTest> badIptablesSaveTextIsRefusedWhereItIsWrong() throws IOException {
    return cases("iptables-save.corpus").stream()
        .map(c -> DynamicTest.dynamicTest(c.name(), () -> checkSave(c)));
  }

  @TestFactory
  Stream<DynamicTest> badIpsetTextIsRefusedWhereItIsWrong() throws IOException {
    return cases("ipset.corpus").stream()
        .map(c -> DynamicTest.dynamicTest(c.name(), () -> checkIpset(c)));
  }

  @Test
  void theCorporaHoldTheirCasesOnceEach() throws IOException {
    int packets = cases("packets.corpus").size();
    int save = cases("iptables-save.corpus").size();
    int ipset = cases("ipset.corpus").size();
    assertTrue(packets >= 30, "packets.corpus: only " + packets + " cases");
    assertTrue(save >= 30, "iptables-save.corpus: only " + save + " cases");
    assertTrue(ipset >= 10, "ipset.corpus: only " + ipset + " cases");
    for (String corpus : List.of("packets.corpus", "iptables-save.corpus", "ipset.corpus")) {
      Set<String> names = new HashSet<>();
      for (Case c : cases(corpus)) {
        assertTrue(names.add(c.name()), corpus + ": two cases are named " + c.name());
        assertTrue(!c.expected().isEmpty(), corpus + ": " + c.name() + " expects nothing");
      }
    }
  }

  private void checkPackets(Case c) throws IOException {
    boolean flow = c.flags().contains("flow");
    Path dir = Files.createDirectories(tmp.resolve(c.name()));
    Path file = Files.writeString(dir.resolve("packets.txt"), c.body(), StandardCharsets.UTF_8);
    Path policy = Repo.policies().resolve("host-firewall.yaml");
    // --flow in JSON prints one line per decided packet, as --packets in text does
    Cli.Captured run = flow
        ? Cli.capture("explain", policy.toString(), "--flow", file.toString(), "--format", "json")
        : Cli.capture("explain", policy.toString(), "--packets", file.toString());
    assertEquals(Cli.POLICY_ERRORS, run.code(), run.err());
    assertExactly(c, file.toString(), printed(run.err(), file.toString()), run.err());
    long packetLines = c.body().lines()
        .filter(l -> !l.isBlank() && !l.strip().startsWith("#")).count();
    long badLines = c.expected().stream().mapToInt(Expected::line).distinct().count();
    assertEquals(packetLines - badLines, run.out().lines().count(),
        "the good lines are decided, one output line each:\n" + run.out());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "explain wrote a file");
    }
  }

  private void checkSave(Case c) throws IOException {
    Family family = c.flags().contains("ipv6") ? Family.IPV6 : Family.IPV4;
    Path dir = Files.createDirectories(tmp.resolve(c.name()));
    Path file = Files.writeString(dir.resolve("rules.save"), c.body(), StandardCharsets.UTF_8);
    try {
      IptablesSaveReader.read(file.toString(), c.body(), family);
      fail(c.name() + " was read without an error");
    } catch (ParseException e) {
      assertExactly(c, file.toString(), List.of(new Expected(e.pos().line(), e.pos().column(),
          e.diagnostic().code().name(), e.diagnostic().message())), e.getMessage());
    }
    Cli.Captured run = Cli.capture("diff", "--family", family == Family.IPV4 ? "ipv4" : "ipv6",
        file.toString(), file.toString());
    assertEquals(Cli.POLICY_ERRORS, run.code(), run.err());
    assertEquals("", run.out());
    assertExactly(c, file.toString(), printed(run.err(), file.toString()), run.err());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "diff wrote a file");
    }
  }

  private void checkIpset(Case c) {
    try {
      IpsetReader.read("set.save", c.body());
      fail(c.name() + " was read without an error");
    } catch (ParseException e) {
      assertExactly(c, "set.save", List.of(new Expected(e.pos().line(), e.pos().column(),
          e.diagnostic().code().name(), e.diagnostic().message())), e.getMessage());
    }
  }

  /** The errors printed for {@code file}; any other line of standard error but the summary fails. */
  private static List<Expected> printed(String err, String file) {
    List<Expected> out = new ArrayList<>();
    for (String line : err.lines().toList()) {
      Matcher m = PRINTED.matcher(line);
      if (m.matches() && m.group(1).equals(file)) {
        out.add(new Expected(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
            m.group(4), m.group(5)));
      } else if (!line.startsWith("policyc explain: ")) {
        fail("unexpected line on standard error: " + line);
      }
    }
    return out;
  }

  private static void assertExactly(Case c, String file, List<Expected> actual, String output) {
    boolean same = actual.size() == c.expected().size();
    for (int i = 0; same && i < actual.size(); i++) {
      Expected e = c.expected().get(i);
      Expected a = actual.get(i);
      same = e.line() == a.line() && e.column() == a.column() && e.code().equals(a.code())
          && a.text().contains(e.text());
    }
    if (!same) {
      fail(c.name() + " (" + file + "):\nexpected\n  "
          + c.expected().stream().map(Expected::toString).collect(Collectors.joining("\n  "))
          + "\nactual\n  "
          + actual.stream().map(Expected::toString).collect(Collectors.joining("\n  "))
          + "\noutput:\n" + output);
    }
  }

  static List<Case> cases(String corpusName) throws IOException {
    Path corpus = Repo.root().resolve("compiler/src/test/resources/bad-inputs/" + corpusName);
    List<String> lines = Files.readAllLines(corpus, StandardCharsets.UTF_8);
    List<Case> out = new ArrayList<>();
    int i = 0;
    while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
      if (!lines.get(i).isEmpty() && !lines.get(i).startsWith("#")) {
        throw new IllegalStateException(corpus + ":" + (i + 1) + ": neither a comment nor a case");
      }
      i++;
    }
    while (i < lines.size()) {
      String header = lines.get(i++).substring(4).strip();
      Set<String> flags = new HashSet<>();
      Matcher fm = Pattern.compile("\\s*\\((\\w+)\\)$").matcher(header);
      while (fm.find()) {
        flags.add(fm.group(1));
        header = header.substring(0, fm.start());
        fm = Pattern.compile("\\s*\\((\\w+)\\)$").matcher(header);
      }
      List<Expected> expected = new ArrayList<>();
      while (i < lines.size() && !lines.get(i).equals("---")) {
        Matcher m = EXPECT.matcher(lines.get(i));
        if (!m.matches()) {
          throw new IllegalStateException(corpus + ":" + (i + 1) + ": not an expectation");
        }
        expected.add(new Expected(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
            m.group(3), m.group(4).strip()));
        i++;
      }
      i++; // the ---
      StringBuilder body = new StringBuilder();
      while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
        body.append(lines.get(i++)).append('\n');
      }
      String text = flags.contains("escaped")
          ? BadInputCorpusTest.unescape(body.toString()) : body.toString();
      out.add(new Case(header, flags, expected, text));
    }
    return out;
  }
}
