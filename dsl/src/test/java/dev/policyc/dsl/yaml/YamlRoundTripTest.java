package dev.policyc.dsl.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.Action;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyObjects;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.testing.ModelDiff;
import dev.policyc.dsl.testing.Property;
import dev.policyc.dsl.testing.RandomModels;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The YAML writer and reader are inverses on the model: for random policies that use every
 * match component, action and object, with text that YAML likes to misread, {@code
 * read(write(m))} equals {@code m}, and writing is deterministic and a fixpoint of write ∘ read.
 */
class YamlRoundTripTest {
  private static final long SEED = 20260301L;
  private static final int TRIALS = 2000;

  @Test
  void readOfWriteGivesBackTheModel() {
    int trials = Property.trials(TRIALS);
    Property.forAll("read(write(m)) = m", Property.seed(SEED), trials,
        rnd -> new RandomModels(rnd).policy(), YamlRoundTripTest::check, RandomModels::shrink,
        YamlRoundTripTest::show);
    System.out.println("YAML round trip: " + trials + " random models");
  }

  /** Null when the model survives the round trip, else what went wrong. */
  static String check(Policy m) {
    try {
      return roundTrip(m);
    } catch (RuntimeException e) {
      // Where it threw matters more than the model: keep the frames down to the test.
      StringBuilder sb = new StringBuilder("threw " + e);
      for (StackTraceElement f : e.getStackTrace()) {
        sb.append("\n      at ").append(f);
        if (f.getClassName().equals(YamlRoundTripTest.class.getName())) {
          break;
        }
      }
      return sb.toString();
    }
  }

  private static String roundTrip(Policy m) {
    String yaml = PolicyYamlWriter.write(m);
    if (!yaml.equals(PolicyYamlWriter.write(m))) {
      return "writing the same model twice gave different text";
    }
    Policy back;
    try {
      back = PolicyYamlReader.read("written.yaml", yaml);
    } catch (PolicyParseException e) {
      return "the reader refuses the writer's output: " + e.diagnostics();
    }
    String diff = ModelDiff.first(m, back);
    if (diff != null) {
      return "read(write(m)) differs from m at " + diff;
    }
    String again = PolicyYamlWriter.write(back);
    if (!again.equals(yaml)) {
      return "write(read(write(m))) differs from write(m):\n" + again.indent(4);
    }
    return null;
  }

  static String show(Policy m) {
    String yaml;
    try {
      yaml = PolicyYamlWriter.write(m);
    } catch (RuntimeException e) {
      return ("(the writer throws " + e + ")\n" + m).indent(4);
    }
    return yaml.indent(4);
  }

  /**
   * The generator reaches every component and kind, so that the round trip above covers them;
   * a new match component, action or operation fails here until the generator makes it.
   */
  @Test
  void generatorCoversTheWholeModel() {
    Set<String> seen = new TreeSet<>();
    Random master = new Random(SEED);
    for (int i = 0; i < TRIALS; i++) {
      features(new RandomModels(new Random(master.nextLong())).policy(), seen);
    }
    Set<String> expected = new TreeSet<>();
    for (RecordComponent rc : MatchSpec.class.getRecordComponents()) {
      expected.add("match." + rc.getName());
      if (rc.getType() == Negatable.class) {
        expected.add("match." + rc.getName() + " negated");
        expected.add("match." + rc.getName() + " plain");
      }
      if (rc.getGenericType().getTypeName().contains("List")) {
        expected.add("match." + rc.getName() + " one value");
        expected.add("match." + rc.getName() + " several values");
      }
    }
    for (Class<?> k : Action.class.getPermittedSubclasses()) {
      expected.add("action " + k.getSimpleName());
    }
    for (Action.Mark.Op op : Action.Mark.Op.values()) {
      expected.add("action Mark " + op);
    }
    for (Action.ConnMark.Op op : Action.ConnMark.Op.values()) {
      expected.add("action ConnMark " + op);
    }
    expected.add("action ConnMark SAVE with masks");
    expected.add("action ConnMark RESTORE with masks");
    for (Action.Ttl.Op op : Action.Ttl.Op.values()) {
      expected.add("action Ttl " + op);
    }
    for (MatchSpec.Ttl.Op op : MatchSpec.Ttl.Op.values()) {
      expected.add("match.ttl " + op);
    }
    for (MatchSpec.Statistic.Mode mode : MatchSpec.Statistic.Mode.values()) {
      expected.add("match.statistic " + mode);
    }
    for (Table t : Table.values()) {
      expected.add(t + " built-in chain");
      expected.add(t + " user chain");
    }
    for (String type : List.of("hash:ip", "hash:net", "hash:ip,port", "hash:net,port",
        "bitmap:port")) {
      expected.add("set " + type);
    }
    expected.addAll(List.of("host", "host route via", "objects.networks", "objects.services",
        "objects.interfaces", "description", "multi-line description", "comment"));
    expected.removeAll(seen);
    assertEquals(Set.of(), expected, "parts of the model the generator never makes");
  }

  private static void features(Policy p, Set<String> seen) {
    if (p.description() != null) {
      seen.add(p.description().contains("\n") ? "multi-line description" : "description");
    }
    if (p.host() != null) {
      seen.add("host");
      if (p.host().routes().stream().anyMatch(r -> r.via() != null)) {
        seen.add("host route via");
      }
    }
    if (!p.objects().networks().isEmpty()) {
      seen.add("objects.networks");
    }
    if (!p.objects().services().isEmpty()) {
      seen.add("objects.services");
    }
    if (!p.objects().interfaces().isEmpty()) {
      seen.add("objects.interfaces");
    }
    for (IpSetSpec s : p.objects().sets()) {
      seen.add("set " + s.type());
    }
    for (ChainSpec c : p.chains()) {
      seen.add(c.table() + (c.isBuiltin() ? " built-in chain" : " user chain"));
      for (RuleSpec r : c.rules()) {
        if (r.comment() != null) {
          seen.add("comment");
        }
        action(r.action(), seen);
        match(r.match(), seen);
      }
    }
  }

  private static void action(Action a, Set<String> seen) {
    String kind = "action " + a.getClass().getSimpleName();
    seen.add(kind);
    if (a instanceof Action.Mark m) {
      seen.add(kind + " " + m.op());
    } else if (a instanceof Action.ConnMark c) {
      seen.add(kind + " " + c.op());
      if (c.nfmask() != null || c.ctmask() != null) {
        seen.add(kind + " " + c.op() + " with masks");
      }
    } else if (a instanceof Action.Ttl t) {
      seen.add(kind + " " + t.op());
    }
  }

  private static void match(MatchSpec m, Set<String> seen) {
    for (RecordComponent rc : MatchSpec.class.getRecordComponents()) {
      Object v;
      try {
        v = rc.getAccessor().invoke(m);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (v == null) {
        continue;
      }
      String name = "match." + rc.getName();
      seen.add(name);
      if (v instanceof Negatable<?> n) {
        seen.add(name + (n.negated() ? " negated" : " plain"));
        v = n.value();
      }
      if (v instanceof List<?> l) {
        seen.add(name + (l.size() == 1 ? " one value" : l.size() > 1 ? " several values" : ""));
      }
    }
    if (m.ttl() != null) {
      seen.add("match.ttl " + m.ttl().op());
    }
    if (m.statistic() != null) {
      seen.add("match.statistic " + m.statistic().value().mode());
    }
  }

  /**
   * A character outside the BMP (two UTF-16 units) reads wherever it falls, also across the YAML
   * parser's 1025-character buffer boundary, where snakeyaml-engine 3.0.1 used to throw
   * IndexOutOfBoundsException out of the reader.
   */
  @Test
  void astralCharacterReadsAtEveryOffset() throws PolicyParseException {
    for (int pad = 900; pad < 1100; pad++) {
      String comment = "x".repeat(pad) + "\ud83d\ude00 y";
      String yaml = "policy: p\nfilter:\n  INPUT:\n    rules:\n      - action: accept\n"
          + "        comment: \"" + comment + "\"\n";
      Policy p = PolicyYamlReader.read("astral.yaml", yaml);
      assertEquals(comment, p.chains().get(0).rules().get(0).comment(), "padding " + pad);
    }
  }

  /**
   * Integers read over the whole range of the model's {@code int}s, which the writer prints with
   * up to ten digits; beyond it they are out of range, not "not an integer".
   */
  @Test
  void integersReadOverTheWholeIntRange() throws PolicyParseException {
    String ok = "policy: p\nraw:\n  OUTPUT:\n    - match: { statistic: { every: 2147483647,"
        + " packet: -2147483648 } }\n      action: accept\n";
    MatchSpec.Statistic st =
        PolicyYamlReader.read("ok.yaml", ok).chains().get(0).rules().get(0).match().statistic()
            .value();
    assertEquals(Integer.MAX_VALUE, st.every());
    assertEquals(Integer.MIN_VALUE, st.packet());
    PolicyParseException e = assertThrows(PolicyParseException.class,
        () -> PolicyYamlReader.read("big.yaml", ok.replace("2147483647", "2147483648")));
    assertEquals(List.of("big.yaml:4:36: error PC0008: '2147483648' is not a 32-bit integer"
        + " (-2147483648 to 2147483647)"), e.diagnostics().stream().map(Object::toString).toList());
  }

  /**
   * Words a YAML 1.1 tool reads as booleans, numbers, null, or the value and merge keys are
   * quoted by the writer, as keys and as values, so that other tools of a GitOps pipeline read
   * the same strings policyc does.
   */
  @Test
  void yaml11SpecialWordsAreQuotedAsKeysAndValues() {
    List<String> words = List.of("y", "N", "yes", "No", "on", "OFF", "true", "False", "null",
        "~", "=", "<<", "0777", "20:21", "1e3", "0x10", "+1", "-1", ".inf", "1_000");
    Map<String, List<String>> groups = new LinkedHashMap<>();
    words.forEach(w -> groups.put(w, List.of(w)));
    String yaml = PolicyYamlWriter.write(new Policy("p", null, null,
        new PolicyObjects(groups, Map.of(), Map.of(), List.of()), List.of(), null));
    for (String w : words) {
      assertTrue(yaml.contains("\n    \"" + w + "\":\n") || yaml.contains("\n    '" + w + "':\n"),
          "key " + w + " is not quoted in\n" + yaml);
      assertTrue(yaml.contains("- \"" + w + "\"\n") || yaml.contains("- '" + w + "'\n"),
          "value " + w + " is not quoted in\n" + yaml);
    }
  }

  /** The failure message names the place of the difference, not only two long model dumps. */
  @Test
  void aDifferenceIsReportedWithItsPath() {
    Policy a = new RandomModels(new Random(1)).policy();
    assertNull(ModelDiff.first(a, a));
    Policy b = new Policy(a.name() + "x", a.description(), a.host(), a.objects(), a.chains(),
        null);
    String d = ModelDiff.first(a, b);
    assertNotNull(d);
    assertTrue(d.startsWith("name: expected "), d);
  }
}
