package dev.policyc.compiler.oracle;

import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.parse.IrToPolicy;
import dev.policyc.dsl.yaml.PolicyYamlWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a self-contained reproduction of an oracle mismatch under
 * {@code target/oracle-mismatches/}: the policy as YAML, the emitted scripts, the packet, and
 * both paths.
 */
final class Repro {
  private Repro() {}

  static Path write(long seed, IrPolicy policy, Packet p, String difference) throws IOException {
    Path dir = Path.of("target", "oracle-mismatches", Long.toUnsignedString(seed, 16));
    Files.createDirectories(dir);
    Map<String, String> files = PolicyCompiler.emit(policy, policy.name(), List.of());
    for (Map.Entry<String, String> e : files.entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
    }
    String yaml;
    try {
      yaml = PolicyYamlWriter.write(IrToPolicy.convert(policy));
    } catch (IllegalArgumentException e) {
      yaml = "# this IR cannot be written as a policy: " + e.getMessage() + "\n";
    }
    Files.writeString(dir.resolve("policy.yaml"), "# kernel-oracle mismatch, shrunk; compile it"
        + " with: policyc compile policy.yaml -o out\n" + yaml, StandardCharsets.UTF_8);
    Decision d = Interpreter.decide(policy, p);
    StringBuilder sb = new StringBuilder();
    sb.append("policy seed: ").append(seed).append('\n');
    sb.append("packet: ").append(p).append('\n');
    sb.append("interpreter: ").append(d.outcome()).append(' ').append(d.path()).append('\n');
    sb.append("difference:\n    ").append(difference).append('\n');
    sb.append("\nTo replay: load ipset.rules, iptables.rules and ip6tables.rules into the firewall"
        + " namespace of docs/kernel-oracle.md and send the packet from its interface.\n");
    Files.writeString(dir.resolve("mismatch.txt"), sb.toString(), StandardCharsets.UTF_8);
    return dir.toAbsolutePath();
  }
}
