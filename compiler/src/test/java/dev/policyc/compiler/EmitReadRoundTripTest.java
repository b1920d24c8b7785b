package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.emit.ipset.IpsetEmitter;
import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.testing.IrShrinker;
import dev.policyc.compiler.testing.RandomPackets;
import dev.policyc.compiler.testing.RandomPolicies;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The emitters and readers preserve meaning: for random policies over all four tables, both
 * families and ipsets, the interpreter decides every packet (biased to the policy's boundaries)
 * the same on the IR as on the IR read back from the emitted text; and the text is a fixpoint of
 * emit ∘ read.
 */
class EmitReadRoundTripTest {
  private static final int POLICIES = 2000;
  private static final int PACKETS = 60;

  /** A policy and the packets to decide with it. */
  record Case(IrPolicy policy, List<Packet> packets) {}

  @Test
  void interpreterAgreesOnEmittedAndReadBackRules() {
    AtomicLong decided = new AtomicLong();
    int trials = Property.trials(POLICIES);
    Property.forAll("interpreter(IR) = interpreter(read(emit(IR)))", Property.seed(20261127L),
        trials, EmitReadRoundTripTest::generate, c -> check(c, decided),
        EmitReadRoundTripTest::shrink, EmitReadRoundTripTest::show);
    System.out.println("emit/read round trip: " + trials + " random policies, " + decided.get()
        + " packet decisions compared");
    assertTrue(decided.get() >= (long) trials * PACKETS);
  }

  static Case generate(Random rnd) {
    IrPolicy p = new RandomPolicies(rnd).policy(RandomPolicies.Options.ALL);
    RandomPackets gen = new RandomPackets(rnd, p);
    List<Packet> packets = new ArrayList<>();
    for (int i = 0; i < PACKETS; i++) {
      packets.add(gen.next());
    }
    return new Case(p, packets);
  }

  static String check(Case c, AtomicLong decided) {
    IrPolicy back;
    try {
      back = readBack(c.policy());
    } catch (ParseException e) {
      return "emitted text does not read back: " + e.getMessage();
    }
    for (Family f : Family.values()) {
      String once = IptablesEmitter.emit(c.policy().ruleset(f), "p");
      String twice = IptablesEmitter.emit(back.ruleset(f), "p");
      if (!once.equals(twice)) {
        return f + " text is not a fixpoint of emit∘read:\n" + diff(once, twice);
      }
    }
    for (Packet p : c.packets()) {
      Decision a = Interpreter.decide(c.policy(), p);
      Decision b = Interpreter.decide(back, p);
      decided.incrementAndGet();
      if (!a.equals(b)) {
        return "packet " + p + "\n    on the IR:        " + a + "\n    on the read-back: " + b;
      }
    }
    return null;
  }

  static IrPolicy readBack(IrPolicy p) throws ParseException {
    Ruleset v4 = IptablesSaveReader.read("iptables.rules",
        IptablesEmitter.emit(p.ipv4(), p.name()), Family.IPV4);
    Ruleset v6 = IptablesSaveReader.read("ip6tables.rules",
        IptablesEmitter.emit(p.ipv6(), p.name()), Family.IPV6);
    return new IrPolicy(p.name(), p.host(),
        IpsetReader.read("ipset.rules", IpsetEmitter.emit(p.sets(), p.name())), v4, v6);
  }

  static List<Case> shrink(Case c) {
    List<Case> out = new ArrayList<>();
    if (c.packets().size() > 1) {
      for (Packet p : c.packets()) {
        out.add(new Case(c.policy(), List.of(p)));
      }
    }
    for (IrPolicy smaller : IrShrinker.candidates(c.policy())) {
      out.add(new Case(smaller, c.packets()));
    }
    return out;
  }

  static String show(Case c) {
    StringBuilder sb = new StringBuilder();
    sb.append(IptablesEmitter.emit(c.policy().ipv4(), "shrunk"));
    sb.append(IptablesEmitter.emit(c.policy().ipv6(), "shrunk"));
    sb.append(IpsetEmitter.emit(c.policy().sets(), "shrunk"));
    for (Packet p : c.packets()) {
      sb.append("packet: ").append(p).append('\n');
    }
    return sb.toString().indent(4);
  }

  private static String diff(String a, String b) {
    String[] x = a.split("\n");
    String[] y = b.split("\n");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      if (!x[i].equals(y[i])) {
        return "    line " + (i + 1) + ":\n    - " + x[i] + "\n    + " + y[i];
      }
    }
    return "    lengths differ: " + x.length + " vs " + y.length;
  }
}
