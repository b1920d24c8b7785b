package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.parse.ParseException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Which packets KUBE-IPVS-OUT-FILTER drops, on the golden case {@code
 * loadbalancer-no-node-access} (an LB IP 198.51.100.30 whose source ranges hold no node IP;
 * kubernetes#119656): its rule {@code -s LBIP -m ipvs --vaddr LBIP --vproto tcp --vport 443 -j
 * DROP} in filter OUTPUT takes the node's own connections to the LB IP that leave from the LB
 * IP (the preferred source of its local route), once IPVS scheduled them at LOCAL_OUT; the
 * node's connections from its own address, the ClusterIP, and clients from inside the source
 * ranges pass it, and a port of the LB IP without a virtual server is never IPVS's.
 */
class KubeIpvsOutFilterTest {
  private static Interpreter node() throws ParseException {
    return KubeIpvsExplainTest.node("loadbalancer-no-node-access");
  }

  private static String chains(Decision d) {
    return d.path().stream().filter(s -> !s.isPolicy()).map(s -> s.chain() + "#" + s.rule())
        .collect(Collectors.joining(" "));
  }

  @Test
  void theNodesOwnConnectionFromTheLbIpIsScheduledThenDropped() throws ParseException {
    Decision d = node().decide(Packet.parse("tcp 198.51.100.30:40000 -> 198.51.100.30:443"));
    assertEquals(Outcome.DROPPED, d.outcome(), chains(d));
    assertTrue(chains(d).endsWith("OUTPUT#1 KUBE-IPVS-OUT-FILTER#1"), chains(d));
    assertEquals("10.180.5.1:8443", d.ipvs().real().endpoint()); // IPVS took it at LOCAL_OUT
    assertEquals("10.180.5.1", d.after().dst().toString());
  }

  @Test
  void theNodesOwnConnectionFromItsAddressPasses() throws ParseException {
    Decision d = node().decide(Packet.parse("tcp 192.168.0.2:40000 -> 198.51.100.30:443"));
    assertEquals(Outcome.SENT, d.outcome(), chains(d));
    assertEquals("eth1", d.outIface());
    assertEquals("10.180.255.254", d.after().src().toString()); // KUBE-MARK-MASQ, masqueraded
    assertTrue(chains(d).contains("OUTPUT#1"), chains(d));
    assertTrue(!chains(d).contains("KUBE-IPVS-OUT-FILTER#"), chains(d));
  }

  @Test
  void theClusterIpOfTheSameServicePasses() throws ParseException {
    for (String src : new String[] {"10.96.1.30", "192.168.0.2"}) {
      Decision d = node().decide(Packet.parse("tcp " + src + ":40000 -> 10.96.1.30:443"));
      assertEquals(Outcome.SENT, d.outcome(), chains(d));
      assertEquals("10.180.5.1:8443", d.ipvs().real().endpoint());
    }
  }

  @Test
  void clientsInsideTheSourceRangesPassAndOthersStopAtInput() throws ParseException {
    Decision in = node().decide(Packet.parse("tcp 203.0.113.9:40000 -> 198.51.100.30:443 in"
        + " eth0"));
    assertEquals(Outcome.FORWARDED, in.outcome(), chains(in));
    assertTrue(chains(in).contains("OUTPUT#1"), chains(in)); // through the filter, not dropped
    Decision out = node().decide(Packet.parse("tcp 198.18.0.9:40000 -> 198.51.100.30:443 in"
        + " eth0"));
    assertEquals(Outcome.DROPPED, out.outcome(), chains(out));
    assertTrue(chains(out).endsWith("KUBE-SOURCE-RANGES-FIREWALL#2"), chains(out));
    assertNull(out.ipvs());
  }

  @Test
  void aPortWithoutAVirtualServerIsNeverIpvss() throws ParseException {
    Decision d = node().decide(Packet.parse("tcp 198.51.100.30:40000 -> 198.51.100.30:80"));
    assertNull(d.ipvs());
    // not scheduled, so -m ipvs does not match in OUTPUT; back in on lo, KUBE-IPVS-FILTER
    // rejects a new connection to another port of a bound VIP
    assertEquals(Outcome.REJECTED, d.outcome(), chains(d));
    assertTrue(chains(d).contains("KUBE-IPVS-FILTER#6"), chains(d));
    assertNotNull(d.rejectWith());
  }
}
