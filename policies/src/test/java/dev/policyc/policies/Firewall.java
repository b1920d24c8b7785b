package dev.policyc.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * The generated classifier of a policy of this repository ({@code Packet} and {@code Decision}
 * are generated beside it by policyc-maven-plugin). It is looked up by name, so that the tests
 * of a policy whose classifier is not generated ({@code policies.noClassifier} in pom.xml)
 * compile, and skip with a message.
 */
final class Firewall {
  private final String policy;
  private final Method classify;

  private Firewall(String policy, Method classify) {
    this.policy = policy;
    this.classify = classify;
  }

  /** The classifier of {@code policy} (its {@code policy:} name); the test skips without it. */
  static Firewall of(String policy) {
    StringBuilder name = new StringBuilder(Firewall.class.getPackageName()).append('.');
    for (String word : policy.split("-")) {
      name.append(word.substring(0, 1).toUpperCase(Locale.ROOT)).append(word.substring(1));
    }
    try {
      Class<?> c = Class.forName(name + "Classifier");
      return new Firewall(policy, c.getMethod("classify", Packet.class));
    } catch (ClassNotFoundException e) {
      return Assumptions.abort("no classifier for " + policy + ": it is in policies.noClassifier"
          + " (policies/pom.xml) until the classifier models it (docs/classifier.md)");
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

  /**
   * An accessor of the decision that newer classifiers have ({@code dnat()}), as text; the test
   * skips when this classifier does not have it.
   */
  static String newer(Decision d, String accessor) {
    try {
      return String.valueOf(Decision.class.getMethod(accessor).invoke(d));
    } catch (NoSuchMethodException e) {
      return Assumptions.abort("the generated Decision has no " + accessor + "() yet");
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    } catch (InvocationTargetException e) {
      throw new AssertionError(e.getCause());
    }
  }
}
