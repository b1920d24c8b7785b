package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.FlowLine;
import dev.policyc.compiler.interp.FlowSession;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.testing.IrShrinker;
import dev.policyc.compiler.testing.RandomFlows;
import dev.policyc.compiler.testing.RandomHostModels;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Flow sessions over random policies (with and without a host model) and random flows: a
 * session on the IR and one on the IR read back from the emitted text decide every line the
 * same; and NAT holds as conntrack promises it: an answer that gets through goes back to the
 * address and port the connection's first packet came from, and a later packet of the
 * connection in its original direction leaves with the addresses and ports the first one left
 * with.
 */
class FlowPropertyTest {
  private static final int POLICIES = 300;
  private static final int LINES = 30;

  /** A policy and the seed of the flows sent through it. */
  record Case(IrPolicy policy, long flowSeed) {}

  @Test
  void flowSessionsKeepConntrackAndNatPromises() {
    AtomicLong decided = new AtomicLong();
    int trials = Property.trials(POLICIES);
    Property.forAll("flow sessions keep conntrack's and NAT's promises",
        Property.seed(20261206L), trials, FlowPropertyTest::generate, c -> check(c, decided),
        FlowPropertyTest::shrink, FlowPropertyTest::show);
    System.out.println("flow sessions: " + trials + " random policies, " + decided.get()
        + " flow lines decided");
    assertTrue(decided.get() >= (long) trials * LINES / 2);
  }

  static Case generate(Random rnd) {
    IrPolicy p = new RandomPolicies(rnd).policy(RandomPolicies.Options.ALL);
    if (rnd.nextBoolean()) {
      p = new IrPolicy(p.name(), new RandomHostModels(rnd).next(), p.sets(), p.ipv4(),
          p.ipv6());
    }
    return new Case(p, rnd.nextLong());
  }

  static String check(Case c, AtomicLong decided) {
    IrPolicy back;
    try {
      back = EmitReadRoundTripTest.readBack(c.policy());
    } catch (ParseException e) {
      return "emitted text does not read back: " + e.getMessage();
    }
    FlowSession a = new FlowSession(c.policy());
    FlowSession b = new FlowSession(back);
    RandomFlows flows = new RandomFlows(new Random(c.flowSeed()), c.policy());
    Map<Integer, FlowSession.Result> creators = new HashMap<>();
    FlowSession.Result previous = null;
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < LINES; i++) {
      String line = flows.next(previous);
      lines.add(line);
      FlowSession.Result ra;
      try {
        ra = a.decide(FlowLine.parse(line));
      } catch (IllegalArgumentException e) {
        return "line " + line + " refused: " + e.getMessage() + "\n    flow:\n      "
            + String.join("\n      ", lines);
      }
      FlowSession.Result rb = b.decide(FlowLine.parse(line));
      decided.incrementAndGet();
      if (!ra.equals(rb)) {
        return "line " + line + "\n    on the IR:        " + ra + "\n    on the read-back: "
            + rb;
      }
      String broken = promise(ra, creators);
      if (broken != null) {
        return "line " + line + ": " + broken + "\n    flow:\n      "
            + String.join("\n      ", lines);
      }
      previous = ra;
      if (i % 10 == 9) {
        flows.restart();
        previous = null;
      }
    }
    return null;
  }

  /** Null when the result keeps NAT's promises for its connection, else what it broke. */
  private static String promise(FlowSession.Result r, Map<Integer, FlowSession.Result> creators) {
    if (r.connection() == null) {
      return null;
    }
    if (r.event() == FlowSession.Event.CREATED) {
      creators.put(r.connection().id(), r);
      return null;
    }
    FlowSession.Result first = creators.get(r.connection().id());
    Decision d = r.decision();
    if (first == null || !d.outcome().passes()) {
      return null;
    }
    Packet sent = first.packet();
    Packet left = first.decision().after();
    Packet now = d.after();
    boolean ports = now.hasPorts();
    if (r.event() == FlowSession.Event.REPLY) {
      if (!now.dst().equals(sent.src()) || (ports && now.dport() != sent.sport())) {
        return "the answer goes to " + now.dst() + ":" + now.dport() + ", not to where the"
            + " connection came from, " + sent.src() + ":" + sent.sport();
      }
    } else if (r.event() == FlowSession.Event.ORIGINAL) {
      if (!now.dst().equals(left.dst()) || !now.src().equals(left.src())
          || (ports && (now.dport() != left.dport() || now.sport() != left.sport()))) {
        return "a later packet leaves as " + now.src() + ":" + now.sport() + " -> " + now.dst()
            + ":" + now.dport() + ", the first left as " + left.src() + ":" + left.sport()
            + " -> " + left.dst() + ":" + left.dport();
      }
    }
    return null;
  }

  static List<Case> shrink(Case c) {
    List<Case> out = new ArrayList<>();
    for (IrPolicy smaller : IrShrinker.candidates(c.policy())) {
      out.add(new Case(smaller, c.flowSeed()));
    }
    return out;
  }

  static String show(Case c) {
    return (IptablesEmitter.emit(c.policy().ipv4(), "shrunk")
        + IptablesEmitter.emit(c.policy().ipv6(), "shrunk") + "host: " + c.policy().host()
        + "\nflow seed: " + c.flowSeed() + "\n").indent(4);
  }
}
