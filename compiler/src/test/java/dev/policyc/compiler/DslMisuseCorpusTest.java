package dev.policyc.compiler;

import static dev.policyc.dsl.Dsl.DROP;
import static dev.policyc.dsl.Dsl.INPUT;
import static dev.policyc.dsl.Dsl.PREROUTING;
import static dev.policyc.dsl.Dsl.match;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.cli.Cli;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyBuilder;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.yaml.PolicyYamlWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Misuse of the Java DSL: policies the builders accept that the compiler refuses, each with
 * exactly one error of its code. A DSL policy has no source lines, so the error names only the
 * file ({@code <dsl>}); the same policy written as YAML ({@link PolicyYamlWriter}) draws the same
 * error at the written line and column from {@code policyc compile}, which exits with status 1
 * and writes nothing.
 */
class DslMisuseCorpusTest {
  private static final String LONG_SET = "a-set-name-longer-than-31-characters";

  /** One misuse: the error's code, its line and column in the written YAML, and a fragment. */
  record Misuse(String name, String code, int line, int column, String text,
      Supplier<Policy> policy) {}

  @TempDir
  Path tmp;

  static List<Misuse> cases() {
    return List.of(
        misuse("port-above-65535", "PC2002", 7, 18, "invalid port: port 70000 is above 65535",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().tcp().dport("70000")))
                .build()),
        misuse("bad-address", "PC2001", 6, 16, "invalid address: '10.0.0.300' has an octet",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().src("10.0.0.300")))
                .build()),
        misuse("unknown-protocol", "PC2003", 6, 18, "unknown protocol 'tcpx'",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().proto("tcpx")))
                .build()),
        misuse("interface-too-long", "PC5001", 6, 15,
            "interface name 'eth0123456789abcdef' is longer",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().in("eth0123456789abcdef")))
                .build()),
        misuse("unknown-icmp-type", "PC2005", 7, 22, "unknown ICMP type 'nosuch'",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().icmp().icmpType("nosuch")))
                .build()),
        misuse("mark-above-32-bits", "PC2006", 6, 17,
            "invalid mark: '0x1ffffffff' is out of range (at",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().mark("0x1ffffffff")))
                .build()),
        misuse("bad-rate", "PC2007", 6, 18, "invalid limit: unit 'fortnight' must be second,",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().limit("5/fortnight")))
                .build()),
        misuse("dnat-to-a-name", "PC2008", 9, 17, "invalid DNAT address: 'web' is not an IPv4",
            () -> policy()
                .nat(PREROUTING, ch -> ch.dnat(match().tcp().dport(80), "web-server"))
                .build()),
        misuse("unknown-reject-type", "PC2009", 6, 19, "unknown reject type 'tcp-reset-please'",
            () -> policy()
                .filter(INPUT, ch -> ch.reject(match(), "tcp-reset-please"))
                .build()),
        misuse("unknown-set", "PC1005", 7, 13, "unknown ipset 'nosuch'",
            () -> policy()
                .filter(INPUT, ch -> ch.drop(match().inSet("nosuch", "src")))
                .build()),
        misuse("jump-to-unknown-chain", "PC1004", 6, 17, "unknown chain 'nochain' in table filter",
            () -> policy()
                .filter(INPUT, ch -> ch.jump(match(), "nochain"))
                .build()),
        misuse("jump-to-builtin", "PC1009", 6, 17,
            "cannot jump to built-in chain OUTPUT; only user",
            () -> policy()
                .filter(INPUT, ch -> ch.jump(match(), "OUTPUT"))
                .build()),
        misuse("unknown-service", "PC1002", 6, 20, "unknown service group 'nosuch'",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().service("nosuch")))
                .build()),
        misuse("log-prefix-too-long", "PC5001", 7, 21,
            "log prefix is 39 bytes long; the kernel allows",
            () -> policy()
                .filter(INPUT, ch -> ch.log(match(), "a prefix of thirty-nine characters ...:"))
                .build()),
        misuse("comment-too-long", "PC5002", 6, 18,
            "comment is 300 bytes long; the kernel allows 255",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match(), "c".repeat(300)))
                .build()),
        misuse("comment-with-newline", "PC5003", 6, 18,
            "comment holds a control character (U+000A)",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match(), "a\nb"))
                .build()),
        misuse("comment-with-bidi", "PC5003", 6, 18,
            "comment holds an invisible formatting character",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match(), "a\u202eb"))
                .build()),
        misuse("ports-without-protocol", "PC6001", 6, 18, "ports need proto tcp, udp, sctp or dccp",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().dport(22)))
                .build()),
        misuse("icmp-type-without-icmp", "PC6002", 6, 22, "icmp-type needs proto icmp or icmpv6",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().icmpType("echo-request")))
                .build()),
        misuse("syn-on-udp", "PC6003", 7, 16, "TCP flags need proto tcp",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().udp().syn()))
                .build()),
        misuse("reject-in-nat", "PC3001", 5, 17, "REJECT is only valid in the filter table, not",
            () -> policy()
                .nat(PREROUTING, ch -> ch.reject(match()))
                .build()),
        misuse("prerouting-in-filter", "PC3007", 3, 3,
            "table filter has no PREROUTING chain (it has",
            () -> policy()
                .filter(PREROUTING, ch -> ch.accept(match()))
                .build()),
        misuse("dnat-in-filter", "PC3001", 9, 11, "DNAT is only valid in the nat table, not filter",
            () -> policy()
                .filter(INPUT, ch -> ch.dnat(match().tcp().dport(80), "10.0.0.1"))
                .build()),
        misuse("policy-on-user-chain", "PC3006", 4, 13,
            "user chain mine cannot have a policy; only",
            () -> policy()
                .filter("mine", ch -> ch.policy(DROP))
                .filter(INPUT, ch -> ch.jump(match(), "mine"))
                .build()),
        misuse("output-interface-in-input", "PC3004", 6, 16,
            "'out' cannot match in INPUT: packets there have",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().out("eth0")))
                .build()),
        misuse("ipv6-address-in-ipv4-rule", "PC4001", 7, 16,
            "IPv6 address 2001:db8::1 in an IPv4 rule",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().ipv4().src("2001:db8::1")))
                .build()),
        misuse("policy-name-path", "PC1012", 1, 9, "policy name '../escaped' must be letters,",
            () -> Policy.named("../escaped")
                .filter(INPUT, ch -> ch.accept(match()))
                .build()),
        misuse("chain-name-too-long", "PC5001", 3, 3,
            "chain name 'a-chain-name-longer-than-29-chars'",
            () -> policy()
                .filter("a-chain-name-longer-than-29-chars", ch -> ch.accept(match()))
                .filter(INPUT, ch -> ch.jump(match(), "a-chain-name-longer-than-29-chars"))
                .build()),
        misuse("cyclic-jump", "PC1007", 10, 11, "jumping from b to a makes a loop; the kernel",
            () -> policy()
                .filter("a", ch -> ch.jump(match(), "b"))
                .filter("b", ch -> ch.jump(match(), "a"))
                .filter(INPUT, ch -> ch.jump(match(), "a"))
                .build()),
        misuse("cyclic-group", "PC1006", 7, 9, "network group 'y' includes itself through 'x'",
            () -> policy()
                .networks("x", "y")
                .networks("y", "x")
                .filter(INPUT, ch -> ch.accept(match().src("x")))
                .build()),
        misuse("bad-set-entry", "PC2001", 8, 11, "invalid address: '10.0.0.300' has an octet",
            () -> policy()
                .set("s", "hash:net", Family.IPV4, "10.0.0.300")
                .filter(INPUT, ch -> ch.drop(match().inSet("s", "src")))
                .build()),
        misuse("drop-in-nat", "PC3003", 5, 17, "the nat table refuses DROP; filter in the",
            () -> policy()
                .nat(PREROUTING, ch -> ch.drop(match()))
                .build()),
        misuse("set-name-too-long", "PC5001", 4, 5, "ipset name",
            () -> policy()
                .set(LONG_SET, "hash:net", Family.IPV4, "10.0.0.0/8")
                .filter(INPUT, ch -> ch.drop(match().inSet(LONG_SET, "src")))
                .build()),
        misuse("interface-with-slash", "PC2004", 6, 15, "invalid interface name 'eth0/1'",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().in("eth0/1")))
                .build()),
        misuse("dscp-above-63", "PC2006", 6, 17, "'64' is not a DSCP value (0-63) or class (EF,",
            () -> policy()
                .mangle(PREROUTING, ch -> ch.accept(match().dscp("64")))
                .build()),
        misuse("negative-port", "PC2002", 7, 18, "invalid port: port '-1' is negative; ports are",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().tcp().dport("-1")))
                .build()),
        misuse("empty-address-list", "PC2014", 6, 16, "the address list is empty",
            () -> policy()
                .filter(INPUT, ch -> ch.accept(match().src()))
                .build()),
        misuse("redirect-bad-port", "PC2002", 10, 13, "invalid port: 'http' is not a port number",
            () -> policy()
                .nat(PREROUTING, ch -> ch.redirect(match().tcp().dport(80), "http"))
                .build()));
  }

  private static PolicyBuilder policy() {
    return Policy.named("p");
  }

  private static Misuse misuse(String name, String code, int line, int column, String text,
      Supplier<Policy> policy) {
    return new Misuse(name, code, line, column, text, policy);
  }

  @TestFactory
  Stream<DynamicTest> eachMisuseDrawsItsErrorAndWritesNothing() {
    return cases().stream().map(m -> DynamicTest.dynamicTest(m.name(), () -> check(m)));
  }

  @Test
  void thereAreThirtyNamedMisuses() {
    Set<String> names = new HashSet<>();
    for (Misuse m : cases()) {
      assertTrue(names.add(m.name()), "two cases are named " + m.name());
    }
    assertTrue(names.size() >= 30, "only " + names.size() + " cases");
  }

  @Test
  void theBuildersRefuseBlankAndTwiceDeclaredNamesAtOnce() {
    assertThrows(IllegalArgumentException.class, () -> Policy.named(" "));
    assertThrows(IllegalArgumentException.class,
        () -> policy().networks("x", "10.0.0.0/8").networks("x", "10.0.0.0/8"));
    assertThrows(IllegalArgumentException.class, () -> policy().filter(" ", c -> {}));
  }

  private void check(Misuse m) throws IOException {
    Policy p = m.policy().get();
    List<Diagnostic> errors = PolicyCompiler.compile(p).diagnostics().stream()
        .filter(Diagnostic::isError).toList();
    assertEquals(1, errors.size(), m.name() + ": " + errors);
    Diagnostic d = errors.get(0);
    assertEquals(m.code(), d.code().name(), d.toString());
    assertTrue(d.message().contains(m.text()), d.toString());
    assertFalse(d.pos().known(), "a DSL policy has no lines: " + d);

    Path yaml = Files.writeString(tmp.resolve(m.name() + ".yaml"), PolicyYamlWriter.write(p),
        StandardCharsets.UTF_8);
    Path out = tmp.resolve(m.name() + "-out");
    Cli.Captured run = Cli.capture("compile", yaml.toString(), "-o", out.toString());
    assertEquals(Cli.POLICY_ERRORS, run.code(), run.err());
    String at = yaml + ":" + m.line() + ":" + m.column() + ": error " + m.code() + ": ";
    assertTrue(run.err().startsWith(at) && run.err().lines().findFirst().orElseThrow()
        .contains(m.text()), "expected " + at + m.text() + "\n" + run.err());
    assertTrue(run.err().contains("; nothing written"), run.err());
    assertFalse(Files.exists(out), "compile of " + m.name() + " created " + out);
  }
}
