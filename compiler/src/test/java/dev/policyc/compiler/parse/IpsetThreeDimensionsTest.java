package dev.policyc.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.emit.ipset.IpsetEmitter;
import dev.policyc.compiler.interp.Decision.Outcome;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.SetCubes;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Code;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kube-proxy's three-dimensional ipsets, {@code hash:ip,port,ip} and {@code hash:ip,port,net}:
 * read from {@code ipset restore} text, and matched as the kernel does: the first direction
 * gives the address, the second the port (with the protocol), the third the second address; a
 * match with fewer directions than the set's three never holds.
 */
class IpsetThreeDimensionsTest {
  private static final String SETS = """
      create LOOP hash:ip,port,ip family inet hashsize 1024 maxelem 65536 -exist
      create SRC-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536 -exist
      add LOOP 10.180.0.7,tcp:8080,10.180.0.7 -exist
      add LOOP 10.0.0.1,udp:53,10.0.0.5
      add SRC-CIDR 198.51.100.20,tcp:443,192.168.0.0/16 -exist
      add SRC-CIDR 198.51.100.20,443,203.0.113.0/24
      """;

  @Test
  void theReaderKeepsTheThirdElement() throws ParseException {
    List<IpSet> sets = IpsetReader.read("ipset.rules", SETS);
    IpSet loop = sets.get(0);
    assertEquals(IpSet.Type.HASH_IP_PORT_IP, loop.type());
    assertEquals(3, loop.type().dimensions());
    assertEquals(new IpSet.Entry(IpRange.parse("10.0.0.1"), Protocols.UDP,
        new PortRange(53, 53), IpRange.parse("10.0.0.5")),
        loop.entries().get(1));
    IpSet cidr = sets.get(1);
    assertEquals(IpSet.Type.HASH_IP_PORT_NET, cidr.type());
    assertEquals(IpRange.parse("192.168.0.0/16"), cidr.entries().get(0).addr2());
    // the protocol defaults to tcp, as ipset's does
    assertEquals(Protocols.TCP, cidr.entries().get(1).proto());
    assertEquals(IpRange.parse("203.0.113.0/24"), cidr.entries().get(1).addr2());
    // the two-dimensional types have no third element
    IpSet two = IpsetReader.read("s", "create P hash:ip,port\nadd P 10.0.0.1,tcp:80\n").get(0);
    assertNull(two.entries().get(0).addr2());
  }

  @Test
  void badThirdElementsAreErrorsAtTheirLine() {
    String create = "create S hash:ip,port,net family inet\n";
    assertBad(create + "add S 10.0.0.1,tcp:80\n", 2, "missing the third element (',net')");
    assertBad(create + "add S 10.0.0.1,tcp:80,0.0.0.0/0\n", 2, "cannot be /0");
    assertBad(create + "add S 10.0.0.1,tcp:80,2001:db8::/32\n", 2,
        "is not of the set's family");
    assertBad("create S hash:ip,port,ip\nadd S 10.0.0.1,tcp:80,nope\n", 2, "bad member");
  }

  private static void assertBad(String text, int line, String message) {
    ParseException e = assertThrows(ParseException.class, () -> IpsetReader.read("f", text));
    assertEquals(Code.PC8009, e.diagnostic().code());
    assertEquals(line, e.pos().line());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  /** filter INPUT drops what the set match holds for; everything else is delivered. */
  private static Outcome decide(String match, String packet) throws ParseException {
    String rules = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set " + match
        + " -j DROP\nCOMMIT\n";
    IrPolicy p = new IrPolicy("t", null, IpsetReader.read("ipset.rules", SETS),
        IptablesSaveReader.read("t", rules, Family.IPV4), new Ruleset(Family.IPV6, List.of()));
    return Interpreter.decide(p, Packet.parse(packet)).outcome();
  }

  @Test
  void hashIpPortIpMatchesEachElementInItsDirection() throws ParseException {
    // kube-proxy's hairpin match: destination address and port, source address
    assertEquals(Outcome.DROPPED,
        decide("LOOP dst,dst,src", "tcp 10.180.0.7:40000 -> 10.180.0.7:8080 in eth0"));
    assertEquals(Outcome.DELIVERED,
        decide("LOOP dst,dst,src", "tcp 10.180.0.8:40000 -> 10.180.0.7:8080 in eth0"));
    assertEquals(Outcome.DELIVERED,
        decide("LOOP dst,dst,src", "tcp 10.180.0.7:40000 -> 10.180.0.7:8081 in eth0"));
    assertEquals(Outcome.DELIVERED,
        decide("LOOP dst,dst,src", "udp 10.180.0.7:40000 -> 10.180.0.7:8080 in eth0"));
    // the other direction: source address and port, destination address
    assertEquals(Outcome.DROPPED,
        decide("LOOP src,src,dst", "udp 10.0.0.1:53 -> 10.0.0.5:40000 in eth0"));
    assertEquals(Outcome.DELIVERED,
        decide("LOOP dst,dst,src", "udp 10.0.0.1:53 -> 10.0.0.5:40000 in eth0"));
    // mixed: the port is the source port, the addresses the destination and the source
    assertEquals(Outcome.DROPPED,
        decide("LOOP dst,src,src", "udp 10.0.0.5:53 -> 10.0.0.1:9 in eth0"));
    // fewer directions than the set's dimensions: ip_set_test does not match
    assertEquals(Outcome.DELIVERED,
        decide("LOOP dst,dst", "tcp 10.180.0.7:40000 -> 10.180.0.7:8080 in eth0"));
  }

  @Test
  void hashIpPortNetMatchesTheThirdElementAsANetwork() throws ParseException {
    String to = " -> 198.51.100.20:443 in eth0";
    assertEquals(Outcome.DROPPED, decide("SRC-CIDR dst,dst,src", "tcp 192.168.200.1:40000" + to));
    assertEquals(Outcome.DROPPED, decide("SRC-CIDR dst,dst,src", "tcp 203.0.113.255:40000" + to));
    assertEquals(Outcome.DELIVERED, decide("SRC-CIDR dst,dst,src", "tcp 198.18.0.1:40000" + to));
    assertEquals(Outcome.DELIVERED,
        decide("SRC-CIDR dst,dst,src", "tcp 192.168.200.1:40000 -> 198.51.100.20:444 in eth0"));
    // the reply direction
    assertEquals(Outcome.DROPPED,
        decide("SRC-CIDR src,src,dst", "tcp 198.51.100.20:443 -> 192.168.3.4:40000 in eth0"));
    assertEquals(Outcome.DELIVERED,
        decide("SRC-CIDR src,src,dst", "tcp 198.51.100.20:443 -> 10.3.4.5:40000 in eth0"));
  }

  @Test
  void thePacketSpaceKeepsTheThirdElementAndTheEmitterRefusesThem() throws ParseException {
    IpSet loop = IpsetReader.read("ipset.rules", SETS).get(0);
    // KUBE-LOOP-BACK dst,dst,src: the destination is the endpoint and the source too
    List<Cube> cubes = SetCubes.of(loop, List.of(Side.DST, Side.DST, Side.SRC), Family.IPV4);
    assertFalse(cubes.isEmpty());
    for (Cube c : cubes) {
      assertFalse(c.get(Field.SRC).isFull(), c.toString());
      assertFalse(c.get(Field.DST).isFull(), c.toString());
    }
    // the ipset emitter does not write them (policies cannot declare them)
    assertThrows(IllegalArgumentException.class, () -> IpsetEmitter.emit(List.of(loop), "t"));
  }

  @Test
  void aPolicyCannotDeclareThem() throws Exception {
    String text = Files.readString(Repo.policies().resolve("blocklist-sets.yaml"))
        .replace("type: hash:net\n", "type: \"hash:ip,port,net\"\n");
    PolicyCompiler.ReadResult read = PolicyCompiler.read("p.yaml", text);
    assertNotNull(read.policy(), read.diagnostics().toString());
    Compilation c = PolicyCompiler.compile(read.policy());
    assertTrue(!c.ok() && c.diagnostics().stream().anyMatch(d -> d.code() == Code.PC2011
        && d.message().contains("'hash:ip,port,net' is read (explain --ipsets)")),
        c.diagnostics().toString());
  }
}
