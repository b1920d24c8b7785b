package dev.policyc.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
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
 * The matches and targets kube-proxy's iptables text holds beyond what policies compile to:
 * {@code -m recent}, {@code -m nfacct}, {@code --ctstate DNAT}, {@code MASQUERADE
 * --random-fully}; read as kube-proxy writes them and as iptables-save prints them back (the
 * printed forms below are iptables 1.8.9's, taken from a namespace), and printed back by the
 * emitter in the saved form.
 */
class KubeProxyMatchesReaderTest {
  private static final IpAddr ALL = IpAddr.max(Family.IPV4);

  private static Rule read(String line) throws ParseException {
    return IptablesSaveReader.readRule(line, Family.IPV4);
  }

  @Test
  void recentSetAsKubeProxyWritesItAndAsItIsSaved() throws ParseException {
    Match.Recent set = new Match.Recent("KUBE-SEP-I77PXRDZVX7PMWMN", Match.Recent.Mode.SET, 0,
        false, 0, ALL, false, false);
    Rule written = read("-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80"
        + " -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp"
        + " -j DNAT --to-destination 10.180.0.3:80");
    assertEquals(set, written.matches().get(0));
    assertEquals("ns5/svc5:p80", written.comment());
    String saved = "-A KUBE-SEP-I77PXRDZVX7PMWMN -p tcp -m recent --set"
        + " --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource -m tcp"
        + " -j DNAT --to-destination 10.180.0.3:80";
    assertEquals(List.of(new Match.Proto(6, false), set,
        new Match.Ports(dev.policyc.compiler.ir.Side.DST,
            List.of(dev.policyc.compiler.ir.PortRange.ALL), false)), read(saved).matches());
  }

  @Test
  void recentCheckWithItsWindowAndReap() throws ParseException {
    Match.Recent check = new Match.Recent("KUBE-SEP-X", Match.Recent.Mode.CHECK, 10800, true,
        0, ALL, false, false);
    assertEquals(List.of(check), read("-A KUBE-SVC-Y -m recent --name KUBE-SEP-X --rcheck"
        + " --seconds 10800 --reap -j KUBE-SEP-X").matches());
    Rule saved = read("-A KUBE-SVC-Y -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X"
        + " --mask 255.255.255.255 --rsource -j KUBE-SEP-X");
    assertEquals(List.of(check), saved.matches());
    assertEquals(new Target.Jump("KUBE-SEP-X"), saved.target());
    assertEquals("-A KUBE-SVC-Y -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X"
        + " --mask 255.255.255.255 --rsource -j KUBE-SEP-X",
        IptablesEmitter.rule("KUBE-SVC-Y", saved, Family.IPV4));
  }

  @Test
  void recentUpdateNegatedWithHitcountMaskAndDestination() throws ParseException {
    String line = "-A INPUT -m recent ! --update --seconds 5 --hitcount 3 --name R"
        + " --mask 255.255.0.0 --rdest";
    Rule r = read(line);
    assertEquals(List.of(new Match.Recent("R", Match.Recent.Mode.UPDATE, 5, false, 3,
        IpAddr.parse("255.255.0.0"), true, true)), r.matches());
    assertEquals(line, IptablesEmitter.rule("INPUT", r, Family.IPV4));
    assertEquals("DEFAULT", ((Match.Recent) read("-A INPUT -m recent --remove").matches()
        .get(0)).name());
  }

  @Test
  void nfacctCountsAndTheRuleReadsWithoutATarget() throws ParseException {
    Rule r = read("-A KUBE-FORWARD -m conntrack --ctstate INVALID"
        + " -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP");
    assertEquals(List.of(new Match.CtState(EnumSet.of(ConnState.INVALID), false),
        new Match.Nfacct("ct_state_invalid_dropped_pkts")), r.matches());
    // iptables-save 1.8.9 prints two spaces before the name
    String saved = "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name "
        + " ct_state_invalid_dropped_pkts -j DROP";
    assertEquals(r.matches(), read(saved).matches());
    assertEquals(saved, IptablesEmitter.rule("KUBE-FORWARD", r, Family.IPV4));
    Rule counting = read("-A KUBE-FW-X -m comment --comment \"other traffic to s will be"
        + " dropped by KUBE-PROXY-FIREWALL\"");
    assertEquals(new Target.None(), counting.target());
    assertEquals(List.of(), counting.matches());
  }

  @Test
  void ctstateDnatAndSnatAreConntracksVirtualStates() throws ParseException {
    String line = "-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack"
        + " ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP";
    Rule r = read(line);
    Match.CtState st = (Match.CtState) r.matches().get(2);
    assertEquals(new Match.CtState(EnumSet.of(ConnState.RELATED, ConnState.ESTABLISHED), false,
        true, true), st);
    assertEquals(line, IptablesEmitter.rule("KUBE-FIREWALL", r, Family.IPV4));
    Rule both = read("-A INPUT -m conntrack --ctstate SNAT,DNAT,NEW");
    // iptables-save prints the real states first
    assertEquals("-A INPUT -m conntrack --ctstate NEW,SNAT,DNAT",
        IptablesEmitter.rule("INPUT", both, Family.IPV4));
  }

  @Test
  void masqueradeRandomFully() throws ParseException {
    Rule r = read("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic"
        + " requiring SNAT\" -j MASQUERADE --random-fully");
    assertEquals(new Target.Masquerade(null, true), r.target());
    assertEquals(new Target.Masquerade(dev.policyc.compiler.ir.PortRange.of(1024), true),
        read("-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1024 --random-fully").target());
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of("-A INPUT -m recent --name X", "1:13: recent needs one of --set,"
            + " --rcheck, --update and --remove"),
        Arguments.of("-A INPUT -m recent --set --rcheck", "1:26: recent takes one of --set,"
            + " --rcheck, --update and --remove"),
        Arguments.of("-A INPUT -m recent --set --seconds 5", "1:13: recent --seconds and"
            + " --hitcount go with --rcheck or --update"),
        Arguments.of("-A INPUT -m recent --rcheck --reap", "1:13: recent --reap needs"
            + " --seconds"),
        Arguments.of("-A INPUT -m recent --rcheck --hitcount 21", "1:40: number '21' is out of"
            + " range (at most 20 = 0x14)"),
        Arguments.of("-A INPUT -m recent --rcheck --rttl", "1:29: recent --rttl is not"
            + " supported"),
        Arguments.of("-A INPUT -m recent ! --name X --set", "1:22: only --set, --rcheck,"
            + " --update and --remove can be negated"),
        Arguments.of("-A INPUT -m recent --set --mask 2001:db8::", "1:33: recent --mask"
            + " '2001:db8::' is not an IPV4 address"),
        Arguments.of("-A INPUT -m nfacct ! --nfacct-name x", "1:22: nfacct cannot be negated"),
        Arguments.of("-A INPUT -m state --state DNAT", "1:27: unsupported conntrack state"
            + " 'DNAT'"));
  }

  @ParameterizedTest
  @MethodSource
  void refused(String line, String where) {
    ParseException e = assertThrows(ParseException.class, () -> read(line));
    assertEquals("<rule>:" + where, e.getMessage());
  }
}
