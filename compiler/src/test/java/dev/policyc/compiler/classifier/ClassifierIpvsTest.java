package dev.policyc.compiler.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.IpvsState;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.IpvsProtocol;
import dev.policyc.compiler.ipvs.Persistence;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.SchedFlags;
import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.testing.RandomHostModels;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.testing.Property;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The generated classifier of a host that runs IPVS decides as the interpreter does, packet after
 * packet: one interpreter and one classifier see the same sequence, so the schedulers' state,
 * the persistence templates and the connection entries (which answers from real servers meet)
 * are compared too. The policies are the interpreter's own IPVS test policies, the ipvs example,
 * and random ones: random rules (half with a random host model) and random services (TCP, UDP,
 * SCTP and fwmark; every scheduler; persistence; masq, gate and ipip; weights and thresholds),
 * asked about packets to the virtual services, answers from the real servers, the host's own
 * requests and other traffic.
 */
class ClassifierIpvsTest {
  private static final int BATCH = 50;
  private static final int PACKETS = 40;
  /**
   * Packets compared; scheduled to a real server, with a persistence template, none available,
   * answers put back; fast-path verdicts compared; schedulers seen (bits).
   */
  private static final long[] SEEN = new long[7];

  @Test
  void theInterpretersIpvsPoliciesDecideAlike() throws Exception {
    List<String> texts = List.of(
        policyOf("dev.policyc.compiler.interp.IpvsInterpreterTest"),
        policyOf("dev.policyc.compiler.interp.IpvsLocalOutTest"),
        Files.readString(Repo.root().resolve("compiler/src/test/resources/ipvs/director/"
            + "policy.yaml")));
    List<IrPolicy> policies = new ArrayList<>();
    List<IpvsConfig> configs = new ArrayList<>();
    List<GeneratedClassifier> gen = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      Policy p = PolicyCompiler.read("p" + i + ".yaml", texts.get(i)).policy();
      CheckResult c = PolicyCompiler.check(p);
      assertTrue(c.ok(), c.diagnostics().toString());
      IpvsConfig ipvs = PolicyCompiler.ipvs(p).config();
      policies.add(c.ir());
      configs.add(ipvs);
      gen.add(ClassifierGenerator.generate(c.ir(), ipvs, "gen.known", "P" + i + "Classifier",
          "test"));
    }
    List<LoadedClassifier> loaded = ClassifierCompiler.loadAll(gen);
    Arrays.fill(SEEN, 0);
    for (int i = 0; i < texts.size(); i++) {
      // one long sequence each: the classifier's IPVS state lives as long as its class
      String failure = compare(policies.get(i), configs.get(i), loaded.get(i), 1 + i, 400);
      if (failure != null) {
        fail("policy " + i + ": " + failure);
      }
    }
    // scheduled, by a template, answers (no service of these lacks an available server)
    assertTrue(SEEN[1] >= 50 && SEEN[2] >= 5 && SEEN[4] >= 5,
        "features seen: " + Arrays.toString(SEEN));
  }

  @Test
  void randomIpvsPoliciesDecideAsTheInterpreter() {
    long seed = Property.seed(20261207);
    int trials = Property.trials(400);
    long[] seeds = ClassifierTest.seeds(seed, trials);
    Arrays.fill(SEEN, 0);
    long start = System.nanoTime();
    for (int from = 0; from < trials; from += BATCH) {
      int to = Math.min(trials, from + BATCH);
      List<IrPolicy> policies = new ArrayList<>();
      List<IpvsConfig> configs = new ArrayList<>();
      List<GeneratedClassifier> gen = new ArrayList<>();
      for (int i = from; i < to; i++) {
        Random r = new Random(seeds[i]);
        IrPolicy p = ClassifierTest.policy(r.nextLong());
        IpvsConfig ipvs = services(r);
        policies.add(p);
        configs.add(ipvs);
        gen.add(ClassifierGenerator.generate(p, ipvs, "gen.ipvs" + from, "P" + i + "Classifier",
            "test"));
      }
      List<LoadedClassifier> loaded = ClassifierCompiler.loadAll(gen);
      for (int i = from; i < to; i++) {
        String failure = compare(policies.get(i - from), configs.get(i - from),
            loaded.get(i - from), seeds[i], PACKETS);
        if (failure != null) {
          fail("seed " + seeds[i] + " (trial " + i + " of master seed " + seed + "): "
              + failure);
        }
      }
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("IPVS classifier = interpreter: " + trials + " policies, " + SEEN[0]
        + " packets, " + SEEN[1] + " scheduled, " + SEEN[2] + " by a persistence template, "
        + SEEN[3] + " with no real server, " + SEEN[4] + " answers, " + SEEN[5]
        + " verdicts; in " + ms + " ms");
    long least = trials / 4L;
    for (int k = 1; k <= 5; k++) {
      assertTrue(SEEN[k] >= least, "feature " + k + " seen only " + SEEN[k] + " times");
    }
    assertEquals((1L << Scheduler.values().length) - 1, SEEN[6], "schedulers seen");
  }

  @Test
  void theDecisionNamesTheServiceAndTheRealServer() throws Exception {
    Policy p = PolicyCompiler.read("d.yaml",
        policyOf("dev.policyc.compiler.interp.IpvsInterpreterTest")).policy();
    CheckResult c = PolicyCompiler.check(p);
    LoadedClassifier l = ClassifierCompiler.load(ClassifierGenerator.generate(c.ir(),
        PolicyCompiler.ipvs(p).config(), "gen.api", "test"));
    Object d = l.classify(l.packet("tcp 198.51.100.7:40000 -> 192.0.2.80:80 in eth0 flags SYN"));
    assertEquals("-t 192.0.2.80:80", LoadedClassifier.property(d, "ipvsService"));
    assertEquals("wrr", LoadedClassifier.property(d, "ipvsScheduler"));
    assertEquals("10.1.0.3:8080", LoadedClassifier.property(d, "ipvsRealServer"));
    assertEquals("masq", LoadedClassifier.property(d, "ipvsMethod"));
    assertEquals("scheduled", LoadedClassifier.property(d, "ipvsVia"));
    assertEquals("-t 192.0.2.80:80 (wrr) -> 10.1.0.3:8080 masq",
        LoadedClassifier.property(d, "ipvs"));
    Object other = l.classify(l.packet("tcp 198.51.100.7:40000 -> 192.0.2.10:22 in eth0"));
    assertNull(LoadedClassifier.property(other, "ipvs"));
  }

  /** The {@code POLICY} text of an interpreter test. */
  private static String policyOf(String testClass) throws ReflectiveOperationException {
    Field f = Class.forName(testClass).getDeclaredField("POLICY");
    f.setAccessible(true);
    return (String) f.get(null);
  }

  // ------------------------------------------------------------ the comparison

  /** Null when the two engines agree on a sequence of packets; else the first difference. */
  private static String compare(IrPolicy policy, IpvsConfig ipvs, LoadedClassifier c, long seed,
      int count) {
    Random rnd = new Random(seed ^ 0x1b75);
    RandomPackets base = new RandomPackets(rnd, policy);
    Interpreter interp = new Interpreter(policy, ipvs);
    List<Packet> answers = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      Packet p = packet(rnd, base.next(), ipvs, answers, policy.host() != null);
      ClassifierTest.Both both = ClassifierTest.Both.of(policy, interp, c, p);
      Decision d = both.decision();
      SEEN[0]++;
      if (!both.want().equals(both.got())) {
        return "packet " + (k + 1) + " " + p + "\n  interpreter: " + both.want()
            + "\n  classifier:  " + both.got();
      }
      if (d != null && d.ipvs() != null) {
        count(d.ipvs(), p, answers);
      }
      if (p.family() == Family.IPV4 && d != null && k % 5 == 4) {
        // the verdict makes the trip too (IPVS state advances alike), never the fast path
        String fast = fastPath(c, p, interp);
        SEEN[5]++;
        if (fast != null) {
          return "packet " + (k + 1) + ": " + fast;
        }
      }
    }
    return null;
  }

  /**
   * The verdict of the packet's address, protocol, ports and interfaces with the defaults, by
   * the same interpreter (its IPVS state advances as the classifier's does).
   */
  private static String fastPath(LoadedClassifier c, Packet p, Interpreter interp) {
    boolean ports = p.hasPorts();
    int proto = p.proto();
    Packet plain = new Packet(Family.IPV4, p.src(), p.dst(), proto, ports ? p.sport() : 0,
        ports ? p.dport() : 0, proto == Protocols.ICMP ? 8 : 0, 0,
        proto == Protocols.TCP ? TcpFlag.SYN.bit() : 0, p.in(), p.out(), ConnState.NEW, 0, 0, 0,
        Packet.defaultLength(Family.IPV4, proto), 64, false, 0, 0);
    int want = interp.decide(plain).outcome().ordinal();
    int got = c.verdict(proto, (int) p.src().lo(), (int) p.dst().lo(), plain.sport(),
        plain.dport(), p.in(), p.out());
    return want == got ? null : "verdict of " + plain + ": interpreter "
        + Decision.Outcome.values()[want] + ", classifier " + Decision.Outcome.values()[got];
  }

  private static void count(IpvsState.Hit h, Packet p, List<Packet> answers) {
    SEEN[6] |= 1L << h.service().scheduler().ordinal();
    if (h.via() == IpvsState.Hit.Via.REPLY) {
      SEEN[4]++;
    } else if (h.real() == null) {
      SEEN[3]++;
    } else {
      SEEN[1]++;
      SEEN[2] += h.persistent() ? 1 : 0;
      RealServer r = h.real();
      if (r.address().family() == p.family()) {
        boolean masq = r.method() == ForwardMethod.MASQ;
        IpAddr from = masq ? r.address() : h.vaddr();
        int fromPort = masq ? (r.port() == 0 ? p.dport() : r.port()) : h.vport();
        answers.add(new Packet(p.family(), from, p.src(), p.proto(), fromPort, p.sport(), 0, 0,
            p.proto() == Protocols.TCP ? TcpFlag.SYN.bit() | TcpFlag.ACK.bit() : 0, "eth1",
            null, ConnState.ESTABLISHED, 0, 0, 0, Packet.defaultLength(p.family(), p.proto()),
            64, false, 0, 0));
      }
    }
  }

  /**
   * The next packet: to a virtual service (a third, some of them the host's own), an answer
   * from a real server to an earlier one (a sixth), with a fwmark service's mark, or {@code b}.
   */
  private static Packet packet(Random rnd, Packet b, IpvsConfig ipvs, List<Packet> answers,
      boolean host) {
    int pick = rnd.nextInt(12);
    if (pick < 2 && !answers.isEmpty()) {
      Packet a = answers.get(rnd.nextInt(answers.size()));
      // with a host model the packet arrives on an interface of the model
      return host ? a.withRoute(b.in() == null ? "eth1" : b.in(), null) : a;
    }
    if (pick >= 7 || ipvs.isEmpty()) {
      return b;
    }
    VirtualService vs = ipvs.services().get(rnd.nextInt(ipvs.services().size()));
    Family f = vs.family();
    int proto = vs.isFwmark() ? (rnd.nextBoolean() ? Protocols.TCP : Protocols.UDP)
        : vs.protocol().number();
    IpAddr dst = vs.isFwmark() ? VIPS.get(f).get(rnd.nextInt(2)) : vs.address();
    int dport = vs.port() != 0 && rnd.nextInt(8) > 0 ? vs.port() : 80 + rnd.nextInt(3);
    IpAddr src = CLIENTS.get(f).get(rnd.nextInt(CLIENTS.get(f).size()));
    int sport = 40000 + rnd.nextInt(6);
    String in = b.in();
    String out = b.out();
    if (pick == 6) {
      in = null; // the host's own request
      out = host ? null : "eth1";
      src = f == Family.IPV4 ? IpAddr.parse(rnd.nextInt(4) == 0 ? "127.0.0.1" : "192.0.2.10")
          : IpAddr.parse("2001:db8::10");
    } else if (in == null) {
      in = "eth0";
      out = null;
    } else if (!host) {
      out = rnd.nextInt(4) == 0 ? "eth1" : null;
    }
    long mark = vs.isFwmark() && rnd.nextInt(4) > 0 ? vs.fwmark() : b.mark();
    int flags = proto == Protocols.TCP ? (rnd.nextInt(6) == 0 ? b.tcpFlags() : TcpFlag.SYN.bit())
        : 0;
    ConnState state = rnd.nextInt(5) == 0 ? b.state() : ConnState.NEW;
    return new Packet(f, src, dst, proto, sport, dport, 0, 0, flags, in, out, state, mark,
        b.ctmark(), b.tos(), Packet.defaultLength(f, proto), b.ttl() < 2 ? 64 : b.ttl(),
        rnd.nextInt(30) == 0, b.seq(), rnd.nextLong() & 0x7fffffffL); // 31 bits, as parsed
  }

  // ------------------------------------------------------------ random services

  private static final java.util.Map<Family, List<IpAddr>> VIPS = java.util.Map.of(
      Family.IPV4, List.of(IpAddr.parse("192.0.2.80"), IpAddr.parse("192.0.2.81")),
      Family.IPV6, List.of(IpAddr.parse("2001:db8::80"), IpAddr.parse("2001:db8::81")));
  private static final java.util.Map<Family, List<IpAddr>> CLIENTS = java.util.Map.of(
      Family.IPV4, List.of(IpAddr.parse("198.51.100.7"), IpAddr.parse("198.51.100.8"),
          IpAddr.parse("198.51.101.9"), IpAddr.parse("203.0.113.1")),
      Family.IPV6, List.of(IpAddr.parse("2001:db8:c::7"), IpAddr.parse("2001:db8:c::8"),
          IpAddr.parse("2001:db8:d::9")));
  private static final java.util.Map<Family, List<IpAddr>> REALS = java.util.Map.of(
      Family.IPV4, List.of(IpAddr.parse("10.1.0.1"), IpAddr.parse("10.1.0.2"),
          IpAddr.parse("10.1.0.3"), IpAddr.parse("10.1.0.4"), IpAddr.parse("192.0.2.10"),
          IpAddr.parse("198.18.0.5")),
      Family.IPV6, List.of(IpAddr.parse("2001:db8:1::1"), IpAddr.parse("2001:db8:1::2"),
          IpAddr.parse("2001:db8:1::3"), IpAddr.parse("2001:db8::10")));

  /** One to four random services, each valid as the policy format would check it. */
  static IpvsConfig services(Random r) {
    List<VirtualService> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      Family f = r.nextInt(4) == 0 ? Family.IPV6 : Family.IPV4;
      boolean fwmark = r.nextInt(4) == 0;
      IpvsProtocol proto = IpvsProtocol.values()[r.nextInt(r.nextInt(3) == 0 ? 3 : 2)];
      IpAddr vip = VIPS.get(f).get(r.nextInt(2));
      Persistence persistence = r.nextInt(3) == 0
          ? new Persistence(300, List.of(IpAddr.bits(f), f == Family.IPV4 ? 24 : 64,
              f == Family.IPV4 ? 16 : 48).get(r.nextInt(3)))
          : null;
      int port = !fwmark && persistence != null && r.nextInt(3) == 0 ? 0
          : List.of(80, 443, 53).get(r.nextInt(3));
      Scheduler s = Scheduler.values()[r.nextInt(Scheduler.values().length)];
      int flags = 0;
      if ((s == Scheduler.SH || s == Scheduler.MH) && r.nextBoolean()) {
        flags |= r.nextBoolean() ? SchedFlags.SCHED1 : SchedFlags.SCHED2;
      }
      List<RealServer> reals = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      int k = 1 + r.nextInt(4);
      for (int j = 0; j < k; j++) {
        ForwardMethod m = ForwardMethod.values()[r.nextInt(3)];
        Family rf = m == ForwardMethod.IPIP && r.nextInt(6) == 0
            ? (f == Family.IPV4 ? Family.IPV6 : Family.IPV4) : f;
        IpAddr a = REALS.get(rf).get(r.nextInt(REALS.get(rf).size()));
        int rport = fwmark || port == 0 ? (r.nextBoolean() ? 0 : 8080)
            : m == ForwardMethod.MASQ && r.nextBoolean() ? 8080 : port;
        if (!seen.add(a + ":" + rport)) {
          continue;
        }
        int weight = r.nextInt(6) == 0 ? 0 : 1 + r.nextInt(4);
        int upper = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 0;
        int lower = upper > 0 && r.nextBoolean() ? r.nextInt(upper + 1) : 0;
        reals.add(new RealServer(a, rport, weight, m, upper, lower));
      }
      VirtualService vs = fwmark
          ? new VirtualService(null, null, 0, 1 + r.nextInt(3), f, s, flags, persistence, false,
              reals, null)
          : new VirtualService(proto, vip, port, 0, f, s, flags, persistence, false, reals, null);
      if (names.add(vs.ipvsadmName())) {
        out.add(vs);
      }
    }
    return new IpvsConfig(out);
  }
}
