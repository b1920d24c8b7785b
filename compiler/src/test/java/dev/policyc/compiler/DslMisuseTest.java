package dev.policyc.compiler;

import static dev.policyc.dsl.Dsl.DROP;
import static dev.policyc.dsl.Dsl.INPUT;
import static dev.policyc.dsl.Dsl.match;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.ChainBuilder;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The bad-input corpus of the Java DSL: policies built with values the builders take but the
 * kernel or policyc refuses, each with the codes it must draw. A policy built in Java has no
 * lines, so every diagnostic is placed at the file-only position {@code <dsl>}; a policy with an
 * error compiles to no files. Builder misuse the builders themselves catch (a blank policy or
 * group name, a group declared twice) is an exception at once.
 */
class DslMisuseTest {
  private static final SourcePos DSL = new SourcePos("<dsl>", 0, 0);

  private static final Map<String, Case> CASES = Map.ofEntries(
      entry("a path for a policy name", () -> Policy.named("../../escaped").build(),
          Code.PC1012),
      entry("port 0", () -> input(p -> p.accept(match().tcp().dport(0))), Code.PC2002),
      entry("a port above 65535",
          () -> input(p -> p.accept(match().tcp().dport(70000))), Code.PC2002),
      entry("a negative port", () -> input(p -> p.accept(match().tcp().dport("-1"))),
          Code.PC2002),
      entry("a prefix with host bits set",
          () -> input(p -> p.accept(match().src("10.0.0.1/8"))), Code.PC7011),
      entry("an address with a bad octet",
          () -> input(p -> p.accept(match().src("10.0.0.256"))), Code.PC2001),
      entry("an unknown network group", () -> input(p -> p.accept(match().src("admins"))),
          Code.PC1001),
      entry("a jump to no chain", () -> input(p -> p.jump(match(), "nowhere")), Code.PC1004),
      entry("a jump to a built-in chain", () -> input(p -> p.jump(match(), "OUTPUT")),
          Code.PC1009),
      entry("a chain name with a space", () -> Policy.named("p")
          .filter(INPUT, c -> c.jump(match(), "ssh in")).filter("ssh in", c -> { })
          .build(), Code.PC1010),
      entry("a group name that looks like an address",
          () -> Policy.named("p").networks("10.1.0.0", "10.1.0.0/16").build(), Code.PC1011),
      entry("a bidi override in a comment",
          () -> input(p -> p.accept(match().tcp().dport(22), "ssh \u202Enimda")), Code.PC5003),
      entry("a C1 control in a comment",
          () -> input(p -> p.accept(match().tcp().dport(22), "ssh\u0085admin")), Code.PC5003),
      entry("DNAT in the filter table",
          () -> input(p -> p.dnat(match().tcp().dport(80), "10.0.0.5")), Code.PC3001),
      entry("DROP in the nat table", () -> Policy.named("p")
          .nat("PREROUTING", c -> c.drop(match().tcp())).build(), Code.PC3003),
      entry("an ICMP type without ICMP",
          () -> input(p -> p.accept(match().icmpType("echo-request"))), Code.PC6002),
      entry("an IPv6 address in an IPv4 rule",
          () -> input(p -> p.accept(match().ipv4().src("2001:db8::1"))), Code.PC4001),
      entry("an interface the host model does not have", () -> Policy.named("p")
          .host(h -> h.iface("eth0", "192.0.2.1/24")).interfaces("guestif", "eth0")
          .filter(INPUT, c -> c.policy(DROP).accept(match().in("guestiff"))).build(),
          Code.PC7012));

  record Case(Supplier<Policy> policy, Code code) {}

  private static Map.Entry<String, Case> entry(String name, Supplier<Policy> p, Code code) {
    return Map.entry(name, new Case(p, code));
  }

  private static Policy input(Consumer<ChainBuilder> rules) {
    return Policy.named("p").filter(INPUT, c -> rules.accept(c.policy(DROP))).build();
  }

  @TestFactory
  Stream<DynamicTest> eachMisuseDrawsItsCodeAtTheFileOnlyPosition() {
    return CASES.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
          Compilation c = PolicyCompiler.compile(e.getValue().policy().get());
          List<Diagnostic> drawn = c.diagnostics().stream()
              .filter(d -> d.code() == e.getValue().code()).toList();
          assertEquals(1, drawn.size(), () -> "expected one " + e.getValue().code() + ", got "
              + c.diagnostics());
          assertEquals(DSL, drawn.get(0).pos());
          if (drawn.get(0).isError()) {
            assertEquals(Map.of(), c.files());
          } else {
            // a warning: the policy compiles, and the warning is in its report
            assertTrue(c.files().get(PolicyCompiler.REPORT).contains(e.getValue().code().name()));
          }
        }));
  }

  @Test
  void misuseTheBuildersCatchIsAnExceptionAtOnce() {
    assertThrows(IllegalArgumentException.class, () -> Policy.named(""));
    assertThrows(IllegalArgumentException.class,
        () -> Policy.named("p").networks(" ", "10.0.0.0/8"));
    assertThrows(IllegalArgumentException.class,
        () -> Policy.named("p").networks("lan", "10.0.0.0/8").networks("lan", "10.1.0.0/16"));
  }

  @Test
  void theCorpusHoldsEveryKindOfMistake() {
    assertTrue(CASES.size() >= 18, CASES.size() + " cases");
  }
}
