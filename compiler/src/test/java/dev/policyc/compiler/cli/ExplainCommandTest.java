package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.BAD_JUMP;
import static dev.policyc.compiler.cli.CliFixtures.JSON;
import static dev.policyc.compiler.cli.CliFixtures.WEB_PACKET;
import static dev.policyc.compiler.cli.CliFixtures.policy;
import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code policyc explain}, driven in-process through {@link Cli#capture}. */
class ExplainCommandTest {
  private final String gateway = policy("nat-gateway");

  @TempDir
  Path tmp;

  private Path write(String name, String text) throws IOException {
    return CliFixtures.write(tmp, name, text);
  }

  /**
   * nat-gateway.yaml: nat PREROUTING rule 1 DNATs tcp/443 from wan0 to 10.20.0.80 (port kept);
   * 10.20.0.80 is on dmz0's subnet, so the packet is forwarded and filter FORWARD rule 5
   * ("published web server") accepts it; the POSTROUTING rules match out wan0 only.
   */
  @Test
  void tracesADnatedPacketThroughForward() {
    Cli.Captured c = run("explain", gateway, "--packet", WEB_PACKET);
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    int dnat = indexOf(lines, "nat/PREROUTING #1");
    int forward = indexOf(lines, "filter/FORWARD #5");
    assertTrue(dnat >= 0 && forward > dnat, c.out());
    assertTrue(lines.get(dnat).contains("DNAT 10.20.0.80"), lines.get(dnat));
    assertTrue(lines.get(forward).contains("ACCEPT"), lines.get(forward));
    assertTrue(lines.get(forward).contains("nat-gateway.yaml:"), lines.get(forward));
    assertTrue(lines.contains("verdict: ACCEPT: forwarded out dmz0"), c.out());
    assertTrue(lines.contains("  DNAT to 10.20.0.80:443"), c.out());
  }

  /**
   * The port forward 2222 → 10.10.0.5:22 is DNATed in nat PREROUTING and then accepted by the
   * FORWARD rule that lets wan0 reach the build server (the README's tour).
   */
  @Test
  void thePortForwardToTheLanIsDnatedThenAcceptedInForward() {
    Cli.Captured c = run("explain", gateway, "--packet",
        "tcp 198.51.100.7:40000 -> 203.0.113.2:2222 in wan0 state new");
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    int dnat = indexOf(lines, "nat/PREROUTING #3");
    int forward = indexOf(lines, "filter/FORWARD #7");
    assertTrue(dnat >= 0 && dnat < forward, c.out());
    assertTrue(lines.get(forward).contains("ACCEPT"), c.out());
    assertTrue(lines.contains("  DNAT to 10.10.0.5:22"), c.out());
    assertTrue(lines.contains("verdict: ACCEPT: forwarded out lan0"), c.out());
  }

  /**
   * The JSON names the family's command, marks each policy step as one, and gives each rule
   * step the line the emitted file holds (what iptables-save -c prints) beside its policy
   * position.
   */
  @Test
  void jsonGivesThePathTheVerdictAndTheRewrittenPacket() throws IOException {
    Cli.Captured c = run("explain", gateway, "--packet", WEB_PACKET, "--format", "json");
    assertEquals(Cli.OK, c.code(), c.err());
    JsonNode d = JSON.readTree(c.out());
    assertEquals("iptables", d.get("family").stringValue());
    assertEquals("forwarded", d.get("outcome").stringValue());
    assertEquals("ACCEPT: forwarded out dmz0", d.get("verdict").stringValue());
    assertEquals("dmz0", d.get("outInterface").stringValue());
    assertEquals("DNAT to 10.20.0.80:443", d.get("dnat").stringValue());
    String emitted = goldenO2("nat-gateway", "iptables.rules");
    List<String> steps = new ArrayList<>();
    for (JsonNode s : d.get("path")) {
      String where = s.get("hook").stringValue() + " " + s.get("table").stringValue() + "/"
          + s.get("chain").stringValue();
      if (s.get("kind").stringValue().equals("policy")) {
        assertEquals(null, s.get("rule"), s.toString());
        assertEquals(null, s.get("action"), s.toString());
        steps.add(where + " policy " + s.get("policy").stringValue());
      } else {
        assertEquals("rule", s.get("kind").stringValue());
        assertTrue(s.get("source").stringValue().contains("nat-gateway.yaml:"), s.toString());
        assertEquals(ruleLine(emitted, s.get("table").stringValue(), s.get("chain").stringValue(),
            s.get("rule").asInt()), s.get("emitted").stringValue());
        steps.add(where + " #" + s.get("rule").asInt() + " " + s.get("action").stringValue());
      }
    }
    assertEquals(List.of(
        "PREROUTING mangle/PREROUTING policy ACCEPT",
        "PREROUTING nat/PREROUTING #1 DNAT 10.20.0.80",
        "FORWARD mangle/FORWARD policy ACCEPT",
        "FORWARD filter/FORWARD #5 ACCEPT",
        "POSTROUTING mangle/POSTROUTING policy ACCEPT",
        "POSTROUTING nat/POSTROUTING policy ACCEPT"), steps);
    JsonNode after = d.get("after");
    assertEquals("198.51.100.7", after.get("src").stringValue());
    assertEquals("10.20.0.80", after.get("dst").stringValue());
    assertEquals(443, after.get("dport").asInt());
    assertEquals(63, after.get("ttl").asInt());
    assertEquals("new", d.get("state").stringValue());
  }

  @Test
  void jsonNamesIp6tablesForAnIpv6Packet() {
    Cli.Captured c = run("explain", policy("host-firewall"), "--packet",
        "tcp [2001:db8:99::1]:40000 -> [2001:db8:10::10]:22 in eth0", "--format", "json");
    assertEquals(Cli.OK, c.code(), c.err());
    JsonNode d = JSON.readTree(c.out());
    assertEquals("ip6tables", d.get("family").stringValue());
    for (JsonNode s : d.get("path")) {
      if (s.get("kind").stringValue().equals("rule")) {
        assertTrue(s.get("emitted").stringValue().startsWith("-A " + s.get("chain").stringValue()
            + " "), s.toString());
      }
    }
  }

  @Test
  void packetsFileGivesOneLinePerPacketSkippingCommentsAndBlankLines() throws IOException {
    Path file = write("packets.txt", """
        # published web server
        tcp 198.51.100.7:40000 -> 203.0.113.2:443 in wan0 state new

          # SSH from the LAN to the gateway
        tcp 10.10.0.5:40000 -> 10.10.0.1:22 in lan0 state new
        tcp 198.51.100.7:40000 -> 203.0.113.2:22 in wan0 state new
        """);
    Cli.Captured c = run("explain", gateway, "--packets", file.toString());
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    assertEquals(3, lines.size(), c.out());
    assertTrue(lines.get(0).startsWith("tcp 198.51.100.7:40000 -> 203.0.113.2:443 "),
        lines.get(0));
    assertTrue(lines.get(0).contains("=> ACCEPT: forwarded out dmz0"), lines.get(0));
    assertTrue(lines.get(1).contains("=> ACCEPT: delivered locally"), lines.get(1));
    assertTrue(lines.get(1).contains("filter/INPUT#3"), lines.get(1));
    assertTrue(lines.get(2).contains("=> DROP"), lines.get(2));
    assertTrue(lines.get(2).contains("filter/INPUT:policy"), lines.get(2));
  }

  @Test
  void packetsFileAsJsonIsAnArray() throws IOException {
    Path file = write("packets.txt", WEB_PACKET + "\n\n"
        + "tcp 198.51.100.7:40000 -> 203.0.113.2:22 in wan0 state new\n");
    Cli.Captured c = run("explain", gateway, "--packets", file.toString(), "--format", "json");
    assertEquals(Cli.OK, c.code(), c.err());
    JsonNode d = JSON.readTree(c.out());
    assertTrue(d.isArray());
    assertEquals(2, d.size());
    assertEquals("forwarded", d.get(0).get("outcome").stringValue());
    assertEquals("dropped", d.get(1).get("outcome").stringValue());
  }

  /**
   * A malformed line is reported at its line and column (PC8007) and the other lines are still
   * decided; the exit status says something went wrong.
   */
  @Test
  void aMalformedLineIsReportedWithItsLineNumberAndTheOthersAreDecided() throws IOException {
    Path file = write("packets.txt", "# comment\n" + WEB_PACKET + "\n\n"
        + "tcp 198.51.100.7 => 203.0.113.2\n"
        + "tcp 198.51.100.7:40000 -> 203.0.113.2:22 in wan0 in lan0\n"
        + "tcp 198.51.100.7:40000 -> 203.0.113.2:22 in wan0 state new\n");
    Cli.Captured c = run("explain", gateway, "--packets", file.toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    List<String> err = c.err().lines().toList();
    assertEquals(List.of(
        file + ":4:18: error PC8007: bad packet: expected 'PROTO SRC[:PORT] -> DST[:PORT] …',"
            + " got 'tcp 198.51.100.7 => 203.0.113.2'",
        file + ":5:50: error PC8007: bad packet: 'in' is given twice",
        "policyc explain: 2 lines of " + file + " not decided"), err);
    List<String> out = c.out().lines().toList();
    assertEquals(2, out.size(), c.out());
    assertTrue(out.get(0).contains("=> ACCEPT: forwarded out dmz0"), out.get(0));
    assertTrue(out.get(1).contains("=> DROP"), out.get(1));
  }

  @Test
  void aTooLongInterfaceNameIsRefused() {
    Cli.Captured c = run("explain", gateway, "--packet",
        "tcp 198.51.100.7:40000 -> 203.0.113.2:22 in wan0wan0wan0wan0");
    assertEquals(Cli.USAGE, c.code());
    assertTrue(c.err().contains("longer than the 15 characters the kernel allows"), c.err());
  }

  @Test
  void packetsFromStandardInput() {
    Cli.Captured c = Cli.captureWithStdin(WEB_PACKET + "\nnonsense\n", "explain", gateway,
        "--packets", "-");
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.out().contains("=> ACCEPT: forwarded out dmz0"), c.out());
    assertTrue(c.err().contains("<stdin>:2:1: error PC8007"), c.err());
    Cli.Captured both = Cli.captureWithStdin(WEB_PACKET, "explain", "-", "--packets", "-");
    assertEquals(Cli.USAGE, both.code());
  }

  @Test
  void aMalformedPacketOptionIsAUsageError() {
    Cli.Captured c = run("explain", gateway, "--packet", "tcp 198.51.100.7 -> nowhere");
    assertEquals(Cli.USAGE, c.code());
    assertTrue(c.err().contains("--packet: bad packet"), c.err());
  }

  @Test
  void aPacketTheHostModelContradictsIsAUsageError() {
    Cli.Captured c = run("explain", gateway, "--packet", WEB_PACKET + " out dmz0");
    assertEquals(Cli.USAGE, c.code());
    assertTrue(c.err().contains("host model"), c.err());
  }

  @Test
  void aPolicyWithErrorsFailsWithPolicyErrors() throws IOException {
    Path bad = write("bad.yaml", BAD_JUMP);
    Cli.Captured c = run("explain", bad.toString(), "--packet", WEB_PACKET);
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertTrue(c.err().contains("PC1004"), c.err());
  }

  @Test
  void exactlyOneOfPacketAndPacketsIsNeeded() throws IOException {
    Path file = write("packets.txt", WEB_PACKET + "\n");
    assertEquals(Cli.USAGE, run("explain", gateway).code());
    assertEquals(Cli.USAGE,
        run("explain", gateway, "--packet", WEB_PACKET, "--packets", file.toString()).code());
  }

  @Test
  void exactlyOnePolicyIsNeeded() {
    assertEquals(Cli.USAGE, run("explain", "--packet", WEB_PACKET).code());
    assertEquals(Cli.USAGE,
        run("explain", gateway, policy("host-firewall"), "--packet", WEB_PACKET).code());
  }

  @Test
  void partialOptionNamesAreNotAccepted() {
    Cli.Captured c = run("explain", gateway, "--pack", WEB_PACKET);
    assertEquals(Cli.USAGE, c.code());
    assertTrue(c.err().contains("--pack"), c.err());
  }

  @Test
  void aPacketsFileThatCannotBeReadIsAUsageErrorWithTheReason() {
    Path missing = tmp.resolve("missing.txt");
    Cli.Captured c = run("explain", gateway, "--packets", missing.toString());
    assertEquals(Cli.USAGE, c.code());
    assertEquals("policyc explain: cannot read " + missing + ": no such file", c.err().strip());
    assertEquals("", c.out());
  }

  /**
   * Twenty separate ports do not fit one multiport match (15 slots), so the emitted file holds
   * the rule twice, split after the fifteenth port; port 39, the twentieth, is matched by the
   * second, which is what the kernel's counters would say.
   */
  @Test
  void ruleNumbersAreThoseOfTheEmittedRules() throws IOException {
    StringBuilder ports = new StringBuilder();
    for (int p = 1; p <= 39; p += 2) {
      ports.append(p == 1 ? "" : ", ").append(p);
    }
    Path split = write("split.yaml", """
        policy: split
        filter:
          INPUT:
            policy: DROP
            rules:
              - { match: { proto: tcp, dport: [%s] }, action: accept }
        """.formatted(ports));
    Cli.Captured c = run("explain", split.toString(), "--packet",
        "tcp 192.0.2.1:40000 -> 192.0.2.2:39 in eth0 state new");
    assertEquals(Cli.OK, c.code(), c.err());
    assertTrue(c.out().lines().anyMatch(l -> l.contains("filter/INPUT #2")), c.out());
  }

  /** The port forward of nat-gateway.yaml, SYN, SYN/ACK and ACK (issue 14's finding). */
  private static final String HANDSHAKE = """
      # SSH through the port forward 2222 -> 10.10.0.5:22
      tcp 198.51.100.8:41000 -> 203.0.113.2:2222 in wan0 flags SYN
      at 10ms reply
      at 0.02s tcp 198.51.100.8:41000 -> 203.0.113.2:2222 in wan0 flags ACK
      """;

  /**
   * A flow: the third packet of the handshake is forwarded to the DNAT target (the connection's
   * binding), and each packet says what conntrack did with it.
   */
  @Test
  void aFlowFollowsTheHandshakeThroughThePortForward() throws IOException {
    Path flow = write("flow.txt", HANDSHAKE);
    Cli.Captured c = run("explain", gateway, "--flow", flow.toString());
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    assertTrue(lines.contains("packet 3 at 0.02s: tcp 198.51.100.8:41000 -> 203.0.113.2:2222"
        + " in wan0 state established flags ACK"), c.out());
    assertTrue(lines.contains("  conntrack entry: new connection #1: tcp 198.51.100.8:41000 ->"
        + " 203.0.113.2:2222, replies tcp 10.10.0.5:22 -> 198.51.100.8:41000"), c.out());
    assertTrue(lines.contains("  conntrack entry: connection #1, reply direction"), c.out());
    assertTrue(lines.contains("  un-DNAT (connection) to 203.0.113.2:2222"), c.out());
    assertTrue(lines.contains("  DNAT (connection) to 10.10.0.5:22"), c.out());
    assertEquals(3, lines.stream().filter(l -> l.equals("verdict: ACCEPT: forwarded out lan0")
        || l.equals("verdict: ACCEPT: forwarded out wan0")).count(), c.out());
    assertTrue(lines.get(lines.size() - 2).equals("  DNAT (connection) to 10.10.0.5:22"),
        c.out());
  }

  @Test
  void aFlowAsJsonIsOneObjectPerLine() throws IOException {
    Path flow = write("flow.txt", HANDSHAKE);
    Cli.Captured c = run("explain", gateway, "--flow", flow.toString(), "--format", "json");
    assertEquals(Cli.OK, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    assertEquals(3, lines.size(), c.out());
    List<String> events = new ArrayList<>();
    for (String l : lines) {
      JsonNode d = JSON.readTree(l);
      events.add(d.get("n").asInt() + " " + d.get("at").stringValue() + " "
          + d.get("state").stringValue() + " " + d.get("conntrack").get("event").stringValue()
          + " #" + d.get("conntrack").get("connection").asInt() + " "
          + d.get("after").get("dst").stringValue());
    }
    assertEquals(List.of("1 0s new created #1 10.10.0.5", "2 0.01s established reply #1"
        + " 198.51.100.8", "3 0.02s established original #1 10.10.0.5"), events);
  }

  @Test
  void packetsInSessionModeGiveOneLineEachWithTheirConntrack() throws IOException {
    Path flow = write("flow.txt", HANDSHAKE + "at 0.01s udp 1.2.3.4:1 -> 5.6.7.8:2 in wan0\n"
        + "reply\n");
    Cli.Captured c = run("explain", gateway, "--packets", flow.toString(), "--session");
    assertEquals(Cli.POLICY_ERRORS, c.code());
    List<String> out = c.out().lines().toList();
    assertEquals(3, out.size(), c.out());
    assertTrue(out.get(2).startsWith("at 0.02s tcp "), out.get(2));
    assertTrue(out.get(2).endsWith("{connection #1, original direction}"), out.get(2));
    assertEquals(List.of(
        flow + ":5:1: error PC8007: bad packet: time goes back: 0.01s is before 0.02s",
        flow + ":6:1: error PC8007: bad packet: 'reply' answers the line before, which was not"
            + " decided",
        "policyc explain: 2 lines of " + flow + " not decided"), c.err().lines().toList());
    assertEquals(Cli.USAGE, run("explain", gateway, "--packet", WEB_PACKET, "--session").code());
    assertEquals(Cli.USAGE,
        run("explain", gateway, "--flow", flow.toString(), "--packet", WEB_PACKET).code());
  }

  private static String goldenO2(String policy, String file) throws IOException {
    return Files.readString(Repo.root().resolve("compiler/src/test/resources/golden-O2")
        .resolve(policy).resolve(file), StandardCharsets.UTF_8);
  }

  /** Rule {@code n} (from 1) of a chain in an iptables-restore file. */
  private static String ruleLine(String restore, String table, String chain, int n) {
    boolean in = false;
    int seen = 0;
    for (String line : restore.lines().toList()) {
      if (line.startsWith("*")) {
        in = line.equals("*" + table);
      } else if (in && line.startsWith("-A " + chain + " ") && ++seen == n) {
        return line;
      }
    }
    throw new AssertionError("no rule " + table + "/" + chain + " #" + n);
  }

  private static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The iptables engine decides on the emitted text read back: at every level it prints what the
   * interpreter on the compiled IR prints, rule numbers and policy origins included.
   */
  @Test
  void theIptablesEngineTracesTheEmittedRulesAsTheInterpreterTracesTheIr() throws IOException {
    Path packets = write("packets.txt", String.join("\n", WEB_PACKET,
        "tcp 198.51.100.7:40000 -> 203.0.113.2:2222 in wan0 state new",
        "udp 10.10.0.9:5353 -> 8.8.8.8:53 in lan0",
        "icmp 203.0.113.50 -> 203.0.113.2 type 8 in wan0"));
    for (String level : List.of("-O0", "-O1", "-O2")) {
      Cli.Captured interp = run("explain", gateway, "--packets", packets.toString(), level,
          "--format", "json");
      Cli.Captured ipt = run("explain", gateway, "--packets", packets.toString(), level,
          "--engine", "iptables", "--format", "json");
      assertEquals(Cli.OK, interp.code(), interp.err());
      assertEquals(Cli.OK, ipt.code(), ipt.err());
      assertEquals(interp.out(), ipt.out(), level);
      assertTrue(ipt.out().contains("nat-gateway.yaml:"), ipt.out());
    }
  }

  @Test
  void statsCountOutcomesAndTheRulesTested() throws IOException {
    Path packets = write("packets.txt", WEB_PACKET + "\n" + WEB_PACKET + "\n");
    Cli.Captured c = run("explain", gateway, "--packets", packets.toString(), "--stats", "-O0");
    assertEquals(Cli.OK, c.code(), c.err());
    assertTrue(c.err().contains("packets 2, forwarded 2"), c.err());
    assertTrue(c.err().matches("(?s).*rules tested per packet \\(-O0, interpreter\\): mean"
        + " [0-9.]+, max [1-9][0-9]*.*"), c.err());
  }

  @Test
  void anUnknownEngineIsAUsageError() {
    Cli.Captured c = run("explain", gateway, "--packet", WEB_PACKET, "--engine", "nft");
    assertEquals(Cli.USAGE, c.code());
    assertTrue(c.err().contains("--engine must be interpreter, iptables or classifier"),
        c.err());
  }
}
