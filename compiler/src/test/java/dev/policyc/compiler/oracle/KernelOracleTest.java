package dev.policyc.compiler.oracle;

import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.ir.Decision;
import dev.policyc.compiler.ir.Interpreter;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Packet;
import dev.policyc.compiler.testing.IrShrinker;
import dev.policyc.compiler.testing.Netns;
import dev.policyc.compiler.testing.Property;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel oracle: random policies are loaded into a real firewall namespace and random
 * packets, biased to each policy's boundaries, are sent through it; for every packet the
 * kernel's rule counters, delivery, forwarded frames and answers must equal the reference
 * interpreter's decision. See docs/kernel-oracle.md.
 *
 * <p>CI runs a fixed seed with {@value #POLICIES} policies × {@value #PACKETS} packets. A longer
 * campaign: {@code -Dpolicyc.oracle.policies=1000 -Dpolicyc.seed=random}.
 */
class KernelOracleTest {
  static final int POLICIES = 100;
  static final int PACKETS = 50;

  private static String unavailable;
  private static Topology topo;

  @BeforeAll
  static void setUp() throws IOException {
    unavailable = OracleEnvironment.unavailableReason();
    if (unavailable == null) {
      topo = Topology.create();
    }
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (topo != null) {
      topo.close();
    }
  }

  /** A mismatch found, shrunk, and written to disk. */
  record Mismatch(long seed, IrPolicy policy, Packet packet, String difference, Path repro) {}

  @Test
  void interpreterAgreesWithTheKernel() throws Exception {
    Assumptions.assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
    int policies = Integer.getInteger("policyc.oracle.policies", POLICIES);
    int packets = Integer.getInteger("policyc.oracle.packets", PACKETS);
    long seed = Property.seed(20261128L);
    Campaign c = run(seed, policies, packets);
    String summary = c.summary();
    System.out.println(summary);
    Path out = Path.of("target", "oracle-campaign.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, summary + "\n", StandardCharsets.UTF_8);
    if (!c.mismatches.isEmpty()) {
      Mismatch m = c.mismatches.get(0);
      fail(c.mismatches.size() + " mismatch(es); the first, shrunk, written to " + m.repro()
          + "\n  policy seed " + m.seed() + "\n  packet: " + m.packet() + "\n    "
          + m.difference());
    }
  }

  /** Counts of one campaign. */
  static final class Campaign {
    final long seed;
    long policies;
    long packets;
    long pathsCompared;
    long steps;
    final List<Mismatch> mismatches = new ArrayList<>();
    long started = System.nanoTime();
    final Map<Decision.Outcome, long[]> outcomes = new java.util.EnumMap<>(Decision.Outcome.class);

    Campaign(long seed) {
      this.seed = seed;
    }

    String progress() {
      return String.format("%d policies, %d packets, %d mismatches, %.0f s", policies, packets,
          mismatches.size(), (System.nanoTime() - started) / 1e9);
    }

    String summary() {
      double secs = (System.nanoTime() - started) / 1e9;
      StringBuilder sb = new StringBuilder();
      sb.append(String.format("kernel oracle: seed %d, %d policies, %d packets, %d paths compared"
          + " (%d rule and policy steps), %d mismatches, %.1f s%n", seed, policies, packets,
          pathsCompared, steps, mismatches.size(), secs));
      sb.append("  outcomes:");
      outcomes.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v[0]));
      sb.append(String.format("%n  kernel %s, %s", OracleEnvironment.kernel(),
          OracleEnvironment.iptables()));
      return sb.toString();
    }
  }

  static Campaign run(long seed, int policies, int packets) throws Exception {
    Campaign c = new Campaign(seed);
    Random master = new Random(seed);
    KernelProbe probe = new KernelProbe(topo);
    for (int i = 0; i < policies; i++) {
      long pseed = master.nextLong();
      Random rnd = new Random(pseed);
      IrPolicy generated = new RandomPolicies(rnd).policy(RandomPolicies.Options.KERNEL);
      IrPolicy policy = new IrPolicy("oracle-" + i, Topology.hostModel(), generated.sets(),
          generated.ipv4(), generated.ipv6());
      RandomPackets gen = new RandomPackets(rnd, policy);
      List<Packet> list = new ArrayList<>();
      for (int k = 0; k < packets; k++) {
        list.add(OraclePackets.realize(rnd, gen.next()));
      }
      c.policies++;
      if (policies > POLICIES && c.policies % 100 == 0) {
        System.out.println("  ... " + c.progress());
      }
      probe.load(policy);
      Interpreter session = Interpreter.session(policy);
      for (Packet p : list) {
        Decision d = session.decide(p);
        KernelProbe.Observation o = probe.probe(p);
        c.packets++;
        c.pathsCompared++;
        c.steps += d.path().size();
        c.outcomes.computeIfAbsent(d.outcome(), k -> new long[1])[0]++;
        String diff = Compare.check(p, d, o, null);
        if (diff != null && needsLateFrames(d, o)) {
          diff = Compare.check(p, d, o, probe.lateFrames());
        }
        if (diff != null) {
          c.mismatches.add(shrinkAndWrite(probe, pseed, policy, p, diff));
          if (c.mismatches.size() >= 3) {
            return c;
          }
          break; // the rest of this policy's packets would repeat the story
        }
      }
    }
    return c;
  }

  private static boolean needsLateFrames(Decision d, KernelProbe.Observation o) {
    return (d.outcome() == Decision.Outcome.FORWARDED || d.outcome() == Decision.Outcome.SENT)
        && o.atClient().isEmpty() && o.atServer().isEmpty();
  }

  /** Whether one packet still shows a mismatch on a (fresh) load of the policy. */
  private static String mismatch(KernelProbe probe, IrPolicy policy, Packet p) throws Exception {
    probe.load(policy);
    Decision d = Interpreter.session(policy).decide(p);
    KernelProbe.Observation o = probe.probe(p);
    String diff = Compare.check(p, d, o, null);
    if (diff != null && needsLateFrames(d, o)) {
      diff = Compare.check(p, d, o, probe.lateFrames());
    }
    return diff;
  }

  private static Mismatch shrinkAndWrite(KernelProbe probe, long seed, IrPolicy policy, Packet p,
      String diff) throws Exception {
    IrPolicy small = policy;
    String smallDiff = mismatch(probe, policy, p);
    if (smallDiff == null) {
      // depends on earlier packets of the session (a stateful match); keep it unshrunk
      smallDiff = diff + "\n    (not reproduced on a fresh load: depends on earlier packets)";
    } else {
      int budget = 400;
      boolean progress = true;
      while (progress && budget > 0) {
        progress = false;
        for (IrPolicy cand : IrShrinker.candidates(small)) {
          if (--budget <= 0) {
            break;
          }
          String d = mismatch(probe, cand, p);
          if (d != null) {
            small = cand;
            smallDiff = d;
            progress = true;
            break;
          }
        }
      }
    }
    Path dir = Repro.write(seed, small, p, smallDiff);
    return new Mismatch(seed, small, p, smallDiff, dir);
  }

  static void requireAvailable() {
    Assumptions.assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
  }

  static Map<String, String> files(IrPolicy p) {
    return PolicyCompiler.emit(p, p.name(), List.of());
  }

  static Netns fw() {
    return topo.fw;
  }
}
