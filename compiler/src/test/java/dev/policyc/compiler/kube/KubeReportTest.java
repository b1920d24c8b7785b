package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The report: IPVS mode's iptables rules and rules per packet stay constant while iptables
 * mode's grow with the services; the interpreter decides the packets on iptables mode's text.
 * {@code -Dpolicyc.kube.report=100,1000,10000} prints the table of those sizes.
 */
class KubeReportTest {
  @Test
  void ipvsModeDoesNotGrowWithServices() {
    String sizes = System.getProperty("policyc.kube.report", "100,300");
    List<Integer> n = java.util.Arrays.stream(sizes.split(",")).map(Integer::valueOf).toList();
    KubeReport.Table t = KubeReport.measure(
        List.of(KubeFiles.input(KubeFiles.DIR.resolve("overall/manifests.yaml"))),
        KubeFiles.node(), n, 1L);
    System.out.print(t.text());
    List<KubeReport.Row> rows = t.rows();
    KubeReport.Row small = rows.get(1);
    KubeReport.Row large = rows.get(rows.size() - 1);
    assertEquals(small.ipvs().iptablesRules(), large.ipvs().iptablesRules());
    assertEquals(small.ipvsPerPacket(), large.ipvsPerPacket());
    assertTrue(large.iptables().iptablesRules() > small.iptables().iptablesRules());
    assertTrue(Double.parseDouble(large.iptablesPerPacket())
        > Double.parseDouble(small.iptablesPerPacket()), t.text());
    // the manifests' text (recent, nfacct, a rule without a target) is read and decided too
    assertEquals("10.5", rows.get(0).iptablesPerPacket(), t.text());
  }
}
