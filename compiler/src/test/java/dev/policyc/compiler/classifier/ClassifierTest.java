package dev.policyc.compiler.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.testing.RandomHostModels;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.testing.Property;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The generated classifier decides as the interpreter does: random policies (NAT targets, TCPMSS,
 * half of them with a random host model) and the example policies are generated, compiled in
 * memory, loaded, and asked about packets biased to each policy's boundaries (unusual and
 * v4-mapped IPv6 sources among them); the decision texts must be equal, and the fast path's
 * verdict must be the interpreter's outcome.
 */
class ClassifierTest {
  /**
   * Policies per compilation task, sharing one package and so one copy of the runtime: one javac
   * run for many small classifier classes is far cheaper than one run each.
   */
  private static final int BATCH = 50;

  private static final int PACKETS = 40;

  /**
   * Packets compared, rules matched on the way; decisions with a destination rewrite, with a
   * source rewrite (MASQUERADE under a host model counted again), with an MSS option; packets
   * decided under a host model, and those its routing refused (martian, no route, not
   * forwarded).
   */
  private static final long[] SEEN = new long[9];

  @Test
  void randomPoliciesDecideAsTheInterpreter() {
    long seed = Property.seed(20261206);
    int trials = Property.trials(1000);
    long start = System.nanoTime();
    Arrays.fill(SEEN, 0);
    long[] seeds = seeds(seed, trials);
    for (int from = 0; from < trials; from += BATCH) {
      int to = Math.min(trials, from + BATCH);
      List<IrPolicy> policies = new ArrayList<>();
      List<GeneratedClassifier> gen = new ArrayList<>();
      for (int i = from; i < to; i++) {
        IrPolicy p = policy(seeds[i]);
        policies.add(p);
        gen.add(ClassifierGenerator.generate(p, "gen.b" + from, "P" + i + "Classifier", "test"));
      }
      List<LoadedClassifier> loaded = ClassifierCompiler.loadAll(gen);
      for (int i = from; i < to; i++) {
        String failure = compare(policies.get(i - from), loaded.get(i - from), seeds[i]);
        if (failure != null) {
          shrinkAndFail(seeds[i], failure);
        }
      }
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("classifier = interpreter: " + trials + " policies, " + SEEN[0]
        + " packets, " + SEEN[1] + " rules matched, " + SEEN[2] + " destination and " + SEEN[3]
        + " source rewrites (" + SEEN[4] + " MASQUERADE by a host model), " + SEEN[5]
        + " MSS options; " + SEEN[6] + " packets under a host model, " + SEEN[7]
        + " refused by its routing, " + SEEN[8] + " forwarded by it; in " + ms + " ms");
    assertTrue(SEEN[0] >= (long) trials * PACKETS / 2, "compared only " + SEEN[0] + " packets");
    assertTrue(SEEN[1] > SEEN[0], "the packets matched only " + SEEN[1] + " rules");
    // the features the comparison is for, each seen often enough to mean something
    long least = trials / 20L;
    for (int i = 2; i <= 8; i++) {
      assertTrue(SEEN[i] >= least, "feature " + i + " seen only " + SEEN[i] + " times");
    }
  }

  /**
   * A random policy with chains long enough to grow trees, NAT targets and TCPMSS among its
   * rules, and half the time a random host model (which decides where packets go).
   */
  static IrPolicy policy(long seed) {
    Random r = new Random(seed);
    IrPolicy p = new RandomPolicies(r).policy(RandomPolicies.Options.OPTIMIZER);
    if (r.nextBoolean()) {
      p = new IrPolicy(p.name(), new RandomHostModels(r).next(), p.sets(), p.ipv4(), p.ipv6());
    }
    return p;
  }

  /** Null when the classifier and the interpreter agree on the packets of a seed. */
  private static String compare(IrPolicy policy, LoadedClassifier c, long seed) {
    Random rnd = new Random(seed ^ 0x5eed);
    RandomPackets packets = new RandomPackets(rnd, policy);
    Interpreter interp = new Interpreter(policy);
    for (int k = 0; k < PACKETS; k++) {
      Packet p = packets.next();
      if (k % 2 == 1) {
        p = firstPacket(p); // what the nat chains see, and TCPMSS adds its option to
      }
      Both both = Both.of(policy, interp, c, p);
      if (both.decision() != null) {
        count(policy, both.decision());
      }
      SEEN[0]++;
      if (!both.want().equals(both.got())) {
        return "packet " + p + "\n  interpreter: " + both.want() + "\n  classifier:  "
            + both.got();
      }
      if (p.family() == Family.IPV4 && both.decision() != null) {
        String fast = fastPath(policy, c, p);
        if (fast != null) {
          return fast;
        }
      }
    }
    return null;
  }

  /**
   * A packet decided by both engines: the interpreter's decision (null when it refuses the
   * packet) and each engine's text of it, {@code refused} for a refusal.
   */
  record Both(Decision decision, String want, String got) {
    static Both of(IrPolicy policy, Interpreter interp, LoadedClassifier c, Packet p) {
      Decision d = null;
      String want;
      try {
        Decision decided = interp.decide(p);
        want = ClassifierText.of(policy, decided);
        d = decided;
      } catch (IllegalArgumentException e) {
        want = "refused";
      }
      String got;
      try {
        got = c.decide(p.toString());
      } catch (IllegalArgumentException e) {
        got = "refused";
      }
      return new Both(d, want, got);
    }
  }

  private static void count(IrPolicy policy, Decision d) {
    SEEN[1] += d.path().stream().filter(s -> !s.isPolicy()).count();
    SEEN[2] += d.dnat() != null ? 1 : 0;
    SEEN[3] += d.snat() != null ? 1 : 0;
    SEEN[4] += d.snat() != null && d.snat().kind() == Decision.Nat.Kind.MASQUERADE
        && policy.host() != null ? 1 : 0;
    SEEN[5] += d.mss() != null ? 1 : 0;
    if (policy.host() != null) {
      SEEN[6]++;
      SEEN[7] += switch (d.outcome()) {
        case MARTIAN, NO_ROUTE, NOT_FORWARDED -> 1;
        default -> 0;
      };
      SEEN[8] += d.outcome() == Decision.Outcome.FORWARDED ? 1 : 0;
    }
  }

  /**
   * The packet as the first of a new connection: NEW, a TCP SYN, not a fragment, of its
   * headers' length.
   */
  private static Packet firstPacket(Packet p) {
    boolean tcp = p.proto() == Protocols.TCP;
    return new Packet(p.family(), p.src(), p.dst(), p.proto(), p.sport(), p.dport(),
        p.icmpType(), p.icmpCode(), tcp ? TcpFlag.SYN.bit() : p.tcpFlags(), p.in(), p.out(),
        ConnState.NEW, p.mark(), p.ctmark(), p.tos(), Packet.defaultLength(p.family(),
            p.proto()), p.ttl(), false, p.seq(), p.random());
  }

  /** The verdict of the packet's address, protocol, ports and interfaces with the defaults. */
  static String fastPath(IrPolicy policy, LoadedClassifier c, Packet p) {
    boolean ports = p.hasPorts();
    int proto = p.proto();
    Packet plain = new Packet(Family.IPV4, p.src(), p.dst(), proto, ports ? p.sport() : 0,
        ports ? p.dport() : 0, proto == Protocols.ICMP ? 8 : 0, 0,
        proto == Protocols.TCP ? TcpFlag.SYN.bit() : 0, p.in(), p.out(), ConnState.NEW, 0, 0, 0,
        Packet.defaultLength(Family.IPV4, proto), 64, false, 0, 0);
    int want = Interpreter.decide(policy, plain).outcome().ordinal();
    int got = c.verdict(proto, (int) p.src().lo(), (int) p.dst().lo(), plain.sport(),
        plain.dport(), p.in(), p.out());
    return want == got ? null : "verdict of " + plain + ": interpreter "
        + Decision.Outcome.values()[want] + ", classifier " + Decision.Outcome.values()[got];
  }

  /** Reruns one failing seed alone, shrinking its policy by deleting rules, and fails. */
  private static void shrinkAndFail(long seed, String failure) {
    Property.forAll("classifier = interpreter", seed, 1, r -> policy(seed),
        p -> compare(p, ClassifierCompiler.load(ClassifierGenerator.generate(p, "gen.shrunk",
            "test")), seed),
        ClassifierTest::smaller, p -> p.ipv4() + "\n" + p.ipv6());
    fail("seed " + seed + " failed in its batch but not alone: " + failure);
  }

  /** The policy without one of its rules, for each rule. */
  private static List<IrPolicy> smaller(IrPolicy p) {
    List<IrPolicy> out = new ArrayList<>();
    for (Family f : Family.values()) {
      Ruleset rs = p.ruleset(f);
      for (int t = 0; t < rs.tables().size(); t++) {
        RuleTable rt = rs.tables().get(t);
        for (int c = 0; c < rt.chains().size(); c++) {
          Chain ch = rt.chains().get(c);
          for (int i = 0; i < ch.rules().size(); i++) {
            List<Rule> rules = new ArrayList<>(ch.rules());
            rules.remove(i);
            List<Chain> chains = new ArrayList<>(rt.chains());
            chains.set(c, new Chain(ch.name(), ch.policy(), rules));
            List<RuleTable> tables = new ArrayList<>(rs.tables());
            tables.set(t, new RuleTable(rt.table(), chains));
            Ruleset smaller = new Ruleset(f, tables);
            out.add(new IrPolicy(p.name(), p.host(), p.sets(),
                f == Family.IPV4 ? smaller : p.ipv4(), f == Family.IPV6 ? smaller : p.ipv6()));
          }
        }
      }
    }
    return out;
  }

  @Test
  void examplePoliciesDecideAsTheInterpreter() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(Repo.policies())) {
      files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertFalse(files.isEmpty());
    List<IrPolicy> policies = new ArrayList<>();
    List<GeneratedClassifier> gen = new ArrayList<>();
    for (Path f : files) {
      CheckResult checked = PolicyCompiler.check(PolicyCompiler.read(f).policy());
      assertTrue(checked.ok(), f + ": " + checked.diagnostics());
      IrPolicy p = checked.ir();
      assertEquals(List.of(), ClassifierGenerator.unsupported(p), f.toString());
      policies.add(p);
      gen.add(ClassifierGenerator.generate(p, "gen.example" + policies.size(), "test"));
    }
    List<LoadedClassifier> loaded = ClassifierCompiler.loadAll(gen);
    for (int i = 0; i < files.size(); i++) {
      String failure = compare(policies.get(i), loaded.get(i), 7 * i + 1);
      if (failure != null) {
        fail(files.get(i) + ": " + failure);
      }
    }
  }

  @Test
  void policiesOutsideTheModelAreRefusedWithTheReason() throws IOException {
    CheckResult checked = PolicyCompiler.check(
        PolicyCompiler.read(Repo.policies().resolve("nat-gateway.yaml")).policy());
    IrPolicy ir = checked.ir();
    assertEquals(List.of(), ClassifierGenerator.unsupported(ir));
    // a rule an optimizer pass merged from two is still refused
    Chain input = ir.ipv4().table(Table.FILTER).orElseThrow().chain("INPUT").orElseThrow();
    Rule merged = new Rule(input.rules().get(0).matches(), input.rules().get(0).target(), null,
        Origin.merged(input.rules().subList(0, 2)));
    IrPolicy withMerged = Classifiable.replace(ir, Family.IPV4, Table.FILTER, "INPUT", 0,
        merged);
    List<String> why = ClassifierGenerator.unsupported(withMerged);
    assertEquals(List.of("rules merged by an optimizer pass (filter/INPUT)"), why);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClassifierGenerator.generate(withMerged, "gen.merged", "test"));
    assertTrue(e.getMessage().startsWith("the Java classifier does not model rules merged"),
        e.getMessage());
  }

  @Test
  void generationIsDeterministic() {
    IrPolicy p = policy(42);
    GeneratedClassifier a = ClassifierGenerator.generate(p, "gen.same", "test");
    GeneratedClassifier b = ClassifierGenerator.generate(policy(42), "gen.same", "test");
    assertEquals(a.sources(), b.sources());
    assertEquals(a.resources().keySet(), b.resources().keySet());
    assertEquals(a.resources(), b.resources());
  }

  @Test
  void badPackageNamesAreRefused() {
    IrPolicy p = policy(1);
    for (String bad : List.of("Com.example", "com..x", "com.class.x", "1x", "com/x")) {
      assertThrows(IllegalArgumentException.class,
          () -> ClassifierGenerator.generate(p, bad, "test"), bad);
    }
  }

  /** The seeds of {@code trials} policies of a campaign, drawn from its {@code seed}. */
  static long[] seeds(long seed, int trials) {
    Random master = new Random(seed);
    long[] seeds = new long[trials];
    for (int i = 0; i < trials; i++) {
      seeds[i] = master.nextLong();
    }
    return seeds;
  }
}
