package dev.policyc.compiler.oracle;

import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.optimize.PassManager;
import dev.policyc.compiler.optimize.Passes;
import dev.policyc.compiler.testing.IrShrinker;
import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.RandomHostModels;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.testing.Property;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The kernel oracle: random policies are loaded into a real firewall namespace and random
 * packets, biased to each policy's boundaries, are sent through it; for every packet the
 * kernel's rule counters, delivery, forwarded frames and answers must equal the reference
 * interpreter's decision. Every other policy is longer, with many rules alike, and goes through
 * the {@code -O2} passes (decision trees from a few rules on, so that they are built) before it
 * is loaded: the optimized rules must agree with the kernel as the rules as written do. See
 * docs/kernel-oracle.md.
 *
 * <p>CI runs a fixed seed with {@value #POLICIES} policies × {@value #PACKETS} packets, in
 * {@value #WORKERS} topologies at a time. A longer campaign: {@code
 * -Dpolicyc.oracle.policies=1000 -Dpolicyc.seed=random} ({@code -Dpolicyc.oracle.workers=N}).
 */
@ResourceLock("netns")
class KernelOracleTest {
  static final int POLICIES = 80;

  /** The policies that go through the -O2 passes: longer chains, many rules alike. */
  static final RandomPolicies.Options OPTIMIZED =
      RandomPolicies.Options.KERNEL.withSimilar(50).withMaxRules(16);
  static final int PACKETS = 50;

  /** How many policies run in one topology before the next host model gets its own. */
  static final int POLICIES_PER_HOST = 20;

  /** Topologies probed at the same time, each by its own thread. */
  static final int WORKERS = 2;

  private static String unavailable;

  @BeforeAll
  static void setUp() {
    unavailable = OracleEnvironment.unavailableReason();
  }

  /** A mismatch found, shrunk, and written to disk. */
  record Mismatch(long seed, IrPolicy policy, Packet packet, String difference, Path repro) {}

  @Test
  void interpreterAgreesWithTheKernel() throws Exception {
    KernelTests.assume(unavailable);
    int policies = Integer.getInteger("policyc.oracle.policies", POLICIES);
    int packets = Integer.getInteger("policyc.oracle.packets", PACKETS);
    int perHost = Integer.getInteger("policyc.oracle.policiesPerHost", POLICIES_PER_HOST);
    int workers = Integer.getInteger("policyc.oracle.workers", WORKERS);
    long seed = Property.seed(20261128L);
    Campaign c = run(seed, policies, packets, perHost, workers);
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

  /** Counts of one campaign; workers add to it under its lock. */
  static final class Campaign {
    final long seed;
    long policies;
    long packets;
    long pathsCompared;
    long hosts;
    long steps;
    long optimized;
    final List<Mismatch> mismatches = new ArrayList<>();
    final long started = System.nanoTime();
    final Map<Decision.Outcome, long[]> outcomes = new EnumMap<>(Decision.Outcome.class);

    Campaign(long seed) {
      this.seed = seed;
    }

    synchronized boolean enough() {
      return mismatches.size() >= 3;
    }

    synchronized void add(Campaign part) {
      policies += part.policies;
      packets += part.packets;
      pathsCompared += part.pathsCompared;
      hosts += part.hosts;
      steps += part.steps;
      optimized += part.optimized;
      mismatches.addAll(part.mismatches);
      part.outcomes.forEach((k, v) -> outcomes.computeIfAbsent(k, x -> new long[1])[0] += v[0]);
    }

    synchronized String progress() {
      return String.format("%d policies, %d packets, %d mismatches, %.0f s", policies, packets,
          mismatches.size(), (System.nanoTime() - started) / 1e9);
    }

    synchronized String summary() {
      double secs = (System.nanoTime() - started) / 1e9;
      StringBuilder sb = new StringBuilder();
      sb.append(String.format("kernel oracle: seed %d, %d policies (%d through the -O2 passes)"
          + " in %d topologies, %d packets, %d paths compared (%d rule and policy steps),"
          + " %d mismatches, %.1f s%n", seed, policies, optimized, hosts, packets, pathsCompared,
          steps, mismatches.size(), secs));
      sb.append("  outcomes:");
      outcomes.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v[0]));
      sb.append(String.format("%n  kernel %s, %s", OracleEnvironment.kernel(),
          OracleEnvironment.iptables()));
      return sb.toString();
    }
  }

  /**
   * The policies of one topology: its host model (null for the standard one) and the seed of
   * each policy.
   */
  private record Group(HostModel host, List<Long> policySeeds) {}

  /**
   * Runs a campaign: the first {@code perHost} policies in the standard topology, each following
   * group in the topology of a new random host model. The groups are drawn from the seed first
   * (so the campaign is the same whatever the number of workers) and then run by {@code
   * workers} threads, each in topologies of its own: the packets spend most of their time
   * waiting for the kernel and for the tools, which other topologies can use.
   */
  static Campaign run(long seed, int policies, int packets, int perHost, int workers)
      throws Exception {
    Random master = new Random(seed);
    List<Group> groups = new ArrayList<>();
    for (int i = 0; i < policies; i++) {
      if (i % perHost == 0) {
        HostModel host = i == 0 ? null
            : new RandomHostModels(new Random(master.nextLong())).next();
        groups.add(new Group(host, new ArrayList<>()));
      }
      groups.get(groups.size() - 1).policySeeds().add(master.nextLong());
    }
    Campaign c = new Campaign(seed);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers));
    try {
      List<Future<Campaign>> parts = new ArrayList<>();
      for (Group g : groups) {
        parts.add(pool.submit(() -> runGroup(c, g, packets, policies > POLICIES)));
      }
      for (Future<Campaign> f : parts) {
        c.add(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    return c;
  }

  /** Runs the policies of one group in a topology of its own; its counts. */
  private static Campaign runGroup(Campaign whole, Group g, int packets, boolean progress)
      throws Exception {
    Campaign c = new Campaign(whole.seed);
    if (whole.enough()) {
      return c;
    }
    try (Topology topo = Topology.create(g.host() == null ? Topology.standardHost()
        : g.host())) {
      KernelProbe probe = new KernelProbe(topo);
      c.hosts++;
      for (long pseed : g.policySeeds()) {
        Random rnd = new Random(pseed);
        boolean optimized = (pseed & 1) == 1;
        IrPolicy generated = new RandomPolicies(rnd).policy(optimized ? OPTIMIZED
            : RandomPolicies.Options.KERNEL);
        IrPolicy policy = new IrPolicy("oracle-" + pseed, topo.host, generated.sets(),
            generated.ipv4(), generated.ipv6());
        if (optimized) {
          policy = new PassManager(Passes.forTesting(OptLevel.O2), null)
              .run(policy, new Reporter()).ir();
          c.optimized++;
        }
        RandomPackets gen = new RandomPackets(rnd, policy);
        List<Packet> list = new ArrayList<>();
        for (int k = 0; k < packets; k++) {
          list.add(OraclePackets.realize(rnd, gen.next(), topo.host));
        }
        c.policies++;
        probe.load(policy);
        Interpreter session = Interpreter.session(policy);
        for (Packet p : list) {
          Decision d = session.decide(p);
          topo.neighbourFor(d);
          KernelProbe.Observation o = probe.probe(p);
          c.packets++;
          c.pathsCompared++;
          c.steps += d.path().size();
          c.outcomes.computeIfAbsent(d.outcome(), k -> new long[1])[0]++;
          String diff = Compare.check(topo.host, p, d, o, null);
          if (diff != null && needsLateFrames(d, o)) {
            diff = Compare.check(topo.host, p, d, o, probe.lateFrames());
          }
          if (diff != null) {
            c.mismatches.add(shrinkAndWrite(topo, probe, pseed, policy, p, diff));
            break; // the rest of this policy's packets would repeat the story
          }
        }
        if (whole.enough() || c.mismatches.size() >= 3) {
          break;
        }
      }
    }
    if (progress) {
      System.out.println("  ... a topology done: " + c.policies + " policies, " + c.packets
          + " packets, " + c.mismatches.size() + " mismatches");
    }
    return c;
  }

  private static boolean needsLateFrames(Decision d, KernelProbe.Observation o) {
    return (d.outcome() == Decision.Outcome.FORWARDED || d.outcome() == Decision.Outcome.SENT)
        && o.noFrames();
  }

  /** Whether one packet still shows a mismatch on a (fresh) load of the policy. */
  private static String mismatch(Topology topo, KernelProbe probe, IrPolicy policy, Packet p)
      throws Exception {
    probe.load(policy);
    Decision d = Interpreter.session(policy).decide(p);
    topo.neighbourFor(d);
    KernelProbe.Observation o = probe.probe(p);
    String diff = Compare.check(topo.host, p, d, o, null);
    if (diff != null && needsLateFrames(d, o)) {
      diff = Compare.check(topo.host, p, d, o, probe.lateFrames());
    }
    return diff;
  }

  private static Mismatch shrinkAndWrite(Topology topo, KernelProbe probe, long seed, IrPolicy policy, Packet p,
      String diff) throws Exception {
    IrPolicy small = policy;
    String smallDiff = mismatch(topo, probe, policy, p);
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
          String d = mismatch(topo, probe, cand, p);
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
}
