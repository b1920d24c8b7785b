package dev.policyc.compiler;

import static dev.policyc.dsl.Dsl.DROP;
import static dev.policyc.dsl.Dsl.INPUT;
import static dev.policyc.dsl.Dsl.match;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.testing.KernelTests;
import dev.policyc.compiler.testing.Netns;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * No injection through the text a policy puts into rules: comments, LOG prefixes, set names,
 * interface names and the policy's name holding adversarial strings (quotes, newlines, {@code
 * $()}, backticks, {@code ;}, an argument that looks like {@code -j ACCEPT}, very long strings,
 * control characters, U+0085, the bidi override U+202E). Each is either refused at compile
 * time with a diagnostic of the expected codes, or loaded with {@code iptables-restore} (and
 * {@code ipset restore}) in a fresh network namespace, where {@code iptables-save} gives back
 * exactly the emitted rule lines, {@code --comment} included, and reading those lines back
 * gives exactly the intended text. Skipped, with the reason, without root or {@code ip netns}.
 */
@ResourceLock("netns")
class KernelInjectionTest {
  /** The codes a refusal may carry: limits, characters, names. */
  private static final Set<Code> REFUSALS = Set.of(Code.PC5001, Code.PC5002, Code.PC5003,
      Code.PC2004, Code.PC2011, Code.PC2013, Code.PC1011, Code.PC1012);

  private static final List<String> ADVERSARIAL = List.of(
      "it's \"quoted\"",
      "x\" -j ACCEPT \"",
      "a\nb",
      "a\rb",
      "$(reboot)",
      "`id`",
      "; iptables -F;",
      "back\\slash \\\"",
      "-j DROP",
      "*filter",
      "COMMIT",
      "# not a comment",
      "tab\there",
      "nul\u0000byte",
      "nel\u0085line",
      "bidi\u202eoverride",
      "caf\u00e9 \u2615",
      "x".repeat(300),
      "",
      "  ");

  private static String unavailable;

  @BeforeAll
  static void probe() {
    unavailable = Netns.unavailableReason();
  }

  /** Where the string goes, how a policy carries it, and how its rule holds it when read. */
  private record Place(String name, Function<String, Policy> policy,
      Function<String, Predicate<Rule>> holds) {}

  // Each policy drops by default and accepts SSH, so that no rule is optimized away as the
  // policy's own verdict and the lockout guard has nothing to refuse.
  private static final List<Place> PLACES = List.of(
      new Place("comment",
          s -> Policy.named("p").filter(INPUT, c -> c.policy(DROP)
              .accept(match().tcp().dport(22), s)).build(),
          s -> r -> s.equals(r.comment())),
      new Place("log-prefix",
          s -> Policy.named("p").filter(INPUT, c -> c.policy(DROP)
              .accept(match().tcp().dport(22)).log(match().tcp().dport(23), s)).build(),
          // an empty prefix is no prefix: the kernel holds "" either way
          s -> r -> r.target() instanceof Target.Log l
              && s.equals(l.prefix() == null ? "" : l.prefix())),
      new Place("set-name",
          s -> Policy.named("p").set(s, "hash:net", Family.IPV4, "192.0.2.0/24")
              .filter(INPUT, c -> c.policy(DROP).accept(match().tcp().dport(22))
                  .accept(match().ipv4().inSet(s, "src"))).build(),
          s -> r -> r.matches().stream()
              .anyMatch(m -> m instanceof Match.InSet i && i.name().equals(s))),
      new Place("interface",
          s -> Policy.named("p").filter(INPUT, c -> c.policy(DROP)
              .accept(match().tcp().dport(22)).accept(match().in(s))).build(),
          s -> r -> r.matches().stream()
              .anyMatch(m -> m instanceof Match.Iface i && i.name().equals(s))),
      new Place("policy-name",
          s -> Policy.named(s.isBlank() ? s + "p" : s).filter(INPUT, c -> c.policy(DROP)
              .accept(match().tcp().dport(22), "named")).build(),
          s -> r -> "named".equals(r.comment())));

  @TestFactory
  Stream<DynamicTest> adversarialTextIsRefusedOrReadBackExactly() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Place place : PLACES) {
      for (int i = 0; i < ADVERSARIAL.size(); i++) {
        String s = ADVERSARIAL.get(i);
        tests.add(DynamicTest.dynamicTest(place.name() + " #" + i + " " + printable(s),
            () -> check(place, s)));
      }
    }
    return tests.stream();
  }

  private static void check(Place place, String s) throws IOException {
    Compilation c = PolicyCompiler.compile(place.policy().apply(s));
    if (!c.ok()) {
      List<Diagnostic> errors = c.diagnostics().stream().filter(Diagnostic::isError).toList();
      assertTrue(!errors.isEmpty() && errors.stream().allMatch(d -> REFUSALS.contains(d.code())),
          "refused, but not for its text: " + errors);
      System.out.println("KernelInjectionTest: " + place.name() + " " + printable(s)
          + ": refused, " + errors.stream().map(d -> d.code().name()).distinct().toList());
      return;
    }
    KernelTests.assume(unavailable);
    System.out.println("KernelInjectionTest: " + place.name() + " " + printable(s)
        + ": loaded and read back exactly");
    Path dir = Files.createTempDirectory("policyc-inj");
    try (Netns ns = Netns.create("inj")) {
      String ipset = c.files().get(PolicyCompiler.IPSET);
      if (ipset != null) {
        Path p = Files.writeString(dir.resolve("ipset.rules"), ipset, StandardCharsets.UTF_8);
        ns.run("ipset", "restore", "-file", p.toString());
      }
      for (String[] fam : new String[][] {{PolicyCompiler.IPTABLES, "iptables", "IPV4"},
          {PolicyCompiler.IP6TABLES, "ip6tables", "IPV6"}}) {
        String rules = c.files().get(fam[0]);
        if (rules == null) {
          continue;
        }
        Path p = Files.writeString(dir.resolve(fam[0]), rules, StandardCharsets.UTF_8);
        ns.run(fam[1] + "-restore", p.toString());
        String saved = ns.run(fam[1] + "-save");
        Map<String, List<String>> want = KernelRoundTripTest.tables(rules);
        Map<String, List<String>> got = KernelRoundTripTest.tables(saved);
        assertTrue(want.equals(got), fam[0] + " does not save back unchanged: "
            + KernelRoundTripTest.firstDifference(want, got));
        boolean holds = holds(saved, Family.valueOf(fam[2]), place.holds().apply(s));
        boolean setOnlyV4 = place.name().equals("set-name") && fam[2].equals("IPV6");
        assertTrue(holds || setOnlyV4, "no rule read back from the kernel holds "
            + printable(s) + ":\n" + saved);
      }
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }

  private static boolean holds(String saved, Family family, Predicate<Rule> holds) {
    Ruleset rs;
    try {
      rs = IptablesSaveReader.read("saved", saved, family);
    } catch (ParseException e) {
      throw new AssertionError("iptables-save output does not read: " + e.diagnostic(), e);
    }
    for (RuleTable t : rs.tables()) {
      for (Chain ch : t.chains()) {
        if (ch.rules().stream().anyMatch(holds)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The string with its control and invisible characters written as code points. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    String t = s.length() > 20 ? s.substring(0, 20) + "…(" + s.length() + ")" : s;
    t.codePoints().forEach(cp -> {
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || Character.getType(cp) == Character.FORMAT) {
        b.append(String.format("U+%04X", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }
}
