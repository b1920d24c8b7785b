package dev.policyc.compiler.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.policyc.compiler.classbench.ClassBenchFilter;
import dev.policyc.compiler.classbench.ClassBenchGenerator;
import dev.policyc.compiler.classbench.ClassBenchTraceGenerator;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast verdict's direct path decides as the interpreter does: a policy of IPv4 filter rules
 * alone (no host model, no conntrack, nothing in raw, mangle or nat) has an arriving packet's
 * verdict read from one lookup in filter INPUT's or FORWARD's trees, without a trip; a rule the
 * lookup cannot settle (a program beyond its hull, a target other than ACCEPT and DROP) sends
 * the packet down the full trip instead.
 */
class DirectVerdictTest {
  private static final int BATCH = 50;

  private static final int PACKETS = 60;

  @Test
  void filterOnlyRandomPoliciesDecideAsTheInterpreter() {
    long seed = Property.seed(20261207);
    int trials = Property.trials(400);
    long[] seeds = ClassifierTest.seeds(seed, trials);
    int direct = 0;
    long compared = 0;
    for (int from = 0; from < trials; from += BATCH) {
      int to = Math.min(trials, from + BATCH);
      List<IrPolicy> policies = new ArrayList<>();
      List<GeneratedClassifier> gen = new ArrayList<>();
      for (int i = from; i < to; i++) {
        // three in four without their conntrack rules, so that most take the direct path
        IrPolicy p = filterOnly(ClassifierTest.policy(seeds[i]), i % 4 != 0);
        policies.add(p);
        direct += Interpreter.usesConntrack(p.ipv4()) ? 0 : 1;
        gen.add(ClassifierGenerator.generate(p, "gen.d" + from, "D" + i + "Classifier", "test"));
      }
      List<LoadedClassifier> loaded = ClassifierCompiler.loadAll(gen);
      for (int i = from; i < to; i++) {
        IrPolicy p = policies.get(i - from);
        RandomPackets packets = new RandomPackets(new Random(seeds[i] ^ 0xd1ec7), p);
        for (int k = 0; k < PACKETS; k++) {
          Packet pk = packets.next();
          if (pk.family() != Family.IPV4 || pk.in() == null && pk.out() == null) {
            continue;
          }
          String failure = ClassifierTest.fastPath(p, loaded.get(i - from), pk);
          compared++;
          if (failure != null) {
            fail("seed " + seeds[i] + ": " + failure + "\n" + p.ipv4());
          }
        }
      }
    }
    System.out.println("direct verdict = interpreter: " + trials + " filter-only policies ("
        + direct + " without conntrack), " + compared + " packets");
    // the direct path is what this test is for: most policies must take it
    assertTrue(direct >= trials / 2, "only " + direct + " policies without conntrack");
    assertTrue(compared >= (long) trials * PACKETS / 4, "compared only " + compared);
  }

  @Test
  void classBenchSetsGetTheFirstMatch() {
    for (int seed = 1; seed <= 3; seed++) {
      List<ClassBenchFilter> filters = ClassBenchGenerator.generate(2_000, seed);
      // every third filter drops instead, so that the verdict tells which filter matched first
      IrPolicy ir = everyThirdDrops(ClassifierBenchmark.ir("gen_" + seed, filters));
      LoadedClassifier c = ClassifierCompiler.load(ClassifierGenerator.generate(ir, "gen.cb"
          + seed, "test"));
      Interpreter interp = new Interpreter(ir);
      int[] outcomes = new int[2];
      Random rnd = new Random(seed);
      List<ClassBenchTraceGenerator.Header> headers = new ArrayList<>(
          ClassBenchTraceGenerator.generate(filters, 5_000, seed));
      int[] protos = {6, 17, 1, 47};
      for (int k = 0; k < 5_000; k++) {
        // headers off the trace: most match no filter and meet the chain's policy
        headers.add(new ClassBenchTraceGenerator.Header(rnd.nextInt() & 0xffffffffL,
            rnd.nextInt() & 0xffffffffL, rnd.nextInt(65536), rnd.nextInt(65536),
            protos[rnd.nextInt(protos.length)], 0));
      }
      for (ClassBenchTraceGenerator.Header h : headers) {
        Packet p = LargePolicyClassifierTest.packet(h);
        int want = interp.decide(p).outcome().ordinal();
        int got = c.verdict(h.proto(), (int) h.src(), (int) h.dst(), p.sport(), p.dport(),
            p.in(), null);
        assertEquals(want, got, "seed " + seed + ": " + p);
        outcomes[got == 0 ? 0 : 1]++;
      }
      assertTrue(outcomes[0] > 2_000 && outcomes[1] > 500, "delivered " + outcomes[0]
          + ", dropped " + outcomes[1]);
    }
  }

  private static IrPolicy everyThirdDrops(IrPolicy p) {
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : p.ipv4().tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < c.rules().size(); i++) {
          Rule r = c.rules().get(i);
          rules.add(i % 3 != 1 ? r : new Rule(r.matches(), new Target.Drop(), r.comment(),
              r.origin()));
        }
        chains.add(new Chain(c.name(), c.policy(), rules));
      }
      tables.add(new RuleTable(t.table(), chains));
    }
    return new IrPolicy(p.name(), p.host(), p.sets(), new Ruleset(Family.IPV4, tables),
        p.ipv6());
  }

  /** The policy's IPv4 filter table alone, without its host model (and its conntrack rules). */
  private static IrPolicy filterOnly(IrPolicy p, boolean stateless) {
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : p.ipv4().tables()) {
      if (t.table() != Table.FILTER) {
        continue;
      }
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        chains.add(!stateless ? c : new Chain(c.name(), c.policy(), c.rules().stream()
            .filter(r -> !Interpreter.usesConntrack(r)).toList()));
      }
      tables.add(new RuleTable(t.table(), chains));
    }
    return new IrPolicy(p.name(), null, p.sets(), new Ruleset(Family.IPV4, tables), p.ipv6());
  }
}
