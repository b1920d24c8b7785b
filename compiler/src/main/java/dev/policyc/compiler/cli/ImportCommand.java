package dev.policyc.compiler.cli;

import dev.policyc.compiler.classbench.ClassBenchImporter;
import dev.policyc.compiler.classbench.ClassBenchReader;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.IoReason;
import dev.policyc.dsl.yaml.InputText;
import dev.policyc.dsl.yaml.PolicyParseException;
import dev.policyc.dsl.yaml.PolicyYamlWriter;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc import}: turns a rule set written in another format into a policy file. The
 * one format today is a ClassBench filter set; see {@code docs/classbench.md}.
 */
final class ImportCommand implements Command {
  private static final String CLASSBENCH = "classbench";

  @Override
  public String name() {
    return "import";
  }

  @Override
  public String synopsis() {
    return "--format classbench FILE -o POLICY [--name NAME]";
  }

  @Override
  public String summary() {
    return "turn a ClassBench filter set into a policy file";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Option.builder().longOpt("format").hasArg().argName(CLASSBENCH)
            .desc("the format of FILE: classbench (a ClassBench filter set)").get())
        .addOption(Option.builder("o").longOpt("output").hasArg().argName("POLICY")
            .desc("the policy file to write, or - for standard output").get())
        .addOption(Option.builder().longOpt("name").hasArg().argName("NAME")
            .desc("the policy's name (default: FILE's name without its extension)").get());
  }

  @Override
  public int run(Invocation inv) {
    if (inv.args().size() != 1) {
      return inv.usageError("give exactly one file to import (- for standard input)");
    }
    String format = inv.line().getOptionValue("format");
    if (format == null) {
      return inv.usageError("--format is required; the one format is classbench");
    }
    if (!format.equals(CLASSBENCH)) {
      return inv.usageError("--format must be classbench, not '" + format + "'");
    }
    if (!inv.line().hasOption("output")) {
      return inv.usageError("-o POLICY is required (use -o - for standard output)");
    }
    String file = inv.args().get(0);
    String shown = file.equals("-") ? PolicyInput.STDIN : file;
    String name = inv.line().getOptionValue("name", defaultName(file));
    Optional<String> badName = Policy.nameProblem(name);
    if (badName.isPresent()) {
      // The policy would not compile (PC1012): say so now, not after writing it.
      return inv.usageError(badName.get() + (inv.line().hasOption("name") ? ""
          : "; give one with --name"));
    }
    String text;
    try {
      text = file.equals("-") ? InputText.read(shown, inv.io().in())
          : InputText.read(Path.of(file));
    } catch (PolicyParseException e) {
      return failed(inv, e.diagnostics());
    } catch (IOException e) {
      return failed(inv, List.of(unreadable(shown, IoReason.of(e))));
    } catch (InvalidPathException e) {
      return failed(inv, List.of(unreadable(shown, "bad file name (" + e.getReason() + ")")));
    }
    ClassBenchReader.Result read = ClassBenchReader.read(shown, text);
    if (!read.ok()) {
      return failed(inv, read.diagnostics());
    }
    read.diagnostics().forEach(inv.err()::println);
    ClassBenchImporter.Imported imported = ClassBenchImporter.toPolicy(name,
        "ClassBench filter set " + baseName(shown) + ", imported by policyc: each rule's comment"
            + " is its filter's number", read.filters());
    String yaml = PolicyYamlWriter.write(imported.policy());
    String out = inv.line().getOptionValue("output");
    if (out.equals("-")) {
      inv.out().print(yaml);
      return Cli.OK;
    }
    Path dest;
    try {
      dest = Path.of(out);
    } catch (InvalidPathException e) {
      return inv.usageError("bad output file name '" + out + "' (" + e.getReason() + ")");
    }
    Optional<Diagnostic> failure = OutputWriter.writeFile(dest, yaml);
    if (failure.isPresent()) {
      return failed(inv, List.of(failure.get()));
    }
    int filters = read.filters().size();
    inv.out().println("imported " + filters + " ClassBench "
        + Command.plural(filters, "filter", "filters") + " from " + shown + " as policy " + name
        + ": " + imported.rules() + " " + Command.plural(imported.rules(), "rule", "rules")
        + (imported.leftOut() == 0 ? "" : ", " + imported.leftOut() + " "
            + Command.plural(imported.leftOut(), "filter that matches", "filters that match")
            + " nothing left out")
        + " -> " + dest);
    return Cli.OK;
  }

  /** Prints the diagnostics and the count of errors; nothing was written. */
  private static int failed(Invocation inv, List<Diagnostic> diagnostics) {
    diagnostics.forEach(inv.err()::println);
    int errors = (int) diagnostics.stream().filter(Diagnostic::isError).count();
    inv.err().println("policyc import: " + errors + " " + Command.plural(errors, "error",
        "errors") + "; nothing written");
    return Cli.POLICY_ERRORS;
  }

  private static Diagnostic unreadable(String file, String reason) {
    // Line 0: the position is the file itself, printed as its name alone.
    return new Diagnostic(Code.PC0010, "cannot read filter set: " + reason,
        new SourcePos(file, 0, 0));
  }

  /** {@code acl1_10k} for {@code sets/acl1_10k.txt}; {@code classbench} for standard input. */
  static String defaultName(String file) {
    if (file.equals("-")) {
      return "classbench";
    }
    String base = baseName(file);
    int dot = base.lastIndexOf('.');
    return dot > 0 ? base.substring(0, dot) : base.isEmpty() ? "classbench" : base;
  }

  private static String baseName(String file) {
    int slash = file.lastIndexOf('/');
    return slash >= 0 ? file.substring(slash + 1) : file;
  }
}
