package dev.policyc.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the iptables-save reader refuses, and where it says the problem is. (That it reads back
 * everything the emitter writes is EmitReadRoundTripTest's and SealedFamiliesTest's job.)
 */
class IptablesSaveReaderTest {
  static Stream<Arguments> badRules() {
    return Stream.of(
        Arguments.of("-A INPUT -p tcp --dport", "1:17: --dport needs a value"),
        Arguments.of("-A INPUT --dport 22 -j ACCEPT",
            "1:10: option --dport is not known to any loaded match"),
        Arguments.of("-A INPUT -p tcp --dport 70000 -j ACCEPT",
            "1:25: bad port or port range '70000'"),
        Arguments.of("-A INPUT -m comment --comment \"open -j ACCEPT",
            "1:31: unterminated quote"),
        Arguments.of("-I INPUT -j ACCEPT",
            "1:1: expected -A CHAIN (only appended rules are supported), got '-I'"),
        Arguments.of("-A INPUT ! ! -s 10.0.0.1 -j ACCEPT", "1:12: double '!'"),
        Arguments.of("-A INPUT -s 10.0.0.0/255.0.255.0 -j ACCEPT",
            "1:13: non-contiguous netmask 255.0.255.0 is not supported"),
        Arguments.of("-A INPUT -s 2001:db8::1 -j ACCEPT",
            "1:13: 2001:db8::1 is not an IPV4 address"),
        Arguments.of("-A INPUT -m frobnicate -j ACCEPT",
            "1:13: unsupported match module 'frobnicate'"),
        Arguments.of("-A INPUT -j ACCEPT -j DROP", "1:20: more than one target"),
        Arguments.of("-A INPUT -p udp -j REJECT --reject-with tcp-reset",
            "1:41: tcp-reset needs -p tcp"),
        Arguments.of("-A INPUT -m limit --limit 5/fortnight -j ACCEPT",
            "1:27: bad rate unit 'fortnight'"));
  }

  @ParameterizedTest
  @MethodSource
  void badRules(String line, String where) {
    ParseException e =
        assertThrows(ParseException.class, () -> IptablesSaveReader.readRule(line, Family.IPV4));
    assertEquals("<rule>:" + where, e.getMessage());
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        Arguments.of("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n",
            "4:1: COMMIT expected at end of table filter"),
        Arguments.of("*filter\r\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
            "1:8: carriage return at end of line (CRLF breaks iptables-restore)"),
        Arguments.of("-A INPUT -j ACCEPT\n", "1:1: rule outside a table"),
        Arguments.of("*filter\n:INPUT ACCEPT [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n",
            "3:4: chain FORWARD is not declared in table filter"),
        Arguments.of("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n*filter\nCOMMIT\n",
            "4:1: table filter appears twice"),
        Arguments.of("*security\nCOMMIT\n", "1:2: unsupported table 'security'"),
        Arguments.of("*filter\n:INPUT REJECT [0:0]\nCOMMIT\n",
            "2:8: built-in chain policy must be ACCEPT or DROP, not 'REJECT'"),
        Arguments.of("*filter\n:mine ACCEPT [0:0]\nCOMMIT\n",
            "2:7: user chain mine must have policy '-'"));
  }

  @ParameterizedTest
  @MethodSource
  void badFiles(String text, String where) {
    ParseException e = assertThrows(ParseException.class,
        () -> IptablesSaveReader.read("t.rules", text, Family.IPV4));
    assertEquals("t.rules:" + where, e.getMessage());
  }

  /** iptables-save -c puts counters first; the reader skips them. */
  @Test
  void countersAreSkipped() throws ParseException {
    Rule r = IptablesSaveReader.readRule(
        "[5:300] -A INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT", Family.IPV4);
    assertEquals(List.of(new Match.CtState(EnumSet.of(ConnState.NEW, ConnState.ESTABLISHED),
        false)), r.matches());
    assertEquals(new Target.Accept(), r.target());
  }

  /** After -p tcp, iptables loads the tcp module for --dport by itself. */
  @Test
  void portOptionsLoadTheirModuleImplicitly() throws ParseException {
    Rule r = IptablesSaveReader.readRule("-A INPUT -p tcp --dport 22 -j ACCEPT", Family.IPV4);
    assertEquals(new Match.Ports(Side.DST, List.of(new PortRange(22, 22)), false),
        r.matches().get(1));
  }
}
