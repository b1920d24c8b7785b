package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.classbench.ClassBenchTraceReader;
import dev.policyc.compiler.emit.report.Json;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc explain}: runs the reference interpreter on packets through the rules a policy
 * compiles to, and prints each packet's path and verdict.
 */
final class ExplainCommand implements Command {
  @Override
  public String name() {
    return "explain";
  }

  @Override
  public String synopsis() {
    return "POLICY (--packet PACKET | --packets FILE) [--format text|json|classbench-trace]";
  }

  @Override
  public String summary() {
    return "trace a packet through the compiled rules";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Option.builder().longOpt("packet").hasArg().argName("PACKET")
            .desc("the packet to trace, e.g. \"tcp 203.0.113.9:51515 -> 192.0.2.10:22 in eth0\"")
            .get())
        .addOption(Option.builder().longOpt("packets").hasArg().argName("FILE")
            .desc("a file of packets, one per line; prints one decision per line (with --format"
                + " classbench-trace: a ClassBench trace, printing the label of the first rule"
                + " that matched, or -)").get())
        .addOption(Format.option(formats()));
  }

  @Override
  public List<Format> formats() {
    return List.of(Format.TEXT, Format.JSON, Format.CLASSBENCH_TRACE);
  }

  /** A packet as written, and where: line 0 for {@code --packet}. */
  private record Written(String text, int line) {}

  @Override
  public int run(Invocation inv) {
    CommandLine cl = inv.line();
    if (inv.args().size() != 1) {
      return inv.usageError("give exactly one policy file");
    }
    if (cl.hasOption("packet") == cl.hasOption("packets")) {
      return inv.usageError("give either --packet or --packets");
    }
    boolean trace = inv.format() == Format.CLASSBENCH_TRACE;
    if (trace && !cl.hasOption("packets")) {
      return inv.usageError("--format classbench-trace reads a trace: give --packets TRACE");
    }
    String where = cl.hasOption("packet") ? "--packet" : cl.getOptionValue("packets");
    List<Written> written = new ArrayList<>();
    if (cl.hasOption("packet")) {
      written.add(new Written(cl.getOptionValue("packet"), 0));
    } else {
      String text;
      try {
        text = Files.readString(Path.of(where), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return inv.usageError("cannot read " + where + ": " + IoReason.of(e));
      } catch (InvalidPathException e) {
        return inv.usageError("cannot read " + where + ": bad file name (" + e.getReason() + ")");
      }
      if (trace) {
        return explainTrace(inv, ClassBenchTraceReader.read(where, text));
      }
      List<String> lines = text.lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        String s = lines.get(i).strip();
        if (!s.isEmpty() && !s.startsWith("#")) {
          written.add(new Written(s, i + 1));
        }
      }
    }
    Compilation compiled = compile(inv);
    if (compiled == null) {
      return Cli.POLICY_ERRORS;
    }
    List<Packet> packets = new ArrayList<>();
    for (Written w : written) {
      try {
        packets.add(Packet.parse(w.text()));
      } catch (IllegalArgumentException e) {
        return inv.usageError(at(where, w) + ": bad packet: " + e.getMessage());
      }
    }
    Interpreter interp = new Interpreter(compiled.ir());
    List<Object> json = new ArrayList<>();
    for (int i = 0; i < packets.size(); i++) {
      Packet p = packets.get(i);
      Decision d;
      try {
        d = interp.decide(p);
      } catch (IllegalArgumentException e) {
        // The packet and the policy disagree on who picks the output interface.
        return inv.usageError(at(where, written.get(i)) + ": " + e.getMessage());
      }
      if (inv.format() == Format.JSON) {
        json.add(DecisionText.json(p, d));
      } else if (cl.hasOption("packets")) {
        inv.out().println(DecisionText.oneLine(p, d));
      } else {
        inv.out().print(DecisionText.text(p, d));
      }
    }
    if (inv.format() == Format.JSON) {
      inv.out().print(Json.pretty(cl.hasOption("packet") ? json.get(0) : json));
    }
    return Cli.OK;
  }

  /**
   * The IR the files are emitted from, after every pass: its rule numbers are the ones the
   * kernel counts in the rules iptables-restore loads. Null, with the diagnostics printed, when
   * the policy has errors.
   */
  private static Compilation compile(Invocation inv) {
    PolicyCompiler.ReadResult read = inv.policies().read(inv.args().get(0));
    if (read.policy() == null) {
      read.diagnostics().forEach(inv.err()::println);
      return null;
    }
    Compilation compiled = PolicyCompiler.compile(read.policy());
    if (!compiled.ok()) {
      compiled.diagnostics().forEach(inv.err()::println);
      return null;
    }
    return compiled;
  }

  /**
   * Decides each packet of a ClassBench trace and prints the label of the first rule that
   * matched it, or {@code -}. The packets arrive for the host, through filter INPUT, where
   * {@code policyc import} puts the rules (see {@link ClassBenchTraceReader.TracePacket}).
   */
  private static int explainTrace(Invocation inv, ClassBenchTraceReader.Result trace) {
    if (!trace.ok()) {
      trace.diagnostics().forEach(inv.err()::println);
      int n = trace.diagnostics().size();
      inv.err().println("policyc explain: " + n + " " + Command.plural(n, "error", "errors")
          + " in the trace");
      return Cli.POLICY_ERRORS;
    }
    Compilation compiled = compile(inv);
    if (compiled == null) {
      return Cli.POLICY_ERRORS;
    }
    Interpreter interp = new Interpreter(compiled.ir());
    for (ClassBenchTraceReader.TracePacket tp : trace.packets()) {
      Packet p = tp.packet();
      inv.out().println(DecisionText.firstRuleLabel(compiled.ir(), p, interp.decide(p)));
    }
    return Cli.OK;
  }

  private static String at(String where, Written w) {
    return w.line() > 0 ? where + ":" + w.line() : where;
  }
}
