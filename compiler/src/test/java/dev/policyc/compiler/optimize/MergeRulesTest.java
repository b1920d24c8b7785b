package dev.policyc.compiler.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.diag.Reporter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The optimization pass that merges rules differing in one port list or address range. */
class MergeRulesTest {
  @Test
  void adjacentPortsMergeIntoOneMultiport() {
    IrPolicy out = PassTester.assertPass(new MergeRules(), """
        *filter
        :INPUT DROP [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m tcp --dport 22 -m comment --comment "ssh" -j ACCEPT
        -A INPUT -p tcp -m tcp --dport 80 -m comment --comment "web" -j ACCEPT
        -A INPUT -p tcp -m tcp --dport 443 -m comment --comment "web" -j ACCEPT
        -A INPUT -p udp -m udp --dport 53 -j ACCEPT
        COMMIT
        """, """
        *filter
        :INPUT DROP [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m multiport --dports 22,80,443 -m comment --comment "ssh, web" -j ACCEPT
        -A INPUT -p udp -m udp --dport 53 -j ACCEPT
        COMMIT
        """);
    Rule merged = out.ipv4().tables().get(0).chains().get(0).rules().get(0);
    assertEquals(3, Origin.partsOf(merged).size(), "every original rule is kept as a part");
  }

  @Test
  void sixteenPortsMergeIntoFifteenAndOne() {
    StringBuilder before = new StringBuilder("""
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        """);
    for (int i = 0; i < 16; i++) {
      before.append("-A INPUT -p udp -m udp --dport ").append(1000 + 2 * i).append(" -j DROP\n");
    }
    before.append("COMMIT\n");
    PassTester.assertPass(new MergeRules(), before.toString(), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p udp -m multiport --dports 1000,1002,1004,1006,1008,1010,1012,1014,1016,1018,1020,1022,1024,1026,1028 -j DROP
        -A INPUT -p udp -m udp --dport 1030 -j DROP
        COMMIT
        """);
  }

  @Test
  void twoHalvesOfAPrefixMergeIntoThePrefix() {
    PassTester.assertPass(new MergeRules(), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -s 10.1.2.0/25 -j DROP
        -A INPUT -s 10.1.2.128/25 -j DROP
        COMMIT
        """, """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -s 10.1.2.0/24 -j DROP
        COMMIT
        """);
  }

  @Test
  void adjacentRangesThatAreNoPrefixMergeIntoAnIprange() {
    PassTester.assertPass(new MergeRules(), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -d 10.0.0.1/32 -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset
        -A INPUT -d 10.0.0.2/31 -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset
        COMMIT
        """, """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m iprange --dst-range 10.0.0.1-10.0.0.3 -m tcp --dport 25 -j REJECT --reject-with tcp-reset
        COMMIT
        """);
  }

  @Test
  void aRuleMovesUpPastADisjointRule() {
    IrPolicy in = PassTester.read("""
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -p udp -m udp --dport 22 -j DROP
        -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
        COMMIT
        """);
    PassManager pm = new PassManager(List.of(new MergeRules()), null);
    PassManager.Result result = pm.run(in, new Reporter());
    assertEquals("""
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m multiport --dports 22,80 -j ACCEPT
        -A INPUT -p udp -m udp --dport 22 -j DROP
        COMMIT
        """, PassTester.text(result.ir()));
    Map<String, Long> counters = result.stats().get(0).counters();
    assertEquals(Map.of("merged", 1L, "ports", 1L, "movedUp", 1L), counters);
  }

  @Test
  void aRuleDoesNotMovePastAnOverlappingRule() {
    String rules = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -s 10.0.0.0/8 -j DROP
        -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
        COMMIT
        """;
    PassTester.assertPass(new MergeRules(), rules, rules);
  }

  @Test
  void aRuleDoesNotMovePastARewrite() {
    String rules = """
        *mangle
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        -A PREROUTING -p tcp -m tcp --dport 22 -j ACCEPT
        -A PREROUTING -p udp -j MARK --set-xmark 0x1/0xffffffff
        -A PREROUTING -p tcp -m tcp --dport 80 -j ACCEPT
        COMMIT
        """;
    PassTester.assertPass(new MergeRules(), rules, rules);
  }

  @Test
  void aRuleDoesNotMovePastAnOpaqueRule() {
    String rules = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -p udp -m limit --limit 5/sec -j DROP
        -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
        COMMIT
        """;
    PassTester.assertPass(new MergeRules(), rules, rules);
  }

  @Test
  void jumpsAndRateLimitedRulesStayApart() {
    String rules = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :web - [0:0]
        -A INPUT -p tcp -m tcp --dport 80 -j web
        -A INPUT -p tcp -m tcp --dport 443 -j web
        -A INPUT -p udp -m udp --dport 53 -m limit --limit 5/sec -j ACCEPT
        -A INPUT -p udp -m udp --dport 54 -m limit --limit 5/sec -j ACCEPT
        -A web -j ACCEPT
        COMMIT
        """;
    PassTester.assertPass(new MergeRules(), rules, rules);
  }

  @Test
  void negatedMatchesStayApart() {
    String rules = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m tcp ! --dport 22 -j DROP
        -A INPUT -p tcp -m tcp ! --dport 80 -j DROP
        -A INPUT ! -s 10.0.0.0/25 -j DROP
        -A INPUT ! -s 10.0.0.128/25 -j DROP
        COMMIT
        """;
    PassTester.assertPass(new MergeRules(), rules, rules);
  }

  @Test
  void logRulesMergeOnlyWhenNoPacketTakesBoth() {
    PassTester.assertPass(new MergeRules(), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m multiport --dports 22,23 -j LOG
        -A INPUT -p tcp -m tcp --dport 23 -j LOG
        -A INPUT -p tcp -m tcp --dport 80 -j LOG
        COMMIT
        """, """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m multiport --dports 22,23 -j LOG
        -A INPUT -p tcp -m multiport --dports 23,80 -j LOG
        COMMIT
        """);
  }

  @Test
  void differentProtocolsOrTargetsStayApart() {
    String rules = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
        -A INPUT -p udp -m udp --dport 23 -j ACCEPT
        -A INPUT -p udp -m udp --dport 24 -j DROP
        COMMIT
        """;
    PassTester.assertPass(new MergeRules(), rules, rules);
  }

  @Test
  void mergesRandomPoliciesKeepingTheirMeaning() {
    PassProperty.Tally t = PassProperty.check("merge-rules", 4711, MergeRules::new,
        RandomPolicies.Options.OPTIMIZER.withMaxRules(6), 80);
    assertTrue(t.proved() * 100 >= 99L * t.changed(), t.toString());
  }
}
