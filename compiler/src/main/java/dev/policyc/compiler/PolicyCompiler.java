package dev.policyc.compiler;

import dev.policyc.compiler.emit.ipset.IpsetEmitter;
import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.emit.report.ReportEmitter;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.lower.Lowering;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.yaml.PolicyParseException;
import dev.policyc.dsl.yaml.PolicyYamlReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiler's public entry point: reads or takes a policy, lowers it, and emits the files.
 * Nothing here touches the file system except {@link #read(Path)}.
 */
public final class PolicyCompiler {
  public static final String IPTABLES = "iptables.rules";
  public static final String IP6TABLES = "ip6tables.rules";
  public static final String IPSET = "ipset.rules";
  public static final String REPORT = "report.json";

  private PolicyCompiler() {}

  /** A policy read from a file, or the diagnostics that say why it could not be. */
  public record ReadResult(Policy policy, List<Diagnostic> diagnostics) {}

  /**
   * The outcome of compiling one policy.
   *
   * @param ir the IR, or null when there were errors
   * @param files file name → content, in a fixed order; empty when there were errors
   */
  public record Result(IrPolicy ir, List<Diagnostic> diagnostics, Map<String, String> files) {
    public boolean ok() {
      return ir != null;
    }
  }

  /** Reads a YAML policy file; problems become diagnostics with positions. */
  public static ReadResult read(Path file) {
    try {
      return new ReadResult(PolicyYamlReader.read(file), List.of());
    } catch (PolicyParseException e) {
      return new ReadResult(null, e.diagnostics());
    } catch (IOException e) {
      return new ReadResult(null, List.of(new Diagnostic(Code.PC0010,
          "cannot read policy: " + e.getMessage(), new SourcePos(file.toString(), 0, 0))));
    }
  }

  /** Reads a YAML policy from text. */
  public static ReadResult read(String name, String text) {
    try {
      return new ReadResult(PolicyYamlReader.read(name, text), List.of());
    } catch (PolicyParseException e) {
      return new ReadResult(null, e.diagnostics());
    }
  }

  /** Lowers and checks a policy without emitting anything. */
  public static Lowering.Result check(Policy policy) {
    return Lowering.lower(policy);
  }

  /** Compiles a policy to its files. */
  public static Result compile(Policy policy) {
    Lowering.Result lowered = Lowering.lower(policy);
    if (!lowered.ok()) {
      return new Result(null, lowered.diagnostics(), Map.of());
    }
    IrPolicy ir = lowered.ir();
    return new Result(ir, lowered.diagnostics(), emit(ir, sourceName(policy),
        lowered.diagnostics()));
  }

  /** Emits the files of a compiled policy. */
  public static Map<String, String> emit(IrPolicy ir, String sourceName,
      List<Diagnostic> warnings) {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(IPTABLES, IptablesEmitter.emit(ir.ipv4(), ir.name()));
    // An IPv6 file whenever it changes anything: IPv6 rules or a DROP policy. A policy whose
    // built-in chains drop by default therefore filters IPv6 too instead of leaving it open.
    if (!ir.ipv6().isTrivial()) {
      files.put(IP6TABLES, IptablesEmitter.emit(ir.ipv6(), ir.name()));
    }
    if (!ir.sets().isEmpty()) {
      files.put(IPSET, IpsetEmitter.emit(ir.sets(), ir.name()));
    }
    List<String> names = new ArrayList<>(files.keySet());
    names.add(REPORT);
    files.put(REPORT, ReportEmitter.emit(ir, sourceName, names, warnings));
    return files;
  }

  private static String sourceName(Policy p) {
    String f = p.source().file();
    int slash = f.lastIndexOf('/');
    return slash >= 0 ? f.substring(slash + 1) : f;
  }
}
