package dev.policyc.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Family;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code -m ipvs} read as kube-proxy writes it and as libxt_ipvs's save prints it (protocol as
 * a number, {@code --ipvs} only alone, the address with its mask unless a host, {@code --vdir}
 * as a word, the method as GATE, IPIP or MASQ), printed back in the saved form, and refused
 * where libxt_ipvs refuses it.
 */
class IpvsMatchReaderTest {
  private static final int P = Match.Ipvs.PROPERTY;

  private static Rule read(String line) throws ParseException {
    return IptablesSaveReader.readRule(line, Family.IPV4);
  }

  @Test
  void kubeProxysOutFilterRuleAndItsSavedForm() throws ParseException {
    Rule written = read("-A KUBE-IPVS-OUT-FILTER -s 198.51.100.30 -m ipvs --vaddr 198.51.100.30"
        + " --vproto tcp --vport 443 -j DROP");
    Match.Ipvs m = new Match.Ipvs(P | Match.Ipvs.PROTO | Match.Ipvs.VADDR | Match.Ipvs.VPORT, 0,
        6, IpAddr.parse("198.51.100.30"), IpAddr.max(Family.IPV4), 443, 0, 0);
    assertEquals(List.of(new Match.Addr(Side.SRC, IpRange.parse("198.51.100.30/32"), false), m),
        written.matches());
    assertEquals(new Target.Drop(), written.target());
    String saved = "-A KUBE-IPVS-OUT-FILTER -s 198.51.100.30/32 -m ipvs --vproto 6"
        + " --vaddr 198.51.100.30 --vport 443 -j DROP";
    assertEquals(saved, IptablesEmitter.rule("KUBE-IPVS-OUT-FILTER", written, Family.IPV4));
    assertEquals(written.matches(), read(saved).matches());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-m ipvs --ipvs | -m ipvs --ipvs",
      "-m ipvs ! --ipvs | -m ipvs ! --ipvs",
      "-m ipvs --ipvs --vport 80 | -m ipvs --vport 80",
      "-m ipvs ! --vaddr 10.0.0.0/8 ! --vproto udp | -m ipvs ! --vproto 17 ! --vaddr 10.0.0.0/8",
      "-m ipvs --vaddr 10.1.2.3/255.0.255.0 | -m ipvs --vaddr 10.1.2.3/255.0.255.0",
      "-m ipvs --vaddr 10.1.2.3/255.255.0.0 | -m ipvs --vaddr 10.1.2.3/16",
      "-m ipvs --vdir reply --vmethod gate | -m ipvs --vdir REPLY --vmethod GATE",
      "-m ipvs --vdir ORIGINAL ! --vmethod IPIP | -m ipvs --vdir ORIGINAL ! --vmethod IPIP",
      "-m ipvs --vmethod Masq ! --vportctl 21 | -m ipvs --vmethod MASQ ! --vportctl 21"})
  void optionsReadAndPrintAsSaved(String given, String saved) throws ParseException {
    Rule r = read("-A INPUT " + given + " -j ACCEPT");
    String line = IptablesEmitter.rule("INPUT", r, Family.IPV4);
    assertEquals("-A INPUT " + saved + " -j ACCEPT", line);
    assertEquals(r.matches(), read(line).matches());
    assertTrue(((Match.Ipvs) r.matches().get(0)).has(P));
  }

  @Test
  void ipv6AddressesAndMasks() throws ParseException {
    Rule r = IptablesSaveReader.readRule("-A INPUT -m ipvs --vaddr 2001:db8::/32 -j ACCEPT",
        Family.IPV6);
    assertEquals("-A INPUT -m ipvs --vaddr 2001:db8::/32 -j ACCEPT",
        IptablesEmitter.rule("INPUT", r, Family.IPV6));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-A INPUT -m ipvs -j ACCEPT | IPVS: at least one option is required",
      "-A INPUT -m ipvs ! --ipvs --vport 80 -j ACCEPT | ! --ipvs cannot be together",
      "-A INPUT -m ipvs --vdir SIDEWAYS -j ACCEPT | --vdir takes ORIGINAL or REPLY",
      "-A INPUT -m ipvs ! --vdir REPLY -j ACCEPT | --vdir cannot be negated",
      "-A INPUT -m ipvs --vmethod NAT -j ACCEPT | --vmethod takes GATE, IPIP or MASQ",
      "-A INPUT -m ipvs --vport 80 --vport 81 -j ACCEPT | --vport given twice",
      "-A INPUT -m ipvs --vport 70000 -j ACCEPT | bad port '70000'",
      "-A INPUT -m ipvs --vaddr 2001:db8::1 -j ACCEPT | is not an IPV4 address",
      "-A INPUT -m ipvs --vaddr 10.0.0.0/33 -j ACCEPT | out of range",
      "-A INPUT -m ipvs --vproto nosuch -j ACCEPT | unknown protocol"})
  void refusedAsLibxtIpvsRefusesIt(String line, String message) {
    ParseException e = assertThrows(ParseException.class, () -> read(line));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
