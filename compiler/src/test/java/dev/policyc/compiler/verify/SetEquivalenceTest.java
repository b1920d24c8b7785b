package dev.policyc.compiler.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checker on set matches it splits on: an address,port set or a port bitmap is the union of
 * its entries' packets, so a rule on such a set is proved equal to the rules it stands for, and
 * proved different, with a packet the interpreter confirms, when one entry is dropped.
 */
class SetEquivalenceTest {
  private static final long BUDGET = 2_000_000;

  private static final String HEAD = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      """;

  @Test
  void aHashIpPortSetIsTheRulesItReplaced() {
    List<IpSet.Entry> entries = List.of(
        entry("10.0.0.1", Protocols.TCP, 22, 22),
        entry("10.0.0.2", Protocols.TCP, 80, 90),
        entry("10.0.0.2", Protocols.TCP, 85, 100),
        entry("192.0.2.1", Protocols.TCP, 443, 443));
    String rules = """
        -A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -s 10.0.0.2/32 -p tcp -m tcp --dport 80:90 -j ACCEPT
        -A INPUT -s 10.0.0.2/32 -p tcp -m tcp --dport 85:100 -j ACCEPT
        -A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 443 -j ACCEPT
        """;
    String set = "-A INPUT -p tcp -m set --match-set svc src,dst -j ACCEPT\n";
    provedEqualAndDifferentWithoutOneEntry(IpSet.Type.HASH_IP_PORT, entries, null, rules, set);
  }

  @Test
  void aHashNetPortSetOfSeveralProtocolsIsTheRulesItReplaced() {
    List<IpSet.Entry> entries = List.of(
        entry("10.1.0.0/16", Protocols.UDP, 53, 53),
        entry("10.1.2.0/24", Protocols.TCP, 53, 53),
        entry("10.0.0.0/8", Protocols.UDP, 50, 60),
        entry("192.0.2.0/24", Protocols.SCTP, 3868, 3868));
    String rules = """
        -A INPUT -d 10.1.0.0/16 -p udp -m udp --sport 53 -j ACCEPT
        -A INPUT -d 10.1.2.0/24 -p tcp -m tcp --sport 53 -j ACCEPT
        -A INPUT -d 10.0.0.0/8 -p udp -m udp --sport 50:60 -j ACCEPT
        -A INPUT -d 192.0.2.0/24 -p sctp -m sctp --sport 3868 -j ACCEPT
        """;
    String set = "-A INPUT -m set --match-set svc dst,src -j ACCEPT\n";
    provedEqualAndDifferentWithoutOneEntry(IpSet.Type.HASH_NET_PORT, entries, null, rules, set);
  }

  @Test
  void aBitmapPortSetIsTheRulesItReplaced() {
    List<IpSet.Entry> entries = List.of(
        new IpSet.Entry(null, 0, PortRange.of(22)),
        new IpSet.Entry(null, 0, new PortRange(1000, 2000)),
        new IpSet.Entry(null, 0, PortRange.of(8443)));
    String rules = """
        -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -p tcp -m tcp --dport 1000:2000 -j ACCEPT
        -A INPUT -p tcp -m tcp --dport 8443 -j ACCEPT
        """;
    String set = "-A INPUT -p tcp -m set --match-set svc dst -j ACCEPT\n";
    provedEqualAndDifferentWithoutOneEntry(IpSet.Type.BITMAP_PORT, entries,
        new PortRange(22, 8443), rules, set);
  }

  @Test
  void aNegatedAddressPortSetIsTheComplementOfItsEntries() {
    List<IpSet.Entry> entries = List.of(
        entry("10.0.0.1", Protocols.TCP, 22, 22),
        entry("10.0.0.2", Protocols.UDP, 53, 53));
    String rules = """
        -A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -s 10.0.0.2/32 -p udp -m udp --dport 53 -j ACCEPT
        """;
    String set = """
        -A INPUT -m set ! --match-set svc src,dst -j DROP
        -A INPUT -j ACCEPT
        """;
    provedEqualAndDifferentWithoutOneEntry(IpSet.Type.HASH_IP_PORT, entries, null, rules, set);
  }

  /**
   * The rules {@code rules} against the rules {@code setRules} on set {@code svc} of the
   * entries: proved equal; and proved different when the set loses its last entry.
   */
  private static void provedEqualAndDifferentWithoutOneEntry(IpSet.Type type,
      List<IpSet.Entry> entries, PortRange range, String rules, String setRules) {
    IrPolicy replaced = policy(rules, List.of());
    IpSet full = new IpSet("svc", type, Family.IPV4, entries, range, 65536);
    IrPolicy withSet = policy(setRules, List.of(full));
    Result same = Equivalence.compare(replaced, withSet, BUDGET, 1);
    assertEquals(Result.Status.EQUAL, same.status(), same.toString());

    IpSet less = new IpSet("svc", type, Family.IPV4, entries.subList(0, entries.size() - 1),
        range, 65536);
    IrPolicy withLess = policy(setRules, List.of(less));
    Result diff = Equivalence.compare(replaced, withLess, BUDGET, 1);
    assertEquals(Result.Status.DIFFERENT, diff.status(), diff.toString());
    Difference d = diff.differences().get(0);
    assertTrue(d.confirmed(), "a witness packet: " + d);
    assertNotEquals(Interpreter.decide(replaced, d.witness()).effect(),
        Interpreter.decide(withLess, d.witness()).effect(), "the interpreter confirms it");
  }

  private static IpSet.Entry entry(String addr, int proto, int lo, int hi) {
    return new IpSet.Entry(IpRange.parse(addr), proto, new PortRange(lo, hi));
  }

  private static IrPolicy policy(String rules, List<IpSet> sets) {
    try {
      Ruleset v4 = IptablesSaveReader.read("test", HEAD + rules + "COMMIT\n", Family.IPV4);
      return new IrPolicy("test", null, new ArrayList<>(sets), v4,
          new Ruleset(Family.IPV6, List.of()));
    } catch (ParseException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
