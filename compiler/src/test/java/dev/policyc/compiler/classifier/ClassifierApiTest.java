package dev.policyc.compiler.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated decision API on the example policies: the accessors a test of a policy reads
 * ({@code dropped()}, {@code forwarded()}, {@code dnat()}, …), the packet builder, and the fast
 * path under a host model. The generated classes are loaded in this JVM, so they are called by
 * reflection here; compiled against them, {@code NatGatewayClassifier.classify(p).dnat()} reads
 * the same.
 */
class ClassifierApiTest {
  private static final List<String> EXAMPLES = List.of("nat-gateway", "host-firewall",
      "dns-notrack");

  private static final Map<String, IrPolicy> POLICIES = new TreeMap<>();
  private static final Map<String, LoadedClassifier> LOADED = new TreeMap<>();

  @BeforeAll
  static void load() throws IOException {
    List<GeneratedClassifier> gen = new ArrayList<>();
    for (String name : EXAMPLES) {
      CheckResult checked = PolicyCompiler.check(
          PolicyCompiler.read(Repo.policies().resolve(name + ".yaml")).policy());
      assertTrue(checked.ok(), checked.diagnostics().toString());
      POLICIES.put(name, checked.ir());
      gen.add(ClassifierGenerator.generate(checked.ir(), "gen.api", "test"));
    }
    List<LoadedClassifier> loaded = ClassifierCompiler.loadAll(gen);
    for (int i = 0; i < EXAMPLES.size(); i++) {
      LOADED.put(EXAMPLES.get(i), loaded.get(i));
    }
  }

  /** The generated decision for a packet, checked against the interpreter's text first. */
  private static Object decide(String policy, String packet) {
    LoadedClassifier c = LOADED.get(policy);
    Object d = c.classify(c.packet(packet));
    IrPolicy ir = POLICIES.get(policy);
    assertEquals(ClassifierText.of(ir, Interpreter.decide(ir, Packet.parse(packet))),
        d.toString(), packet);
    return d;
  }

  @Test
  void thePortForwardOfTheNatGatewayShowsItsRewrite() {
    Object d = decide("nat-gateway", "tcp 198.51.100.7:40000 -> 203.0.113.2:2222 in wan0");
    assertEquals(true, call(d, "forwarded"));
    assertEquals(true, call(d, "accepted"));
    assertEquals(false, call(d, "dropped"));
    assertEquals("10.10.0.5:22", call(d, "dnat"));
    assertEquals("DNAT", call(d, "dnatKind"));
    assertNull(call(d, "snat"));
    assertEquals("lan0", call(d, "outIface"));
    // the published web server keeps the port
    Object web = decide("nat-gateway", "tcp 198.51.100.7:40000 -> 203.0.113.2:443 in wan0");
    assertEquals("10.20.0.80:443", call(web, "dnat"));
    assertEquals("dmz0", call(web, "outIface"));
  }

  @Test
  void theLanIsMasqueradedWithItsMssClamped() {
    Object d = decide("nat-gateway", "tcp 10.10.0.7:40000 -> 198.51.100.9:443 in lan0");
    assertEquals(true, call(d, "forwarded"));
    assertEquals("MASQUERADE", call(d, "snatKind"));
    assertEquals("203.0.113.2:40000", call(d, "snat"));
    assertNull(call(d, "dnat"));
    assertEquals(0, call(d, "mss")); // clamp-to-pmtu
    assertEquals(44, call(d, "length"));
    assertTrue(d.toString().contains("\n  after 203.0.113.2:40000 -> 198.51.100.9:443\n"),
        d.toString());
    // the DMZ gets the fixed address
    Object dmz = decide("nat-gateway", "udp 10.20.0.25:5000 -> 198.51.100.9:53 in dmz0");
    assertEquals("SNAT", call(dmz, "snatKind"));
    assertEquals("203.0.113.2:5000", call(dmz, "snat"));
  }

  @Test
  void routingOfAHostModelDecidesWhereAPacketGoes() {
    Object martian = decide("nat-gateway", "tcp 10.10.0.1:40000 -> 198.51.100.9:443 in lan0");
    assertEquals("MARTIAN", call(martian, "outcomeName"));
    assertEquals(true, call(martian, "dropped"));
    Object ssh = decide("nat-gateway", "tcp 10.10.0.7:40000 -> 10.10.0.1:22 in lan0");
    assertEquals(true, call(ssh, "delivered"));
    Object notForwarded = decide("host-firewall", "tcp 192.0.2.77:40000 -> 198.51.100.1:80 "
        + "in eth0");
    assertEquals("NOT_FORWARDED", call(notForwarded, "outcomeName"));
    // the host sends: the route says the interface
    Object sent = decide("host-firewall", "tcp 192.0.2.10:40000 -> 198.51.100.1:80");
    assertEquals(true, call(sent, "sent"));
    assertEquals("eth0", call(sent, "outIface"));
    // a packet under a host model does not say where it goes
    LoadedClassifier c = LOADED.get("host-firewall");
    assertThrows(IllegalArgumentException.class,
        () -> c.decide("tcp 192.0.2.10:40000 -> 198.51.100.1:80 out eth0"));
  }

  @Test
  void theHostFirewallDropsSshFromOutsideAndLetsTheAdminsIn() {
    Object d = decide("host-firewall", "tcp 203.0.113.9:40000 -> 192.0.2.10:22 in eth0");
    assertEquals(true, call(d, "dropped"));
    assertEquals(false, call(d, "rejected"));
    assertEquals("DROPPED", call(d, "outcomeName"));
    Object admin = decide("host-firewall", "tcp 198.51.100.7:40000 -> 192.0.2.10:22 in eth0");
    assertEquals(true, call(admin, "delivered"));
    assertEquals(true, call(admin, "passes"));
    assertFalse(call(admin, "path").toString().isEmpty());
  }

  @Test
  void notrackLeavesDnsQueriesUntracked() {
    Object d = decide("dns-notrack", "udp 198.51.100.9:5353 -> 192.0.2.53:53 in eth0");
    assertEquals(true, call(d, "delivered"));
    assertEquals(true, call(d, "untracked"));
    assertEquals("untracked", call(d, "stateName"));
    Object tcp = decide("dns-notrack", "tcp 198.51.100.9:40000 -> 192.0.2.53:53 in eth0");
    assertEquals(false, call(tcp, "untracked"));
  }

  @Test
  void theBuilderMakesThePacketTheParserReads() throws ReflectiveOperationException {
    LoadedClassifier c = LOADED.get("host-firewall");
    Object parsed = c.packet("tcp 203.0.113.9:40000 -> 192.0.2.10:22 in eth0");
    Class<?> packet = parsed.getClass();
    Object b = packet.getMethod("builder").invoke(null);
    b = call(b, "tcp");
    b = b.getClass().getMethod("src", String.class).invoke(b, "203.0.113.9");
    b = b.getClass().getMethod("dst", String.class).invoke(b, "192.0.2.10");
    b = b.getClass().getMethod("sport", int.class).invoke(b, 40000);
    b = b.getClass().getMethod("dport", int.class).invoke(b, 22);
    b = b.getClass().getMethod("in", String.class).invoke(b, "eth0");
    Object built = call(b, "build");
    assertEquals(parsed, built);
    assertEquals(true, call(c.classify(built), "dropped"));
    // the fast path under a host model: no output interface
    int outcome = c.verdict(6, 0xcb007109, 0xc000020a, 40000, 22, "eth0", null);
    assertEquals("DROPPED", Interpreter.decide(POLICIES.get("host-firewall"),
        Packet.parse("tcp 203.0.113.9:40000 -> 192.0.2.10:22 in eth0")).outcome().name());
    assertEquals(3, outcome); // Decision.DROPPED
  }

  private static Object call(Object o, String method) {
    try {
      Method m = o.getClass().getMethod(method);
      m.setAccessible(true);
      return m.invoke(o);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("no accessor " + method, e);
    }
  }
}
