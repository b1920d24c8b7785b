package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.path.PolicyPath;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc compile}: compiles policies and writes their iptables-restore, ipset and report
 * files, all of them or, when any policy has an error, none.
 */
final class CompileCommand implements Command {
  /** {@code --only}'s words and the files they choose. */
  private static final Map<String, String> ONLY = onlyWords();

  @Override
  public String name() {
    return "compile";
  }

  @Override
  public String synopsis() {
    return "POLICY... -o DIR [-O LEVEL] [--verify] [--timings] [--only OUTPUT]"
        + " [--allow-lockout] [--target LIST] [--package PKG]";
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
        .addOption(Option.builder().longOpt("allow-lockout")
            .desc("compile a policy even when no declared admin source can reach the"
                + " management service (SSH) through it (PC0013; docs/apply.md)").get())
        .addOption(Option.builder().longOpt("only").hasArg().argName(String.join("|",
                ONLY.keySet()))
            .desc("with -o - and one policy: print only this file, as it is, for a pipe into"
                + " iptables-restore, ip6tables-restore, ipset restore or ipvsadm -R").get())
        .addOption(Option.builder().longOpt("target").hasArg().argName("LIST")
            .desc("what to write, separated by commas: iptables, ipset, report, java (the"
                + " generated classifier), ipvs (ipvs.rules, interfaces.sh, keepalived.conf, for"
                + " a policy with ipvs); default " + Targets.DEFAULT).get())
        .addOption(Option.builder().longOpt("package").hasArg().argName("PKG")
            .desc("the Java package of the classifier (--target java)").get());
  }

  private static Map<String, String> onlyWords() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("iptables", PolicyCompiler.IPTABLES);
    m.put("ip6tables", PolicyCompiler.IP6TABLES);
    m.put("ipset", PolicyCompiler.IPSET);
    m.put("report", PolicyCompiler.REPORT);
    m.put("ipvs", PolicyCompiler.IPVS_RULES);
    return Collections.unmodifiableMap(m);
  }

  @Override
  public int run(Invocation inv) {
    if (inv.args().isEmpty()) {
      return inv.usageError("no policy files given");
    }
    if (!inv.line().hasOption("output")) {
      return inv.usageError("-o DIR is required (use -o - for standard output)");
    }
    String outDir = inv.line().getOptionValue("output");
    if (outDir.isEmpty()) {
      // Path.of("") is the current folder: an empty -o (an unset variable) must not write there.
      return inv.usageError("-o must name a folder (use -o . for the current one), not ''");
    }
    Path outPath = null;
    if (!outDir.equals("-")) {
      try {
        outPath = Path.of(outDir);
      } catch (InvalidPathException e) {
        return inv.usageError("bad output folder name '" + outDir + "' (" + e.getReason() + ")");
      }
    }
    String only = inv.line().getOptionValue("only");
    if (only != null) {
      if (!ONLY.containsKey(only)) {
        return inv.usageError("--only must be " + String.join(", ", ONLY.keySet())
            + ", not '" + only + "'");
      }
      if (outPath != null) {
        return inv.usageError("--only prints one file to standard output; give -o - with it");
      }
      if (inv.args().size() > 1) {
        return inv.usageError("--only prints the file of one policy; give one policy, not "
            + inv.args().size());
      }
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
        inv.line().hasOption("timings"))
        .withRefuseLockout(!inv.line().hasOption("allow-lockout"));
    PrintWriter err = inv.err();
    List<Compilation> results = new ArrayList<>();
    List<Diagnostic> all = new ArrayList<>();
    Map<String, String> names = new HashMap<>();
    int unmodelledErrors = 0;
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
      r = targets.apply(r, PolicyCompiler.ipvs(read.policy()).config(), unmodelled);
      if (!unmodelled.isEmpty()) {
        Targets.lines(file, unmodelled).forEach(err::println);
        unmodelledErrors += unmodelled.size(); // errors that are not diagnostics
        failed = true;
      }
      String first = names.putIfAbsent(r.ir().name(), file);
      if (first != null) {
        all.add(new Diagnostic(Code.PC1013, "two policies are named '" + r.ir().name()
            + "' (the other is " + first + "); each needs its own output folder",
            read.policy().source().at(PolicyPath.name())));
        failed = true;
      }
      results.add(r);
    }
    all.forEach(err::println);
    if (failed) {
      int errors = (int) all.stream().filter(Diagnostic::isError).count() + unmodelledErrors;
      err.println("policyc compile: " + errors + " " + Command.plural(errors, "error", "errors")
          + "; nothing written");
      return Cli.POLICY_ERRORS;
    }
    boolean several = results.size() > 1;
    if (only != null) {
      Compilation r = results.get(0);
      String text = r.files().get(ONLY.get(only));
      if (text == null) {
        // Printing nothing loads nothing, as a missing file would: say why it is empty.
        err.println("policyc compile: " + r.ir().name() + " has no " + ONLY.get(only) + " ("
            + (only.equals("ipset") ? "no sets" : only.equals("ipvs") ? "no ipvs section"
                : "no IPv6 rules") + "); nothing printed");
      } else {
        inv.out().print(text);
      }
      return Cli.OK;
    }
    if (outPath == null) {
      for (Compilation r : results) {
        for (Map.Entry<String, String> f : r.files().entrySet()) {
          inv.out().println("# ==> " + (several ? r.ir().name() + "/" : "") + f.getKey()
              + " <==");
          inv.out().print(f.getValue());
        }
      }
      return Cli.OK;
    }
    Optional<Diagnostic> failure = OutputWriter.write(outPath, results, several);
    if (failure.isPresent()) {
      err.println(failure.get());
      err.println("policyc compile: 1 error; nothing written");
      return Cli.POLICY_ERRORS;
    }
    for (Compilation r : results) {
      Path dir = several ? outPath.resolve(r.ir().name()) : outPath;
      inv.out().println("compiled " + r.ir().name() + ": " + r.ir().ipv4().ruleCount()
          + " IPv4 rules, " + r.ir().ipv6().ruleCount() + " IPv6 rules, " + r.ir().sets().size()
          + " " + Command.plural(r.ir().sets().size(), "set", "sets") + " -> " + dir);
    }
    return Cli.OK;
  }
}
