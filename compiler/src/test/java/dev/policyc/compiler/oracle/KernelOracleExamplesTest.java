package dev.policyc.compiler.oracle;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bundled example policies under the kernel oracle, each in the topology of its own host
 * model (the standard one when it declares none), compiled at {@code -O0} and at {@code -O2}:
 * packets biased to each policy's boundaries must get the same path and outcome from the kernel
 * as from the interpreter on the rules of that level.
 */
@ResourceLock("netns")
class KernelOracleExamplesTest {
  /** Packets per example and level. */
  private static final int PACKETS = 60;
  /** The policy is reloaded this often, so that its rate limits start full again. */
  private static final int RELOAD_EVERY = 10;

  private static String unavailable;

  @BeforeAll
  static void setUp() {
    unavailable = OracleEnvironment.unavailableReason();
  }

  static Stream<Arguments> examples() throws IOException {
    try (Stream<Path> s = Files.list(Repo.policies())) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream()
          .flatMap(p -> Stream.of(Arguments.of(p, OptLevel.O0), Arguments.of(p, OptLevel.O2)));
    }
  }

  @ParameterizedTest(name = "{0} -{1}")
  @MethodSource("examples")
  void theKernelAgreesWithTheInterpreterOnTheExample(Path file, OptLevel level)
      throws Exception {
    KernelTests.assume(unavailable);
    PolicyCompiler.ReadResult read = PolicyCompiler.read(file.getFileName().toString(),
        Files.readString(file, StandardCharsets.UTF_8));
    assertTrue(read.diagnostics().isEmpty(), read.diagnostics().toString());
    Compilation r = PolicyCompiler.compile(read.policy(), new CompileOptions(level));
    assertTrue(r.ok(), r.diagnostics().toString());
    IrPolicy ir = r.ir();
    IrPolicy policy = ir.host() != null ? ir
        : new IrPolicy(ir.name(), Topology.standardHost(), ir.sets(), ir.ipv4(), ir.ipv6());
    Random rnd = new Random(file.getFileName().toString().hashCode() + level.number());
    RandomPackets gen = new RandomPackets(rnd, policy);
    try (Topology topo = Topology.create(policy.host())) {
      KernelProbe probe = new KernelProbe(topo);
      Interpreter session = null;
      for (int k = 0; k < PACKETS; k++) {
        if (k % RELOAD_EVERY == 0) {
          probe.load(policy);
          session = Interpreter.session(policy);
        }
        Packet p = OraclePackets.realize(rnd, gen.next(), policy.host());
        Decision d = session.decide(p);
        topo.neighbourFor(d);
        KernelProbe.Observation o = probe.probe(p);
        String diff = Compare.check(policy.host(), p, d, o, null);
        if (diff != null && d.outcome().passes() && o.noFrames()) {
          diff = Compare.check(policy.host(), p, d, o, probe.lateFrames());
        }
        String shown = diff;
        assertNull(diff, () -> file.getFileName() + " -" + level + ": kernel and interpreter differ for packet "
            + p + "\n    " + shown + "\n    interpreter: " + d.outcome() + " " + d.path());
      }
    }
  }
}
