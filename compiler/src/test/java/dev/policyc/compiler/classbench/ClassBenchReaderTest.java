package dev.policyc.compiler.classbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ClassBenchReader} and {@link ClassBenchTraceReader}: what they read and refuse. */
class ClassBenchReaderTest {
  @Test
  void readsTheFieldsOfAPublishedLine() {
    ClassBenchReader.Result r = ClassBenchReader.read("acl", "@186.11.101.36/32\t20.69.109.43/32"
        + "\t0 : 65535\t1521 : 1521\t0x06/0xFF\t0x1000/0x1000\t\n");
    assertTrue(r.diagnostics().isEmpty(), r.diagnostics().toString());
    ClassBenchFilter f = r.filters().get(0);
    assertEquals(new ClassBenchFilter(1, 1, 0xBA0B6524L, 32, 0x14456D2BL, 32, 0, 65535, 1521,
        1521, 6, 0xFF), f);
    assertFalse(f.anyProtocol());
    assertTrue(f.restrictsPorts());
  }

  @Test
  void labelsCountFiltersNotLinesAndClearHostBits() {
    ClassBenchReader.Result r = ClassBenchReader.read("set", """
        # a comment
        @10.1.2.3/8 0.0.0.0/0 0:65535 0:65535 0x00/0x00

        @192.0.2.77/31\t198.51.100.9/24\t53 : 53\t1024 : 65535\t0x11/0xFF
        """);
    assertTrue(r.ok(), r.diagnostics().toString());
    assertEquals(2, r.filters().size());
    ClassBenchFilter first = r.filters().get(0);
    assertEquals(1, first.label());
    assertEquals(2, first.line());
    assertEquals("@10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t0 : 65535\t0x00/0x00\t0x0000/0x0000\t",
        first.text());
    assertTrue(first.anyProtocol());
    assertFalse(first.restrictsPorts());
    ClassBenchFilter second = r.filters().get(1);
    assertEquals(2, second.label());
    assertEquals(4, second.line());
    assertEquals("@192.0.2.76/31\t198.51.100.0/24\t53 : 53\t1024 : 65535\t0x11/0xFF"
        + "\t0x0000/0x0000\t", second.text());
  }

  /** Each bad line: the code, the column of the field that is wrong, and words of the message. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF | PC8001 | 1 | expected '@'",
      "@1.2.3.4/32 | PC8001 | 12 | missing the destination address",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 | PC8001 | 43 | missing the protocol",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF x | PC8001 | 54 | TCP flags",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF 0x0/0x0 9 | PC8001 | 62 | after",
      "@1.2.3.256/32 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF | PC8002 | 8 | above 255",
      "@1.2.3/32 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF | PC8002 | 7 | expected '.'",
      "@1.2.3.4/33 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF | PC8002 | 10 | prefix length 33",
      "@1.2.3.4 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF | PC8002 | 9 | '/'",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65536 0 : 65535 0x06/0xFF | PC8003 | 28 | above 65535",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65535 90 : 80 0x06/0xFF | PC8003 | 34 | runs backwards",
      "@1.2.3.4/32 5.6.7.8/32 0 - 65535 0 : 65535 0x06/0xFF | PC8003 | 26 | ':'",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 6/0xFF | PC8004 | 44 | 0x",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0x0F | PC8004 | 49 | 0xFF",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x00/0xFF | PC8004 | 44 | every protocol",
      "@1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x3A/0xFF | PC8004 | 44 | IPv6"})
  void refusesAMalformedLineAtTheFieldThatIsWrong(String line, String code, int column,
      String words) {
    ClassBenchReader.Result r = ClassBenchReader.read("f.txt", "\n" + line + "\n");
    assertFalse(r.ok());
    assertEquals(1, r.diagnostics().size(), r.diagnostics().toString());
    Diagnostic d = r.diagnostics().get(0);
    assertEquals(Code.valueOf(code), d.code(), d.toString());
    assertEquals("f.txt:2:" + column, d.pos().toString(), d.toString());
    assertTrue(d.message().contains(words), d.toString());
  }

  @Test
  void reportsEveryBadLineAndKeepsTheGoodOnes() {
    ClassBenchReader.Result r = ClassBenchReader.read("f", """
        @1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF
        @1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 70000 0x06/0xFF
        @1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x11/0xFF
        @1.2.3.4/99 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF
        """);
    assertEquals(List.of("f:2:38", "f:4:10"),
        r.diagnostics().stream().map(d -> d.pos().toString()).toList());
    assertEquals(List.of(1, 3), r.filters().stream().map(ClassBenchFilter::label).toList());
  }

  /** ICMP has no ports: ports restricted on it can hold for no packet (a PC8005 warning). */
  @Test
  void warnsOfPortsOnAProtocolWithoutThem() {
    ClassBenchReader.Result r = ClassBenchReader.read("fw", "@1.2.3.4/32 5.6.7.8/32 0 : 65535"
        + " 0 : 65535 0x01/0xFF\n@1.2.3.4/32 5.6.7.8/32 25 : 25 0 : 65535 0x01/0xFF\n"
        + "@1.2.3.4/32 5.6.7.8/32 0 : 65535 7 : 7 0x2f/0xFF\n");
    assertTrue(r.ok());
    assertEquals(3, r.filters().size());
    assertEquals(List.of(false, true, true),
        r.filters().stream().map(ClassBenchFilter::matchesNothing).toList());
    assertEquals(List.of("fw:2:24: warning PC8005: protocol icmp has no ports, so no packet can"
        + " match the port ranges of filter 2; it is left out (policyc matches ports of tcp,"
        + " udp, sctp and dccp)", "fw:3:34"), List.of(r.diagnostics().get(0).toString(),
        r.diagnostics().get(1).pos().toString()));
  }

  @Test
  void readsATraceAndIgnoresItsExtraColumns() {
    ClassBenchTraceReader.Result r = ClassBenchTraceReader.read("t", """
        3121308964\t340094251\t1024\t1521\t6\t0\t1
        # comment

          0 4294967295 0 65535 255
        """);
    assertTrue(r.ok(), r.diagnostics().toString());
    assertEquals(List.of(new ClassBenchTraceReader.TracePacket(1, 3121308964L, 340094251L, 1024,
        1521, 6), new ClassBenchTraceReader.TracePacket(4, 0, 4294967295L, 0, 65535, 255)),
        r.packets());
    assertEquals("tcp 186.11.101.36:1024 -> 20.69.109.43:1521 in eth0 state new flags SYN",
        r.packets().get(0).packet().toString());
  }

  /** Ports of a packet whose protocol has none do not exist for netfilter; they are dropped. */
  @Test
  void aTracePacketWithoutPortsLosesThem() {
    ClassBenchTraceReader.TracePacket icmp =
        new ClassBenchTraceReader.TracePacket(1, 1, 2, 80, 80, 1);
    assertEquals("icmp 0.0.0.1 -> 0.0.0.2 in eth0 state new type 8/0", icmp.packet().toString());
    assertEquals(0, icmp.packet().dport());
    assertEquals(80, new ClassBenchTraceReader.TracePacket(1, 1, 2, 80, 80, 136).packet()
        .dport());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1 2 3 4 | 8 | missing the protocol",
      "1 2 3 4 x | 9 | the protocol",
      "4294967296 2 3 4 6 | 1 | above 4294967295",
      "1 2 65536 4 6 | 5 | above 65535",
      "1 2 3 4 256 | 9 | above 255",
      "1 -2 3 4 6 | 3 | destination address",
      "1 2 3 4 6x | 10 | blanks after the protocol",
      "1.2.3.4 2 3 4 6 | 2 | blanks before the destination address"})
  void refusesAMalformedTraceLine(String line, int column, String words) {
    ClassBenchTraceReader.Result r = ClassBenchTraceReader.read("t.trace", "1 2 3 4 6\n" + line);
    assertEquals(1, r.packets().size());
    assertEquals(1, r.diagnostics().size(), r.diagnostics().toString());
    Diagnostic d = r.diagnostics().get(0);
    assertEquals(Code.PC8006, d.code());
    assertEquals("t.trace:2:" + column, d.pos().toString(), d.toString());
    assertTrue(d.message().contains(words), d.toString());
  }
}
