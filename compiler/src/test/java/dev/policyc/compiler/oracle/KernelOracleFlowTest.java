package dev.policyc.compiler.oracle;

import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.FlowLine;
import dev.policyc.compiler.interp.FlowSession;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.RandomFlows;
import dev.policyc.compiler.testing.RandomHostModels;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.testing.Property;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The kernel oracle for flows: random flows (2 to 10 packets, answers included) go through
 * random policies loaded in a real firewall namespace, in order and without emptying the
 * conntrack table between the packets of a flow, and every packet's kernel path, delivery,
 * frames and answers must equal the flow session's decision. The table is emptied before each
 * flow, in the kernel ({@code conntrack -F}) and in the session ({@link FlowSession#flush()});
 * the rules stay loaded for all the flows of a policy, so limit buckets and nth counters carry
 * over in both. TCP windows are left out of it ({@code nf_conntrack_tcp_be_liberal}); what the
 * flows leave out is said at {@link RandomFlows#forKernel}. See docs/kernel-oracle.md.
 *
 * <p>CI runs a fixed seed with {@value #POLICIES} policies × {@value #FLOWS} flows. A longer
 * campaign: {@code -Dpolicyc.oracle.flowPolicies=1000 -Dpolicyc.seed=random}.
 */
@ResourceLock("netns")
class KernelOracleFlowTest {
  static final int POLICIES = 20;
  static final int FLOWS = 10;
  static final int POLICIES_PER_HOST = 10;

  private static String unavailable;

  @BeforeAll
  static void setUp() {
    unavailable = OracleEnvironment.unavailableReason();
  }

  /**
   * Where the kernel picks a source NAT port at random (a range without the packet's port), the
   * session takes the range's first port; the kernel's pick, from its conntrack table, replaces
   * it, so that answers and later packets go to the port the kernel uses. A port outside the
   * range, or none, stays a difference for {@link Compare} to report.
   */
  static FlowSession.Result kernelsSourcePort(FlowSession session, KernelProbe probe,
      FlowSession.Result r) throws java.io.IOException {
    Decision.Nat n = r.decision().snat();
    if (r.event() != FlowSession.Event.CREATED || n == null || n.ports() == null
        || n.ports().isSingle() || !r.decision().after().hasPorts()) {
      return r;
    }
    int port = probe.natSourcePort(r.packet());
    return n.ports().contains(port) ? session.sourcePortPicked(port) : r;
  }

  @Test
  void flowSessionsAgreeWithTheKernel() throws Exception {
    KernelTests.assume(unavailable);
    int policies = Integer.getInteger("policyc.oracle.flowPolicies", POLICIES);
    int flows = Integer.getInteger("policyc.oracle.flows", FLOWS);
    int perHost = Integer.getInteger("policyc.oracle.policiesPerHost", POLICIES_PER_HOST);
    long seed = Property.seed(20261206L);
    Random master = new Random(seed);
    long started = System.nanoTime();
    long policiesRun = 0;
    long flowsSent = 0;
    long packets = 0;
    long hosts = 0;
    Map<Decision.Outcome, long[]> outcomes = new EnumMap<>(Decision.Outcome.class);
    Map<FlowSession.Event, long[]> events = new EnumMap<>(FlowSession.Event.class);
    String mismatch = null;
    Topology topo = null;
    try {
      for (int i = 0; i < policies && mismatch == null; i++) {
        if (i % perHost == 0) {
          if (topo != null) {
            topo.close();
          }
          HostModel model = i == 0 ? Topology.standardHost()
              : new RandomHostModels(new Random(master.nextLong())).next();
          topo = Topology.create(model);
          hosts++;
        }
        KernelProbe probe = new KernelProbe(topo);
        long pseed = master.nextLong();
        Random rnd = new Random(pseed);
        IrPolicy generated = new RandomPolicies(rnd).policy(RandomPolicies.Options.KERNEL);
        HostModel host = topo.host;
        IrPolicy policy = new IrPolicy("flows-" + pseed, host, generated.sets(),
            generated.ipv4(), generated.ipv6());
        probe.load(policy);
        // conntrack's sysctls exist once a policy has loaded it; without, nothing is tracked
        topo.fw.tryRun("sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_be_liberal=1");
        policiesRun++;
        FlowSession session = new FlowSession(policy);
        RandomFlows gen = RandomFlows.forKernel(rnd, policy,
            p -> OraclePackets.realize(rnd, p, host));
        for (int f = 0; f < flows && mismatch == null; f++) {
          session.flush();
          gen.restart();
          flowsSent++;
          int length = 2 + rnd.nextInt(9);
          List<String> lines = new ArrayList<>();
          FlowSession.Result previous = null;
          for (int k = 0; k < length; k++) {
            String line = gen.next(previous);
            FlowSession.Result r = session.decide(FlowLine.parse(line));
            lines.add(line + "\n        as " + r.packet() + " => " + r.decision().outcome()
                + " " + r.event());
            topo.neighbourFor(r.decision());
            KernelProbe.Observation o = probe.probe(r.packet(), k == 0, Map.of());
            r = kernelsSourcePort(session, probe, r);
            packets++;
            outcomes.computeIfAbsent(r.decision().outcome(), x -> new long[1])[0]++;
            events.computeIfAbsent(r.event(), x -> new long[1])[0]++;
            String diff = Compare.check(host, r.packet(), r.decision(), o, null);
            if (diff != null && r.decision().outcome().passes() && o.noFrames()) {
              diff = Compare.check(host, r.packet(), r.decision(), o, probe.lateFrames());
            }
            if (diff != null) {
              mismatch = "policy seed " + pseed + ", flow " + (f + 1) + ", packet " + (k + 1)
                  + ":\n    " + diff + "\n    interpreter path: " + r.decision().path()
                  + "\n    flow:\n      " + String.join("\n      ", lines)
                  + "\n    host: " + host + "\n" + (IptablesEmitter.emit(policy.ipv4(), "p")
                  + IptablesEmitter.emit(policy.ipv6(), "p")).indent(4);
              break;
            }
            previous = r;
          }
        }
      }
    } finally {
      if (topo != null) {
        topo.close();
      }
    }
    StringBuilder summary = new StringBuilder(String.format("kernel oracle flows: seed %d, %d"
        + " policies in %d topologies, %d flows, %d packets, %d mismatches, %.1f s%n", seed,
        policiesRun, hosts, flowsSent, packets, mismatch == null ? 0 : 1,
        (System.nanoTime() - started) / 1e9));
    summary.append("  outcomes:");
    outcomes.forEach((k, v) -> summary.append(' ').append(k).append('=').append(v[0]));
    summary.append("\n  conntrack:");
    events.forEach((k, v) -> summary.append(' ').append(k).append('=').append(v[0]));
    summary.append(String.format("%n  kernel %s, %s", OracleEnvironment.kernel(),
        OracleEnvironment.iptables()));
    System.out.println(summary);
    Path out = Path.of("target", "oracle-flows.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, summary + "\n" + (mismatch == null ? "" : mismatch + "\n"),
        StandardCharsets.UTF_8);
    if (mismatch != null) {
      fail("kernel and flow session differ: " + mismatch);
    }
  }
}
