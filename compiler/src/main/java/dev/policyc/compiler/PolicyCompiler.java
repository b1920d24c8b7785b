package dev.policyc.compiler;

import dev.policyc.compiler.checks.CheckSettings;
import dev.policyc.compiler.checks.Checks;
import dev.policyc.compiler.checks.LockoutGuard;
import dev.policyc.compiler.emit.apply.ApplyScriptEmitter;
import dev.policyc.compiler.emit.ipset.IpsetEmitter;
import dev.policyc.compiler.emit.ipvs.InterfacesEmitter;
import dev.policyc.compiler.emit.ipvs.IpvsadmEmitter;
import dev.policyc.compiler.emit.ipvs.KeepalivedEmitter;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.IpvsValidator;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.emit.report.ReportEmitter;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.lower.Lowering;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.optimize.Pass;
import dev.policyc.compiler.optimize.PassContext;
import dev.policyc.compiler.optimize.PassManager;
import dev.policyc.compiler.optimize.Passes;
import dev.policyc.compiler.optimize.PassStats;
import dev.policyc.dsl.Ownership;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.IoReason;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.yaml.PolicyParseException;
import dev.policyc.dsl.yaml.PolicyYamlReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The compiler's public entry point: reads or takes a policy, lowers it, and emits the files.
 * Nothing here touches the file system except {@link #read(Path)}.
 */
public final class PolicyCompiler {
  public static final String IPTABLES = "iptables.rules";
  public static final String IP6TABLES = "ip6tables.rules";
  public static final String IPSET = "ipset.rules";
  public static final String REPORT = "report.json";
  /** The script that loads the other files all or nothing (docs/apply.md). */
  public static final String APPLY = "apply.sh";
  /** The IPVS services for {@code ipvsadm -R} (docs/ipvs.md); only for a policy with ipvs. */
  public static final String IPVS_RULES = "ipvs.rules";
  /** The script that binds the virtual IPs on a dummy interface. */
  public static final String INTERFACES = "interfaces.sh";
  /** The same services with their health checks, for keepalived. */
  public static final String KEEPALIVED = "keepalived.conf";

  private PolicyCompiler() {}

  /** A policy read from a file, or the diagnostics that say why it could not be. */
  public record ReadResult(Policy policy, List<Diagnostic> diagnostics) {}

  /**
   * Reads a YAML policy file; problems become diagnostics with positions. When the reader finds
   * problems, the errors lowering finds in what it could read come with them, so one run reports
   * both (an unknown key no longer hides an unknown group until it is fixed).
   */
  public static ReadResult read(Path file) {
    try {
      return new ReadResult(PolicyYamlReader.read(file), List.of());
    } catch (PolicyParseException e) {
      return unread(e);
    } catch (IOException e) {
      return new ReadResult(null, List.of(new Diagnostic(Code.PC0010,
          "cannot read policy: " + IoReason.of(e), new SourcePos(file.toString(), 0, 0))));
    }
  }

  /** Reads a YAML policy from text, as {@link #read(Path)} does. */
  public static ReadResult read(String name, String text) {
    try {
      return new ReadResult(PolicyYamlReader.read(name, text), List.of());
    } catch (PolicyParseException e) {
      return unread(e);
    }
  }

  /**
   * The reader's problems and the errors of lowering the partial policy: only errors, since the
   * lint checks' warnings (a chain never used, a rule shadowed) would be about the parts that are
   * missing. A rule the reader found a problem in is a stand-in there, so it draws none.
   */
  private static ReadResult unread(PolicyParseException e) {
    List<Diagnostic> all = new ArrayList<>(e.diagnostics());
    e.partial().ifPresent(p -> Lowering.lower(p).diagnostics().stream()
        .filter(Diagnostic::isError).forEach(all::add));
    return new ReadResult(null, sorted(all));
  }

  /**
   * Lowers a policy and runs the lint checks, without passes or files. The checks run also when
   * lowering found errors, on what did lower, so one run reports every problem.
   */
  public static CheckResult check(Policy policy) {
    return check(policy, CheckOptions.defaults());
  }

  /** As {@link #check(Policy)}, with the checks' limits of {@code options}. */
  public static CheckResult check(Policy policy, CheckOptions options) {
    Lowering.Result lowered = Lowering.lower(policy);
    List<Diagnostic> all = new ArrayList<>(lowered.diagnostics());
    all.addAll(Checks.run(policy, lowered.ir(), lowered.complete(),
        new CheckSettings(options.maxExpansion(), options.managementPort(),
            options.compareRules())));
    IpvsValidator.Result ipvs = ipvs(policy);
    all.addAll(ipvs.diagnostics());
    return new CheckResult(lowered.ok() && ipvs.ok() ? lowered.ir() : null, sorted(all));
  }

  /** The policy's IPVS services checked (docs/ipvs.md), or the diagnostics that say why not. */
  public static IpvsValidator.Result ipvs(Policy policy) {
    return IpvsValidator.validate(policy.ipvs(), policy.source());
  }

  /** Compiles a policy with the default options. */
  public static Compilation compile(Policy policy) {
    return compile(policy, CompileOptions.defaults());
  }

  /**
   * Compiles a policy: lowering, the lint checks that do not compare rules ({@link
   * CheckOptions#forCompile()}), the passes of the options' level (each validated), then the
   * emitters. Nothing is emitted when there are errors.
   */
  public static Compilation compile(Policy policy, CompileOptions options) {
    CheckResult checked = check(policy, CheckOptions.forCompile());
    if (!checked.ok()) {
      return Compilation.failed(checked.diagnostics());
    }
    if (options.refuseLockout()) {
      // before the passes: the lowered IR means what the policy says
      Optional<Diagnostic> lockout = LockoutGuard.check(policy, checked.ir());
      if (lockout.isPresent()) {
        List<Diagnostic> all = new ArrayList<>(checked.diagnostics());
        all.add(lockout.get());
        return Compilation.failed(sorted(all));
      }
    }
    Reporter passDiagnostics = new Reporter();
    PassManager.Result passed;
    try {
      passed = (options.verify()
          ? new PassManager(Passes.forLevel(options.level()),
              (before, after) -> Proofs.passVerifier(before, after, options.verifyBudget()))
          : PassManager.forLevel(options.level())).run(checked.ir(), passDiagnostics);
    } catch (PassManager.NotProved e) {
      // --verify: nothing is emitted from a pass the checker did not prove
      List<Diagnostic> all = new ArrayList<>(checked.diagnostics());
      all.add(new Diagnostic(Code.PC0012, e.getMessage() + " (compile without --verify, or at"
          + " a lower -O level)", new SourcePos(policy.source().file(), 0, 0)));
      return Compilation.failed(sorted(all));
    }
    List<Diagnostic> all = new ArrayList<>(checked.diagnostics());
    if (policy.owns() == Ownership.CHAINS) {
      List<Diagnostic> clashes = ownedNameClashes(policy, passed.ir());
      if (!clashes.isEmpty()) {
        all.addAll(clashes);
        return Compilation.failed(sorted(all));
      }
    }
    all.addAll(passDiagnostics.diagnostics());
    List<Diagnostic> diagnostics = sorted(all);
    Map<String, String> files = emit(passed.ir(), sourceName(policy), included(policy),
        diagnostics, options.level(), passed.stats(), options.timings(), policy.owns(),
        ipvs(policy).config());
    return new Compilation(checked.ir(), passed.ir(), diagnostics, files, passed.stats());
  }

  /**
   * A policy that owns only its chains puts the rules of each built-in chain into a chain named
   * {@code policyc-CHAIN}: a chain of its own by such a name would be merged into it.
   */
  private static List<Diagnostic> ownedNameClashes(Policy policy, IrPolicy ir) {
    List<Diagnostic> out = new ArrayList<>();
    for (Table t : Table.values()) {
      for (String b : t.builtinChains()) {
        String owned = IptablesEmitter.OWNED_PREFIX + b;
        boolean taken = ir.ipv4().table(t).flatMap(rt -> rt.chain(owned)).isPresent()
            || ir.ipv6().table(t).flatMap(rt -> rt.chain(owned)).isPresent();
        if (taken) {
          out.add(new Diagnostic(Code.PC1010, "chain name '" + owned + "' is taken by 'owns:"
              + " chains', which puts the rules of " + b + " there; rename the chain",
              policy.source().at(PolicyPath.chain(t, owned))));
        }
      }
    }
    return out;
  }

  /** Diagnostics by file, line and column; equal positions keep their order. */
  private static List<Diagnostic> sorted(List<Diagnostic> in) {
    List<Diagnostic> out = new ArrayList<>(in);
    out.sort(Comparator.comparing((Diagnostic d) -> d.pos().file())
        .thenComparingInt(d -> d.pos().line())
        .thenComparingInt(d -> d.pos().column()));
    return out;
  }

  /**
   * Emits the files of an IR that is already valid for the emitters, as is: the report says that
   * no pass ran.
   */
  public static Map<String, String> emit(IrPolicy ir, String sourceName,
      List<Diagnostic> warnings) {
    return emit(ir, sourceName, List.of(), warnings, OptLevel.O0, List.of(), false,
        Ownership.TABLES, IpvsConfig.NONE);
  }

  private static Map<String, String> emit(IrPolicy ir, String sourceName, List<String> included,
      List<Diagnostic> warnings, OptLevel level, List<PassStats> passes, boolean timings,
      Ownership owns, IpvsConfig ipvs) {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(IPTABLES, IptablesEmitter.emit(ir.ipv4(), ir.name(), owns));
    // An IPv6 file whenever it changes anything: IPv6 rules or a DROP policy. A policy whose
    // built-in chains drop by default therefore filters IPv6 too instead of leaving it open.
    if (!ir.ipv6().isTrivial()) {
      files.put(IP6TABLES, IptablesEmitter.emit(ir.ipv6(), ir.name(), owns));
    }
    if (!ir.sets().isEmpty()) {
      files.put(IPSET, IpsetEmitter.emit(ir.sets(), ir.name()));
    }
    files.put(APPLY, ApplyScriptEmitter.emit(files.containsKey(IP6TABLES),
        files.containsKey(IPSET), owns == Ownership.CHAINS));
    if (!ipvs.isEmpty()) {
      // only a policy with an ipvs section has these: the others' outputs stay as they were
      files.put(IPVS_RULES, IpvsadmEmitter.emit(ipvs));
      files.put(INTERFACES, InterfacesEmitter.emit(ipvs, hostAddresses(ir), ir.name()));
      files.put(KEEPALIVED, KeepalivedEmitter.emit(ipvs, ir.name()));
    }
    List<String> names = new ArrayList<>(files.keySet());
    names.add(REPORT);
    // The report lists the optimization passes; legalization runs at every level.
    List<ReportEmitter.PassSummary> optimizations = passes.stream()
        .filter(p -> p.kind() == Pass.Kind.OPTIMIZATION)
        .map(p -> new ReportEmitter.PassSummary(p.name(), p.rulesBefore(), p.rulesAfter(),
            p.counters(), p.setsCreated(), p.removals().stream().map(PolicyCompiler::removed)
                .toList(), timings ? p.nanos() / 1_000_000 : null))
        .toList();
    files.put(REPORT, ReportEmitter.emit(ir, sourceName, included, names, warnings,
        level.number(), optimizations));
    return files;
  }

  private static Set<IpAddr> hostAddresses(IrPolicy ir) {
    Set<IpAddr> out = new HashSet<>();
    ir.hostModel().ifPresent(h -> h.ifaces().forEach(i -> i.addrs().forEach(
        a -> out.add(a.addr()))));
    return out;
  }

  private static ReportEmitter.Removed removed(PassContext.Removal r) {
    return new ReportEmitter.Removed(r.family().yamlName(),
        r.table().iptablesName() + "/" + r.chain(), r.rule().toString(), r.reason(),
        r.by().stream().map(Origin::toString).toList());
  }

  /**
   * The files the policy includes, relative to its own folder (so the report does not depend on
   * the folder policyc ran in), in the order first read.
   */
  private static List<String> included(Policy p) {
    List<String> files = p.source().files();
    Path dir = Path.of(p.source().file()).getParent();
    List<String> out = new ArrayList<>();
    for (String f : files.subList(1, files.size())) {
      out.add(dir == null ? f : dir.relativize(Path.of(f)).toString());
    }
    return out;
  }

  private static String sourceName(Policy p) {
    String f = p.source().file();
    int slash = f.lastIndexOf('/');
    return slash >= 0 ? f.substring(slash + 1) : f;
  }
}
