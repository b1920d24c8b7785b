package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.Table;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code -m ipvs} as {@code ipvs_mt} decides it: {@code --ipvs} is the packet's {@code
 * ipvs_property} (set when IPVS sends a packet on or puts an answer's source back); every other
 * option needs it and the connection entry found from the packet as IPVS sent it (to a masq
 * real server, or still to the virtual address for gate), then compares the entry's virtual
 * address under the mask, virtual port, protocol, forwarding method, the template's virtual
 * port ({@code --vportctl}) and the conntrack direction. An answer put back at FORWARD finds no
 * entry that way round, so only {@code --ipvs} matches it. (The INVALID rule switches
 * conntrack on, which {@code --vdir} needs.)
 */
class IpvsMatchTest {
  private static final String HOST = """
      policy: director
      host:
        interfaces:
          eth0: { addresses: [192.0.2.10/24] }
          eth1: { addresses: [10.1.0.254/24] }
        routes:
          - { to: default, via: 192.0.2.1, dev: eth0 }
      ipvs:
        services:
          - protocol: tcp
            address: 192.0.2.80
            port: 80
            scheduler: rr
            real-servers:
              - { address: 10.1.0.1, port: 8080, method: masq }
          - protocol: tcp
            address: 192.0.2.80
            port: 443
            scheduler: rr
            persistence: { timeout: 600 }
            real-servers:
              - { address: 10.1.0.2, method: gate }
      """;

  private static final String RULES = """
      *filter
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m conntrack --ctstate INVALID -j DROP
      -A OUTPUT -m ipvs --ipvs
      -A OUTPUT -m ipvs ! --ipvs
      -A OUTPUT -m ipvs --vaddr 192.0.2.80 --vport 80
      -A OUTPUT -m ipvs --vaddr 192.0.2.0/24 ! --vport 80
      -A OUTPUT -m ipvs --vproto udp
      -A OUTPUT -m ipvs --vmethod MASQ
      -A OUTPUT -m ipvs --vmethod GATE
      -A OUTPUT -m ipvs --vdir ORIGINAL
      -A OUTPUT -m ipvs --vdir REPLY
      -A OUTPUT -m ipvs --vportctl 443
      -A OUTPUT -m ipvs ! --vportctl 443
      -A OUTPUT -m ipvs ! --vaddr 192.0.2.80
      COMMIT
      *mangle
      :POSTROUTING ACCEPT [0:0]
      -A POSTROUTING -m ipvs --ipvs
      -A POSTROUTING -m ipvs --vdir REPLY
      -A POSTROUTING -m ipvs --vaddr 192.0.2.80
      COMMIT
      """;

  private static Interpreter director() throws ParseException {
    PolicyCompiler.ReadResult read = PolicyCompiler.read("director.yaml", HOST);
    assertTrue(read.policy() != null, read.diagnostics().toString());
    Policy p = read.policy();
    CheckResult c = PolicyCompiler.check(p);
    assertTrue(c.ok(), c.diagnostics().toString());
    Ruleset rules = IptablesSaveReader.read("rules", RULES, Family.IPV4);
    IrPolicy ir = new IrPolicy("director", c.ir().host(), List.of(), rules,
        new Ruleset(Family.IPV6, List.of()));
    return new Interpreter(ir, PolicyCompiler.ipvs(p).config());
  }

  /** The rules of {@code table}/{@code chain} that matched (counted), by number. */
  private static List<Integer> matched(Decision d, Table table, String chain) {
    return d.path().stream().filter(s -> !s.isPolicy() && s.table() == table
        && s.chain().equals(chain)).map(Decision.Step::rule).toList();
  }

  @Test
  void aMasqConnectionsPacketOnItsWayToTheRealServer() throws ParseException {
    Decision d = director().decide(Packet.parse("tcp 198.51.100.7:1000 -> 192.0.2.80:80 in eth0"));
    assertEquals(Outcome.FORWARDED, d.outcome());
    assertEquals(List.of(1, 3, 6, 8, 11), matched(d, Table.FILTER, "OUTPUT"));
    assertEquals(List.of(1, 3), matched(d, Table.MANGLE, "POSTROUTING"));
  }

  @Test
  void aGateConnectionKeepsTheVirtualAddressAndHasATemplate() throws ParseException {
    Decision d = director().decide(Packet.parse("tcp 198.51.100.7:1000 -> 192.0.2.80:443 in"
        + " eth0"));
    assertEquals(Outcome.FORWARDED, d.outcome());
    assertEquals("192.0.2.80", d.after().dst().toString());
    assertEquals(List.of(1, 4, 7, 8, 10), matched(d, Table.FILTER, "OUTPUT"));
  }

  @Test
  void aPacketIpvsDidNotTouchMatchesOnlyNotIpvs() throws ParseException {
    Decision d = director().decide(Packet.parse("tcp 192.0.2.10:5000 -> 192.0.2.1:80"));
    assertEquals(Outcome.SENT, d.outcome());
    assertEquals(List.of(2), matched(d, Table.FILTER, "OUTPUT"));
    assertEquals(List.of(), matched(d, Table.MANGLE, "POSTROUTING"));
  }

  @Test
  void anAnswerPutBackAtForwardHasThePropertyButNoEntryThatWayRound() throws ParseException {
    Interpreter in = director();
    Decision d = in.decide(Packet.parse("tcp 198.51.100.7:1000 -> 192.0.2.80:80 in eth0"));
    Decision r = in.decide(Packet.parse("tcp " + d.after().dst() + ":8080 -> 198.51.100.7:1000"
        + " in eth1 state established flags SYN,ACK"));
    assertEquals(Outcome.FORWARDED, r.outcome());
    assertEquals("192.0.2.80", r.after().src().toString());
    assertEquals(List.of(1), matched(r, Table.MANGLE, "POSTROUTING"));
  }
}
