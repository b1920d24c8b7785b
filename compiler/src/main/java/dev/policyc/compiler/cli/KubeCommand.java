package dev.policyc.compiler.cli;

import dev.policyc.compiler.kube.KubeCompiler;
import dev.policyc.compiler.kube.KubeReport;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.IoReason;
import dev.policyc.dsl.yaml.InputText;
import dev.policyc.dsl.yaml.PolicyParseException;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc kube}: compiles Service and EndpointSlice manifests to what kube-proxy programs
 * on one node, in its IPVS mode (the default) or its iptables mode, and writes the files all or
 * nothing; {@code --report} compares the two modes (docs/kube.md).
 */
final class KubeCommand implements Command {
  /** Every file either mode writes: a run removes the other mode's files from the folder. */
  private static final List<String> OUTPUTS =
      List.of("interfaces.sh", "ipset.rules", "iptables.rules", "ip6tables.rules", "ipvs.rules");

  @Override
  public String name() {
    return "kube";
  }

  @Override
  public String synopsis() {
    return "MANIFEST... --node NODE.yaml (-o DIR [--mode ipvs|iptables] | --report)";
  }

  @Override
  public String summary() {
    return "compile Kubernetes Services and EndpointSlices as kube-proxy programs them";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Option.builder().longOpt("node").hasArg().argName("NODE.yaml")
            .desc("the node's facts: name, ipFamily (IPv4 or IPv6: which of kube-proxy's two"
                + " proxiers), addresses, local-traffic detector, masquerade bit (docs/kube.md)")
            .get())
        .addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR")
            .desc("output directory, or - for standard output").get())
        .addOption(Option.builder().longOpt("mode").hasArg().argName("ipvs|iptables")
            .desc("kube-proxy's mode: ipvs (the default; interfaces.sh, ipset.rules,"
                + " iptables.rules, ipvs.rules) or iptables (iptables.rules); an IPv6 node gets"
                + " ip6tables.rules in place of iptables.rules").get())
        .addOption(Option.builder().longOpt("report")
            .desc("print the rule counts of both modes and the rules a packet is tested against"
                + " to reach a service, for the manifests and for generated clusters of 100, 1K"
                + " and 10K services").get());
  }

  @Override
  public int run(Invocation inv) {
    if (inv.args().isEmpty()) {
      return inv.usageError("no manifest files given");
    }
    if (!inv.line().hasOption("node")) {
      return inv.usageError("--node NODE.yaml is required");
    }
    boolean report = inv.line().hasOption("report");
    String outDir = inv.line().getOptionValue("output");
    if (outDir == null && !report) {
      return inv.usageError("-o DIR is required (use -o - for standard output)");
    }
    if (outDir != null && outDir.isEmpty()) {
      return inv.usageError("-o must name a folder (use -o . for the current one), not ''");
    }
    KubeCompiler.Mode mode;
    try {
      mode = KubeCompiler.Mode.named(inv.line().getOptionValue("mode", "ipvs"));
    } catch (IllegalArgumentException e) {
      return inv.usageError(e.getMessage());
    }
    Path outPath = null;
    if (outDir != null && !outDir.equals("-")) {
      try {
        outPath = Path.of(outDir);
      } catch (InvalidPathException e) {
        return inv.usageError("bad output folder name '" + outDir + "' (" + e.getReason() + ")");
      }
    }
    List<Diagnostic> problems = new ArrayList<>();
    List<KubeCompiler.Input> manifests = new ArrayList<>();
    for (String f : inv.args()) {
      KubeCompiler.Input in = read(inv, f, problems);
      if (in != null) {
        manifests.add(in);
      }
    }
    KubeCompiler.Input node = read(inv, inv.line().getOptionValue("node"), problems);
    if (!problems.isEmpty() || node == null) {
      return failed(inv, problems);
    }
    KubeCompiler.Result r = KubeCompiler.compile(manifests, node, mode);
    if (!r.ok()) {
      return failed(inv, r.diagnostics());
    }
    r.diagnostics().forEach(inv.err()::println);
    if (report) {
      KubeReport.Table t = KubeReport.measure(manifests, node, KubeReport.SIZES, 1L);
      inv.out().print(t.text());
      if (outDir == null) {
        return Cli.OK;
      }
    }
    if (outPath == null) {
      for (Map.Entry<String, String> f : r.files().entrySet()) {
        inv.out().println("# ==> " + f.getKey() + " <==");
        inv.out().print(f.getValue());
      }
      return Cli.OK;
    }
    Optional<Diagnostic> failure = OutputWriter.writeFiles(outPath, r.files(), OUTPUTS);
    if (failure.isPresent()) {
      inv.err().println(failure.get());
      inv.err().println("policyc kube: 1 error; nothing written");
      return Cli.POLICY_ERRORS;
    }
    KubeCompiler.Counts c = r.counts();
    inv.out().println("kube " + mode.name().toLowerCase(java.util.Locale.ROOT) + ": "
        + c.servicePorts() + " service " + Command.plural(c.servicePorts(), "port", "ports")
        + ", " + c.iptablesRules() + " iptables rules"
        + (mode == KubeCompiler.Mode.IPVS ? ", " + c.setEntries() + " set entries, "
            + c.virtualServers() + " virtual servers, " + c.realServers() + " real servers, "
            + c.addresses() + " addresses" : "") + " -> " + outPath);
    return Cli.OK;
  }

  private static int failed(Invocation inv, List<Diagnostic> problems) {
    problems.forEach(inv.err()::println);
    int n = (int) problems.stream().filter(Diagnostic::isError).count();
    inv.err().println("policyc kube: " + n + " " + Command.plural(n, "error", "errors")
        + "; nothing written");
    return Cli.POLICY_ERRORS;
  }

  private static KubeCompiler.Input read(Invocation inv, String file,
      List<Diagnostic> problems) {
    try {
      String text = file.equals("-") ? inv.policies().stdin() : InputText.read(Path.of(file));
      return new KubeCompiler.Input(file.equals("-") ? PolicyInput.STDIN : file, text);
    } catch (IOException e) {
      problems.add(new Diagnostic(Code.PC8110, "cannot read: " + IoReason.of(e),
          new SourcePos(file, 0, 0)));
    } catch (InvalidPathException e) {
      problems.add(new Diagnostic(Code.PC8110, "bad file name (" + e.getReason() + ")",
          new SourcePos(file, 0, 0)));
    } catch (PolicyParseException e) {
      problems.addAll(e.diagnostics());
    }
    return null;
  }
}
