package dev.policyc.compiler.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchImporter;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.TcpFlag;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A generated ClassBench set of 100,000 filters makes a classifier whose class files stay within
 * HotSpot's and the JVM's limits (every method under 8,000 bytes of bytecode, constant pools
 * small: the rules are in the table resource), and that decides a generated trace as the
 * interpreter does (1,000 packets of a generated trace).
 */
class LargePolicyClassifierTest {
  private static final int RULES = 100_000;

  @Test
  void aHundredThousandRulesStayWithinTheClassFileLimits() throws IOException {
    long t0 = System.nanoTime();
    List<ClassBenchFilter> filters = ClassBenchGenerator.generate(RULES, 20261206L);
    CheckResult checked = PolicyCompiler.check(
        ClassBenchImporter.toPolicy("gen100k", "generated", filters).policy(),
        CheckOptions.forCompile());
    assertTrue(checked.ok(), checked.diagnostics().toString());
    IrPolicy ir = checked.ir();
    long t1 = System.nanoTime();
    GeneratedClassifier g = ClassifierGenerator.generate(ir, "gen.large", "test");
    long t2 = System.nanoTime();
    LoadedClassifier c = ClassifierCompiler.load(g);
    long t3 = System.nanoTime();
    int tables = g.resources().values().iterator().next().length();
    int maxCode = 0;
    int maxPool = 0;
    for (Map.Entry<String, byte[]> e : c.classFiles().entrySet()) {
      ClassFiles cf = ClassFiles.read(e.getValue());
      maxPool = Math.max(maxPool, cf.constantPool());
      for (Map.Entry<String, Integer> m : cf.codeLengths().entrySet()) {
        maxCode = Math.max(maxCode, m.getValue());
        assertTrue(m.getValue() < 8000, e.getKey() + "." + m.getKey() + ": " + m.getValue()
            + " bytes of bytecode");
      }
    }
    assertTrue(c.classFiles().size() >= 5, c.classFiles().keySet().toString());
    assertTrue(maxPool < 1000, "constant pool of " + maxPool + " entries");
    // about 230 bytes of base64 a rule (program, origin, comment and tree copies)
    assertTrue(tables < 300 * RULES, tables + " bytes of tables");

    List<ClassBenchTraceGenerator.Header> trace =
        ClassBenchTraceGenerator.generate(filters, 1_000, 5);
    Interpreter interp = new Interpreter(ir);
    int matched = 0;
    for (ClassBenchTraceGenerator.Header h : trace) {
      Packet p = packet(h);
      Decision d = interp.decide(p); // a linear scan of 100,000 rules: the test's slow part
      String want = ClassifierText.of(ir, d);
      assertEquals(want, c.decide(p.toString()), p.toString());
      int verdict = c.verdict(h.proto(), (int) h.src(), (int) h.dst(), p.sport(), p.dport(),
          "eth0", null);
      assertEquals(d.outcome().ordinal(), verdict, p.toString());
      matched += verdict == Decision.Outcome.DELIVERED.ordinal() ? 1 : 0;
    }
    assertTrue(matched > 500, matched + " of 1000 packets matched a filter");
    System.out.printf("classifier of %d rules: lowering %d ms, generation %d ms, javac %d ms, "
        + "%d bytes of tables, largest method %d bytes, largest constant pool %d%n", RULES,
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, tables, maxCode,
        maxPool);
  }

  /** A trace header as ClassBench's importer means it: a new connection's first packet. */
  static Packet packet(ClassBenchTraceGenerator.Header h) {
    int proto = h.proto();
    boolean ports = Protocols.hasPorts(proto) || proto == Protocols.UDPLITE;
    return new Packet(Family.IPV4, IpAddr.v4(h.src()), IpAddr.v4(h.dst()), proto,
        ports ? h.sport() : 0, ports ? h.dport() : 0, proto == Protocols.ICMP ? 8 : 0, 0,
        proto == Protocols.TCP ? TcpFlag.SYN.bit() : 0, ClassBenchImporter.INTERFACE, null,
        ConnState.NEW, 0, 0, 0, Packet.defaultLength(Family.IPV4, proto), 64, false, 0, 0);
  }
}
