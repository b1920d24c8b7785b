package dev.policyc.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Locale;

/**
 * The generated classifier of a policy of this repository ({@code Packet} and {@code Decision}
 * are generated beside it by policyc-maven-plugin), looked up by the policy's name so that each
 * test names the policy as its file does.
 */
final class Firewall {
  private final String policy;
  private final Method classify;

  private Firewall(String policy, Method classify) {
    this.policy = policy;
    this.classify = classify;
  }

  /** The classifier of {@code policy} (its {@code policy:} name). */
  static Firewall of(String policy) {
    StringBuilder name = new StringBuilder(Firewall.class.getPackageName()).append('.');
    for (String word : policy.split("-")) {
      name.append(word.substring(0, 1).toUpperCase(Locale.ROOT)).append(word.substring(1));
    }
    try {
      Class<?> c = Class.forName(name + "Classifier");
      return new Firewall(policy, c.getMethod("classify", Packet.class));
    } catch (ClassNotFoundException e) {
      throw new AssertionError("no classifier generated for " + policy
          + " (is it in skipClassifierFor, policies/pom.xml?)", e);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(name + "Classifier has no classify(Packet)", e);
    }
  }

  /** The decision for a packet in {@code policyc explain}'s syntax. */
  Decision decide(String packet) {
    try {
      return (Decision) classify.invoke(null, Packet.parse(packet));
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    } catch (InvocationTargetException e) {
      throw new AssertionError(policy + " cannot decide '" + packet + "'", e.getCause());
    }
  }

  /** Asserts the outcome ({@code DROPPED}, {@code FORWARDED}, …) and returns the decision. */
  Decision expect(String packet, String outcome) {
    Decision d = decide(packet);
    assertEquals(outcome, d.outcomeName(), () -> policy + ": " + packet + "\n" + d);
    return d;
  }
}
