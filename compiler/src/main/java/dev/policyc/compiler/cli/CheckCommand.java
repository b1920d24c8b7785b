package dev.policyc.compiler.cli;

import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.emit.report.Json;
import dev.policyc.compiler.emit.report.ReportEmitter;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.Options;

/** {@code policyc check}: reads and lowers policies and prints every diagnostic of each. */
final class CheckCommand implements Command {
  @Override
  public String name() {
    return "check";
  }

  @Override
  public String synopsis() {
    return "[--format text|json] POLICY...";
  }

  @Override
  public String summary() {
    return "validate policies and print every diagnostic";
  }

  @Override
  public Options options() {
    return new Options().addOption(Format.option(formats()));
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
    List<Diagnostic> all = new ArrayList<>();
    for (String file : files) {
      PolicyCompiler.ReadResult read = inv.policies().read(file);
      all.addAll(read.policy() == null
          ? read.diagnostics()
          : PolicyCompiler.check(read.policy()).diagnostics());
    }
    int errors = (int) all.stream().filter(Diagnostic::isError).count();
    if (inv.format() == Format.JSON) {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("errors", errors);
      root.put("warnings", all.size() - errors);
      root.put("diagnostics", all.stream().map(ReportEmitter::diagnostic).toList());
      inv.out().print(Json.pretty(root));
    } else {
      for (Diagnostic d : all) {
        inv.out().println(d);
      }
      inv.out().println(errors == 0
          ? files.size() + " " + Command.plural(files.size(), "policy", "policies") + " OK"
              + (all.isEmpty() ? "" : ", " + all.size() + " "
                  + Command.plural(all.size(), "warning", "warnings"))
          : errors + " " + Command.plural(errors, "error", "errors"));
    }
    return errors == 0 ? Cli.OK : Cli.POLICY_ERRORS;
  }
}
