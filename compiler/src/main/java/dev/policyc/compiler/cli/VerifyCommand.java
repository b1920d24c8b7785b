package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.Proofs;
import dev.policyc.compiler.emit.report.Json;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.compiler.verify.Result;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc verify}: compiles each policy and proves with the equivalence engine, for every
 * packet, that the emitted files (read back as {@code iptables-restore} would load them) mean the
 * IR they came from, and that the passes kept the lowered IR's meaning. Status 0 when every
 * proof holds, 1 when one fails or cannot be decided (or a policy has errors).
 */
final class VerifyCommand implements Command {
  @Override
  public String name() {
    return "verify";
  }

  @Override
  public String synopsis() {
    return "[-O LEVEL] [--exhaustive] [--format text|json] [--ipsets FILE] [--kube-proxy-jumps]"
        + " POLICY|RULES...";
  }

  @Override
  public String summary() {
    return "prove the emitted rules mean the policy, for every packet";
  }

  @Override
  public Options options() {
    return new Options().addOption(Format.option(formats()))
        .addOption(Option.builder("O").longOpt("optimize").hasArg().argName("LEVEL")
            .desc("optimization level of the compilation to verify (default 2, as compile)").get())
        .addOption(Option.builder().longOpt("exhaustive")
            .desc("explore every table whole, taking no table as equal because its rules are")
            .get())
        .addOption(Option.builder().longOpt("ipsets").hasArg().argName("FILE")
            .desc("with RULES (an iptables-save or iptables-restore text, such as policyc kube"
                + " writes): the sets they name, as 'ipset save' prints them").get())
        .addOption(Option.builder().longOpt("kube-proxy-jumps")
            .desc("with RULES: add the jumps kube-proxy installs from the built-in chains").get());
  }

  @Override
  public List<Format> formats() {
    return List.of(Format.TEXT, Format.JSON);
  }

  @Override
  public int run(Invocation inv) {
    if (inv.args().isEmpty()) {
      return inv.usageError("no policy files given");
    }
    OptLevel level;
    try {
      level = OptLevel.parse(inv.line().getOptionValue("optimize", "2"));
    } catch (IllegalArgumentException e) {
      return inv.usageError(e.getMessage());
    }
    boolean allHold = true;
    List<Object> json = new ArrayList<>();
    for (String file : inv.args()) {
      Proofs.Proof rules = RulesProof.of(inv, file, inv.line().hasOption("optimize"));
      if (rules != RulesProof.POLICY) {
        if (rules == null) {
          allHold = false;
          continue;
        }
        allHold &= rules.holds();
        if (inv.format() == Format.JSON) {
          json.add(json(file, rules));
        } else {
          inv.out().print(text(file, rules));
        }
        continue;
      }
      PolicyCompiler.ReadResult read = inv.policies().read(file);
      if (read.policy() == null) {
        read.diagnostics().forEach(inv.err()::println);
        allHold = false;
        continue;
      }
      Compilation c = PolicyCompiler.compile(read.policy(), new CompileOptions(level));
      if (!c.ok()) {
        c.diagnostics().stream().filter(d -> d.isError()).forEach(inv.err()::println);
        allHold = false;
        continue;
      }
      List<Proofs.Proof> proofs;
      try {
        proofs = Proofs.of(c, Equivalence.DEFAULT_BUDGET, inv.line().hasOption("exhaustive"));
      } catch (ParseException e) {
        inv.err().println(file + ": the emitted rules do not read back: " + e.diagnostic());
        allHold = false;
        continue;
      }
      for (Proofs.Proof p : proofs) {
        allHold &= p.holds();
        if (inv.format() == Format.JSON) {
          json.add(json(file, p));
        } else {
          inv.out().print(text(file, p));
        }
      }
    }
    if (inv.format() == Format.JSON) {
      inv.out().print(Json.pretty(json));
    }
    return allHold ? Cli.OK : Cli.POLICY_ERRORS;
  }

  private static String text(String file, Proofs.Proof p) {
    Result r = p.result();
    String head = file + ": " + p.claim() + ": ";
    String figures = " (" + r.regions() + " packet classes, " + p.millis() + " ms)";
    return switch (r.status()) {
      case EQUAL -> head + "proved" + figures + "\n";
      case DIFFERENT -> head + "FALSE" + figures + "\n" + indent(DiffText.text(r));
      case UNKNOWN -> head + "undecided: " + r.reason() + figures + "\n";
    };
  }

  private static String indent(String s) {
    return s.lines().map(l -> "  " + l + "\n").reduce("", String::concat);
  }

  private static Map<String, Object> json(String file, Proofs.Proof p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("policy", file);
    m.put("claim", p.claim());
    m.put("result", p.result().status().name().toLowerCase(java.util.Locale.ROOT));
    if (p.result().reason() != null) {
      m.put("reason", p.result().reason());
    }
    m.put("packetClasses", p.result().regions());
    m.put("differences", p.result().differences().stream().map(DiffText::json).toList());
    return m;
  }
}
