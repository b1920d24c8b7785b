package dev.policyc.compiler.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.policyc.compiler.emit.ipset.IpsetEmitter;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.testing.RandomPolicies;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The optimization pass that gathers rules differing in addresses or ports into ipsets. */
class ExtractSetsTest {
  @Test
  void hostsBecomeAHashIpSet() {
    IrPolicy out = PassTester.assertPass(new ExtractSets(), """
        *filter
        :INPUT DROP [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -s 10.0.0.7/32 -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -s 192.0.2.9/32 -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -s 198.51.100.3/32 -p tcp -m tcp --dport 22 -j ACCEPT
        COMMIT
        """, """
        *filter
        :INPUT DROP [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m set --match-set INPUT-src src -m tcp --dport 22 -j ACCEPT
        COMMIT
        """);
    assertEquals("""
        create INPUT-src hash:ip family inet hashsize 1024 maxelem 65536 -exist
        create INPUT-src.new hash:ip family inet hashsize 1024 maxelem 65536 -exist
        flush INPUT-src.new
        add INPUT-src.new 10.0.0.1
        add INPUT-src.new 10.0.0.7
        add INPUT-src.new 192.0.2.9
        add INPUT-src.new 198.51.100.3
        swap INPUT-src.new INPUT-src
        destroy INPUT-src.new
        """, ipset(out));
    Rule merged = out.ipv4().table(dev.policyc.dsl.Table.FILTER).orElseThrow().chains().get(0)
        .rules().get(0);
    assertEquals(5, Origin.partsOf(merged).size(), "every replaced rule stays a part");
  }

  @Test
  void noRuleMovesUpPastOneThatChangesThePacket() {
    // the MARK rule matches no packet the DROP rules match (mark 0 against mark 1), but it marks
    // packets 1 that the later DROP rules then match: they may not be tested before it
    String rules = """
        *mangle
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        -A PREROUTING -s 10.0.0.1/32 -m mark --mark 0x1 -j DROP
        -A PREROUTING -m mark --mark 0x0 -j MARK --set-xmark 0x1/0xffffffff
        -A PREROUTING -s 10.0.0.2/32 -m mark --mark 0x1 -j DROP
        -A PREROUTING -s 10.0.0.3/32 -m mark --mark 0x1 -j DROP
        -A PREROUTING -s 10.0.0.4/32 -m mark --mark 0x1 -j DROP
        COMMIT
        """;
    IrPolicy in = PassTester.read(rules);
    IrPolicy out = PassTester.run(new ExtractSets(), in);
    Packet p = Packet.parse("udp 10.0.0.3:1000 -> 192.0.2.1:53 in eth0");
    assertEquals(Interpreter.decide(in, p).effect(), Interpreter.decide(out, p).effect());
    assertEquals(Interpreter.decide(in, p).toString(), Interpreter.decide(out, p).toString());
  }

  @Test
  void networksBecomeAHashNetSet() {
    IrPolicy out = PassTester.assertPass(new ExtractSets(), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A FORWARD -d 10.1.0.0/16 -j DROP
        -A FORWARD -d 10.2.0.0/16 -j DROP
        -A FORWARD -d 192.0.2.7/32 -j DROP
        -A FORWARD -d 172.16.0.0/12 -j DROP
        COMMIT
        """, """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A FORWARD -m set --match-set FORWARD-dst dst -j DROP
        COMMIT
        """);
    assertEquals(IpSet.Type.HASH_NET, out.sets().get(0).type());
    assertEquals(4, out.sets().get(0).entries().size());
  }

  @Test
  void addressPortPairsBecomeAHashIpPortSet() {
    IrPolicy out = PassTester.assertPass(new ExtractSets(), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A FORWARD -d 10.0.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT
        -A FORWARD -d 10.0.0.2/32 -p tcp -m tcp --dport 443 -j ACCEPT
        -A FORWARD -d 10.0.0.3/32 -p tcp -m multiport --dports 25,587 -j ACCEPT
        -A FORWARD -d 10.0.0.4/32 -p tcp -m tcp --dport 8080:8089 -j ACCEPT
        -A FORWARD -j DROP
        COMMIT
        """, """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A FORWARD -p tcp -m set --match-set FORWARD-dst-dport dst,dst -j ACCEPT
        -A FORWARD -j DROP
        COMMIT
        """);
    IpSet s = out.sets().get(0);
    assertEquals(IpSet.Type.HASH_IP_PORT, s.type());
    assertEquals(List.of("10.0.0.1,tcp:80", "10.0.0.2,tcp:443", "10.0.0.3,tcp:25",
        "10.0.0.3,tcp:587", "10.0.0.4,tcp:8080-8089"), entries(s));
  }

  @Test
  void networkPortPairsBecomeAHashNetPortSet() {
    IrPolicy out = PassTester.assertPass(new ExtractSets(), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -s 10.1.0.0/16 -p udp -m udp --dport 53 -j ACCEPT
        -A INPUT -s 10.2.0.0/16 -p udp -m udp --dport 123 -j ACCEPT
        -A INPUT -s 10.3.0.1/32 -p udp -m udp --dport 53 -j ACCEPT
        -A INPUT -s 192.0.2.0/24 -p udp -m udp --dport 161 -j ACCEPT
        COMMIT
        """, """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p udp -m set --match-set INPUT-src-dport src,dst -j ACCEPT
        COMMIT
        """);
    IpSet s = out.sets().get(0);
    assertEquals(IpSet.Type.HASH_NET_PORT, s.type());
    assertEquals(List.of("10.1.0.0/16,udp:53", "10.2.0.0/16,udp:123", "10.3.0.1,udp:53",
        "192.0.2.0/24,udp:161"), entries(s));
  }

  @Test
  void portsBecomeABitmapPortSet() {
    IrPolicy out = PassTester.assertPass(new ExtractSets(), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -i eth0 -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -i eth0 -p tcp -m tcp --dport 80 -j ACCEPT
        -A INPUT -i eth0 -p tcp -m multiport --dports 443,8443 -j ACCEPT
        -A INPUT -i eth0 -p tcp -m tcp --dport 1000:2000 -j ACCEPT
        COMMIT
        """, """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -i eth0 -p tcp -m set --match-set INPUT-dport dst -j ACCEPT
        COMMIT
        """);
    IpSet s = out.sets().get(0);
    assertEquals(IpSet.Type.BITMAP_PORT, s.type());
    assertEquals("22-8443", s.range().lo() + "-" + s.range().hi());
    assertEquals(List.of("22", "80", "443", "8443", "1000-2000"), entries(s));
  }

  @Test
  void fewerRulesThanMinRulesAreLeftAlone() {
    IrPolicy in = PassTester.read("""
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -s 10.0.0.1/32 -j DROP
        -A INPUT -s 10.0.0.2/32 -j DROP
        -A INPUT -s 10.0.0.3/32 -j DROP
        COMMIT
        """);
    assertSame(in, PassTester.run(new ExtractSets(4), in));
    assertEquals(1, PassTester.run(new ExtractSets(3), in).sets().size());
  }

  @Test
  void aRuleIsNotMovedPastARuleItOverlaps() {
    IrPolicy out = PassTester.assertPass(new ExtractSets(4), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -s 10.0.0.1/32 -j ACCEPT
        -A INPUT -s 10.0.0.2/32 -j ACCEPT
        -A INPUT -s 10.0.0.0/24 -j DROP
        -A INPUT -s 10.0.0.3/32 -j ACCEPT
        -A INPUT -s 10.9.0.1/32 -j ACCEPT
        -A INPUT -s 10.0.0.4/32 -j ACCEPT
        -A INPUT -s 10.9.0.2/32 -j ACCEPT
        COMMIT
        """, """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -m set --match-set INPUT-src src -j ACCEPT
        -A INPUT -s 10.0.0.0/24 -j DROP
        -A INPUT -s 10.0.0.3/32 -j ACCEPT
        -A INPUT -s 10.0.0.4/32 -j ACCEPT
        COMMIT
        """);
    assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.9.0.1", "10.9.0.2"),
        entries(out.sets().get(0)));
  }

  @Test
  void negatedAddressesOtherDifferencesAndContinuingTargetsAreNotGathered() {
    String rules = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT ! -s 10.0.0.1/32 -j DROP
        -A INPUT ! -s 10.0.0.2/32 -j DROP
        -A INPUT ! -s 10.0.0.3/32 -j DROP
        -A INPUT ! -s 10.0.0.4/32 -j DROP
        -A INPUT -s 10.1.0.1/32 -i eth0 -j DROP
        -A INPUT -s 10.1.0.2/32 -i eth1 -j DROP
        -A INPUT -s 10.1.0.3/32 -i eth2 -j DROP
        -A INPUT -s 10.1.0.4/32 -i eth3 -j DROP
        -A INPUT -s 10.2.0.1/32 -j LOG
        -A INPUT -s 10.2.0.2/32 -j LOG
        -A INPUT -s 10.2.0.3/32 -j LOG
        -A INPUT -s 10.2.0.4/32 -j LOG
        -A INPUT -s 10.3.0.1/32 -m limit --limit 3/min -j ACCEPT
        -A INPUT -s 10.3.0.2/32 -m limit --limit 3/min -j ACCEPT
        -A INPUT -s 10.3.0.3/32 -m limit --limit 3/min -j ACCEPT
        -A INPUT -s 10.3.0.4/32 -m limit --limit 3/min -j ACCEPT
        COMMIT
        """;
    IrPolicy in = PassTester.read(rules);
    assertSame(in, PassTester.run(new ExtractSets(2), in));
  }

  @Test
  void keepsTheMeaningOfRandomPolicies() {
    PassProperty.check("extract-sets", 20261206L, () -> new ExtractSets(2),
        RandomPolicies.Options.OPTIMIZER.withMaxRules(5), 10);
  }

  private static String ipset(IrPolicy p) {
    String s = IpsetEmitter.emit(p.sets(), p.name());
    return s.substring(s.indexOf('\n') + 1);
  }

  /** The members as the ipset script adds them. */
  private static List<String> entries(IpSet s) {
    String prefix = "add " + s.name() + IpSet.TEMP_SUFFIX + " ";
    return IpsetEmitter.emit(List.of(s), "t").lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()))
        .toList();
  }
}
