package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc compile}: compiles policies and writes their iptables-restore, ipset and report
 * files, all of them or, when any policy has an error, none.
 */
final class CompileCommand implements Command {
  @Override
  public String name() {
    return "compile";
  }

  @Override
  public String synopsis() {
    return "POLICY... -o DIR [-O LEVEL] [--verify] [--timings] [--target LIST] [--package PKG]";
  }

  @Override
  public String summary() {
    return "compile policies to iptables-restore, ipset and report files";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR")
            .desc("output directory, or - for standard output").get())
        .addOption(Option.builder("O").longOpt("optimize").hasArg().argName("LEVEL")
            .desc("optimization level: -O0 none (the rules as written), -O1 redundancy removal,"
                + " merging and ipsets, -O2 (the default) also decision trees").get())
        .addOption(Option.builder().longOpt("verify")
            .desc("prove every pass with the equivalence engine (policyc verify proves the"
                + " emitted files)").get())
        .addOption(Option.builder().longOpt("timings")
            .desc("give each pass's time in report.json (which then differs from run to run)")
            .get())
        .addOption(Option.builder().longOpt("target").hasArg().argName("LIST")
            .desc("what to write, separated by commas: iptables, ipset, report, java (the"
                + " generated classifier); default " + Targets.DEFAULT).get())
        .addOption(Option.builder().longOpt("package").hasArg().argName("PKG")
            .desc("the Java package of the classifier (--target java)").get());
  }

  @Override
  public int run(Invocation inv) {
    if (inv.args().isEmpty()) {
      return inv.usageError("no policy files given");
    }
    if (!inv.line().hasOption("output")) {
      return inv.usageError("-o DIR is required (use -o - for standard output)");
    }
    OptLevel level;
    try {
      level = OptLevel.parse(inv.line().getOptionValue("optimize", "2"));
    } catch (IllegalArgumentException e) {
      return inv.usageError(e.getMessage());
    }
    Targets targets;
    try {
      targets = Targets.parse(inv.line().getOptionValue("target"),
          inv.line().getOptionValue("package"));
    } catch (IllegalArgumentException e) {
      return inv.usageError(e.getMessage());
    }
    CompileOptions options = new CompileOptions(level, inv.line().hasOption("verify"),
        inv.line().hasOption("timings"));
    PrintWriter err = inv.err();
    List<Compilation> results = new ArrayList<>();
    List<Diagnostic> all = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int duplicates = 0;
    boolean failed = false;
    for (String file : inv.args()) {
      PolicyCompiler.ReadResult read = inv.policies().read(file);
      if (read.policy() == null) {
        all.addAll(read.diagnostics());
        failed = true;
        continue;
      }
      Compilation r = PolicyCompiler.compile(read.policy(), options);
      all.addAll(r.diagnostics());
      if (!r.ok()) {
        failed = true;
        continue;
      }
      List<String> unmodelled = new ArrayList<>();
      r = targets.apply(r, unmodelled);
      if (!unmodelled.isEmpty()) {
        Targets.lines(file, unmodelled).forEach(err::println);
        duplicates += unmodelled.size(); // counted with the other errors that are not diagnostics
        failed = true;
      }
      if (!names.add(r.ir().name())) {
        err.println(file + ": error: two policies are named '" + r.ir().name()
            + "'; each needs its own output folder");
        duplicates++;
        failed = true;
      }
      results.add(r);
    }
    all.forEach(err::println);
    if (failed) {
      int errors = (int) all.stream().filter(Diagnostic::isError).count() + duplicates;
      err.println("policyc compile: " + errors + " " + Command.plural(errors, "error", "errors")
          + "; nothing written");
      return Cli.POLICY_ERRORS;
    }
    String outDir = inv.line().getOptionValue("output");
    boolean several = results.size() > 1;
    if (outDir.equals("-")) {
      for (Compilation r : results) {
        for (Map.Entry<String, String> f : r.files().entrySet()) {
          inv.out().println("# ==> " + (several ? r.ir().name() + "/" : "") + f.getKey()
              + " <==");
          inv.out().print(f.getValue());
        }
      }
      return Cli.OK;
    }
    Optional<Diagnostic> failure = OutputWriter.write(Path.of(outDir), results, several);
    if (failure.isPresent()) {
      err.println(failure.get());
      err.println("policyc compile: 1 error; nothing written");
      return Cli.POLICY_ERRORS;
    }
    for (Compilation r : results) {
      Path dir = several ? Path.of(outDir, r.ir().name()) : Path.of(outDir);
      inv.out().println("compiled " + r.ir().name() + ": " + r.ir().ipv4().ruleCount()
          + " IPv4 rules, " + r.ir().ipv6().ruleCount() + " IPv6 rules, " + r.ir().sets().size()
          + " " + Command.plural(r.ir().sets().size(), "set", "sets") + " -> " + dir);
    }
    return Cli.OK;
  }
}
