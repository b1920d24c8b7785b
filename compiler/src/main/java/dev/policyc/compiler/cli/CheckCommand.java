package dev.policyc.compiler.cli;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.emit.report.Json;
import dev.policyc.compiler.emit.report.ReportEmitter;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc check}: reads and lowers policies, runs the lint checks and prints every
 * diagnostic of each. Warnings leave the status 0 unless {@code --werror} makes them fail.
 */
final class CheckCommand implements Command {
  @Override
  public String name() {
    return "check";
  }

  @Override
  public String synopsis() {
    return "[--werror] [--max-expansion N] [--management-port PORT] [--format text|json]"
        + " POLICY...";
  }

  @Override
  public String summary() {
    return "validate policies and print every diagnostic";
  }

  @Override
  public Options options() {
    return new Options().addOption(Format.option(formats()))
        .addOption(Option.builder().longOpt("werror")
            .desc("treat warnings as errors: exit status 1 when there is any").get())
        .addOption(Option.builder().longOpt("max-expansion").hasArg().argName("N")
            .desc("warn about a rule that becomes more than N kernel rules (default "
                + CheckOptions.DEFAULT_MAX_EXPANSION + ")").get())
        .addOption(Option.builder().longOpt("management-port").hasArg().argName("PORT")
            .desc("the TCP port the host is managed on, for the lockout check (default "
                + CheckOptions.DEFAULT_MANAGEMENT_PORT + ")").get());
  }

  @Override
  public List<Format> formats() {
    return List.of(Format.TEXT, Format.JSON);
  }

  @Override
  public int run(Invocation inv) {
    List<String> files = inv.args();
    if (files.isEmpty()) {
      return inv.usageError("no policy files given");
    }
    CheckOptions options;
    try {
      options = new CheckOptions(
          number(inv, "max-expansion", CheckOptions.DEFAULT_MAX_EXPANSION),
          number(inv, "management-port", CheckOptions.DEFAULT_MANAGEMENT_PORT), true);
    } catch (IllegalArgumentException e) {
      return inv.usageError(e.getMessage());
    }
    boolean werror = inv.line().hasOption("werror");
    List<Diagnostic> all = new ArrayList<>();
    for (String file : files) {
      PolicyCompiler.ReadResult read = inv.policies().read(file);
      all.addAll(read.policy() == null
          ? read.diagnostics()
          : PolicyCompiler.check(read.policy(), options).diagnostics());
    }
    int errors = (int) all.stream().filter(Diagnostic::isError).count();
    int warnings = all.size() - errors;
    if (inv.format() == Format.JSON) {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("errors", errors);
      root.put("warnings", warnings);
      root.put("diagnostics", all.stream().map(ReportEmitter::diagnostic).toList());
      inv.out().print(Json.pretty(root));
    } else {
      for (Diagnostic d : all) {
        inv.out().println(d);
      }
      String warned = warnings + " " + Command.plural(warnings, "warning", "warnings");
      if (errors > 0) {
        inv.out().println(errors + " " + Command.plural(errors, "error", "errors"));
      } else if (werror && warnings > 0) {
        inv.out().println(warned + ", which --werror makes errors");
      } else {
        inv.out().println(files.size() + " " + Command.plural(files.size(), "policy", "policies")
            + " OK" + (warnings == 0 ? "" : ", " + warned));
      }
    }
    return errors > 0 || (werror && warnings > 0) ? Cli.POLICY_ERRORS : Cli.OK;
  }

  /** A whole-number option's value, or the default; a value that is not a number is refused. */
  private static int number(Invocation inv, String option, int otherwise) {
    String v = inv.line().getOptionValue(option);
    if (v == null) {
      return otherwise;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + option + " takes a whole number, not '" + v + "'");
    }
  }
}
