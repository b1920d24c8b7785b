package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.Proofs;
import dev.policyc.compiler.classbench.ClassBenchTraceReader;
import dev.policyc.compiler.emit.report.Json;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.FlowLine;
import dev.policyc.compiler.interp.FlowSession;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.IrValidator;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.kube.KubeProxyJumps;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.IpvsadmReader;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
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
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc explain}: decides packets under the rules a policy compiles to (at the level
 * {@code -O} names, {@code -O2} by default), and prints each packet's path and verdict. The
 * engine is the reference interpreter on the compiled IR, or ({@code --engine iptables}) on the
 * emitted {@code iptables-restore} text read back, so what the kernel would load can be traced
 * rule by rule; rule numbers are the ones the kernel counts, and rules an optimizer pass made of
 * several are named by the policy rule the packet matched first. In place of the policy it takes
 * RULES, an {@code iptables-save} or {@code iptables-restore} text (kube-proxy's payload, with
 * {@code --kube-proxy-jumps}), on the host model of {@code --host}, the sets of {@code
 * --ipsets} and the IPVS virtual servers of {@code --ipvs} (their addresses bound on a dummy
 * {@code kube-ipvs0}, as kube-proxy's IPVS mode binds them).
 */
final class ExplainCommand implements Command {
  @Override
  public String name() {
    return "explain";
  }

  @Override
  public String synopsis() {
    return "POLICY|RULES (--packet PACKET | --packets FILE [--session] | --flow FILE)"
        + " [-O LEVEL] [--engine interpreter|iptables|classifier] [--stats]"
        + " [--format text|json|classbench-trace] [--ipsets FILE] [--host POLICY]"
        + " [--kube-proxy-jumps] [--ipvs FILE]";
  }

  @Override
  public String summary() {
    return "trace a packet through the compiled rules, or an iptables-save text";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Option.builder().longOpt("packet").hasArg().argName("PACKET")
            .desc("the packet to trace, e.g. \"tcp 203.0.113.9:51515 -> 192.0.2.10:22 in eth0\"")
            .get())
        .addOption(Option.builder().longOpt("packets").hasArg().argName("FILE")
            .desc("a file of packets, one per line ('-' for standard input); prints one decision"
                + " per line, and reports a malformed line (PC8007) and goes on (with --format"
                + " classbench-trace: a ClassBench trace, printing the label of the first rule"
                + " that matched, or -)").get())
        .addOption(Option.builder().longOpt("session")
            .desc("with --packets: decide the packets as one flow session (as --flow does),"
                + " one line each").get())
        .addOption(Option.builder().longOpt("flow").hasArg().argName("FILE")
            .desc("a flow, one packet per line ('-' for standard input): decided in order"
                + " through one simulated conntrack table, with per-rule limit and statistic"
                + " state; a line may start with 'at TIME' (1.5s, 250ms) and may be 'reply"
                + " [ATTRIBUTES]' (the answer to the packet before) or 'reply icmp [from ADDR]"
                + " [type T]' (an ICMP error about it); prints each packet's path, decision,"
                + " conntrack entry and NAT (with --format json: one JSON object per line)")
            .get())
        .addOption(Option.builder("O").longOpt("optimize").hasArg().argName("LEVEL")
            .desc("the optimization level of the rules to trace (default 2, as compile)").get())
        .addOption(Option.builder().longOpt("engine").hasArg().argName("ENGINE")
            .desc("interpreter (the default: the reference interpreter on the compiled rules),"
                + " iptables (on the emitted iptables-restore text read back) or classifier (the"
                + " generated Java classifier, compiled in process)").get())
        .addOption(Option.builder().longOpt("ipsets").hasArg().argName("FILE")
            .desc("with RULES (an iptables-save or iptables-restore text in place of the"
                + " policy): the sets its rules name, as 'ipset save' or 'ipset restore' text")
            .get())
        .addOption(Option.builder().longOpt("host").hasArg().argName("POLICY")
            .desc("with RULES: the host they run on, the host model of this policy file (its"
                + " rules are not used); without it packets say where they go").get())
        .addOption(Option.builder().longOpt("ipvs").hasArg().argName("FILE")
            .desc("with RULES: the IPVS virtual servers of the host, as 'ipvsadm -S -n' prints"
                + " them (kube-proxy's IPVS mode: policyc kube's ipvs.rules); packets to them"
                + " are scheduled after filter INPUT (the host's own after nat OUTPUT; in a"
                + " flow once a connection), and their addresses that are not the host's are"
                + " bound on a dummy " + KUBE_IPVS_DEVICE).get())
        .addOption(Option.builder().longOpt("kube-proxy-jumps")
            .desc("with RULES written by 'policyc kube --mode iptables' (or kube-proxy's"
                + " payload): add the jumps from the built-in chains that kube-proxy ensures"
                + " outside the payload").get())
        .addOption(Option.builder().longOpt("stats")
            .desc("after the decisions, print how many packets each outcome got and the mean"
                + " and maximum number of rules a packet was tested against (on standard"
                + " error)").get())
        .addOption(Format.option(formats()));
  }

  /** The dummy interface kube-proxy's IPVS mode binds the virtual IPs on. */
  static final String KUBE_IPVS_DEVICE = "kube-ipvs0";

  /** What decides the packets. */
  enum Engine {
    INTERPRETER,
    IPTABLES,
    CLASSIFIER;

    static Engine named(String word) {
      for (Engine e : values()) {
        if (e.name().toLowerCase(Locale.ROOT).equals(word)) {
          return e;
        }
      }
      throw new IllegalArgumentException("--engine must be interpreter, iptables or classifier,"
          + " not '" + word + "'");
    }
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
    int inputs = (cl.hasOption("packet") ? 1 : 0) + (cl.hasOption("packets") ? 1 : 0)
        + (cl.hasOption("flow") ? 1 : 0);
    if (inputs != 1) {
      return inv.usageError("give one of --packet, --packets and --flow");
    }
    if (cl.hasOption("session") && !cl.hasOption("packets")) {
      return inv.usageError("--session goes with --packets (--flow is always a session)");
    }
    boolean session = cl.hasOption("session") || cl.hasOption("flow");
    OptLevel level;
    Engine engine;
    try {
      level = OptLevel.parse(cl.getOptionValue("optimize", "2"));
      engine = Engine.named(cl.getOptionValue("engine", "interpreter"));
    } catch (IllegalArgumentException e) {
      return inv.usageError(e.getMessage());
    }
    String saved = savedRules(inv);
    boolean ruleOptions = cl.hasOption("ipsets") || cl.hasOption("host")
        || cl.hasOption("kube-proxy-jumps") || cl.hasOption("ipvs");
    if (saved == null && ruleOptions) {
      return inv.usageError("--ipsets, --host, --kube-proxy-jumps and --ipvs go with RULES, an"
          + " iptables-save or iptables-restore text in place of the policy");
    }
    if (cl.hasOption("ipvs") && inv.format() == Format.CLASSBENCH_TRACE) {
      return inv.usageError("--ipvs does not go with classbench-trace");
    }
    if (saved != null && engine == Engine.CLASSIFIER) {
      return inv.usageError("--engine classifier runs a compiled policy, not RULES");
    }
    if (saved != null && (cl.hasOption("optimize") || cl.hasOption("engine"))) {
      // RULES are decided as written: there is nothing to optimize or to emit and read back
      return inv.usageError("-O and --engine go with a policy, not RULES (an iptables-save or"
          + " iptables-restore text, decided as written)");
    }
    Stats stats = cl.hasOption("stats") ? new Stats() : null;
    boolean trace = inv.format() == Format.CLASSBENCH_TRACE;
    if (trace && (!cl.hasOption("packets") || session)) {
      return inv.usageError("--format classbench-trace reads a trace: give --packets TRACE");
    }
    String file = cl.getOptionValue(cl.hasOption("flow") ? "flow" : "packets");
    String where = cl.hasOption("packet") ? "--packet"
        : file.equals("-") ? PolicyInput.STDIN : file;
    List<Written> written = new ArrayList<>();
    if (cl.hasOption("packet")) {
      written.add(new Written(cl.getOptionValue("packet"), 0));
    } else {
      if (file.equals("-") && inv.args().get(0).equals("-")) {
        return inv.usageError("the policy and the packets cannot both be standard input");
      }
      String text;
      try {
        text = file.equals("-") ? inv.policies().stdin() : InputText.read(Path.of(file));
      } catch (IOException e) {
        return inv.usageError("cannot read " + where + ": " + IoReason.of(e));
      } catch (InvalidPathException e) {
        return inv.usageError("cannot read " + where + ": bad file name (" + e.getReason() + ")");
      } catch (PolicyParseException e) {
        // too long, or not UTF-8: within the bounds every input is read to
        e.diagnostics().forEach(inv.err()::println);
        return 1;
      }
      if (trace) {
        ClassBenchTraceReader.Result read = ClassBenchTraceReader.read(where, text);
        return engine == Engine.CLASSIFIER ? ClassifierExplain.trace(inv, read)
            : explainTrace(inv, read, level, engine, stats, saved);
      }
      List<String> lines = text.lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        String s = lines.get(i).strip();
        if (!s.isEmpty() && !s.startsWith("#")) {
          written.add(new Written(lines.get(i), i + 1));
        }
      }
    }
    if (engine == Engine.CLASSIFIER) {
      if (session) {
        return inv.usageError("--engine classifier decides packets one by one: no --flow or"
            + " --session yet");
      }
      return ClassifierExplain.packets(inv, written.stream().map(Written::text).toList(),
          written.stream().map(Written::line).toList(), where);
    }
    IpvsConfig[] ipvs = {IpvsConfig.NONE};
    IrPolicy rules = saved != null ? savedPolicy(inv, saved, ipvs)
        : rules(inv, level, engine, ipvs);
    if (rules == null) {
      return Cli.POLICY_ERRORS;
    }
    if (session) {
      // a flow's packets follow their IPVS connections; the schedulers' state carries on
      FlowSession flow = saved != null ? new FlowSession(rules, ipvs[0], KUBE_IPVS_DEVICE)
          : new FlowSession(rules, ipvs[0]);
      return explainFlow(inv, written, where, rules, flow, cl.hasOption("flow"), stats, level,
          engine);
    }
    // IPVS schedules the packets to virtual services, its schedulers advancing packet by packet
    Interpreter interp = saved != null ? new Interpreter(rules, ipvs[0], KUBE_IPVS_DEVICE)
        : new Interpreter(rules, ipvs[0]);
    List<Object> json = new ArrayList<>();
    int bad = 0;
    for (Written w : written) {
      // A bad line is reported where it is, and the other lines are still decided.
      Packet p;
      Decision d;
      try {
        p = Packet.parse(w.text());
      } catch (Packet.SyntaxError e) {
        if (w.line() == 0) {
          return inv.usageError("--packet: bad packet: " + e.getMessage());
        }
        inv.err().println(new Diagnostic(Code.PC8007, "bad packet: " + e.getMessage(),
            new SourcePos(where, w.line(), e.column())));
        bad++;
        continue;
      }
      try {
        d = interp.decide(p);
      } catch (IllegalArgumentException e) {
        // The packet and the policy disagree on who picks the output interface.
        if (w.line() == 0) {
          return inv.usageError("--packet: " + e.getMessage());
        }
        inv.err().println(new Diagnostic(Code.PC8007, e.getMessage(),
            new SourcePos(where, w.line(), 1)));
        bad++;
        continue;
      }
      if (stats != null) {
        stats.add(d);
      }
      if (inv.format() == Format.JSON) {
        json.add(DecisionText.json(rules, p, d));
      } else if (cl.hasOption("packets")) {
        inv.out().println(DecisionText.oneLine(p, d));
      } else {
        inv.out().print(DecisionText.text(p, d));
      }
    }
    if (inv.format() == Format.JSON) {
      inv.out().print(Json.pretty(cl.hasOption("packet") ? json.get(0) : json));
    }
    if (stats != null) {
      stats.print(inv, level, engine);
    }
    if (bad > 0) {
      inv.err().println("policyc explain: " + bad + " " + Command.plural(bad, "line", "lines")
          + " of " + where + " not decided");
      return Cli.POLICY_ERRORS;
    }
    return Cli.OK;
  }

  /**
   * Decides the lines of a flow in one {@link FlowSession}: each packet's path and decision
   * with its conntrack entry ({@code full}: as for {@code --packet}; else one line each), or
   * one JSON object per line. A bad line is reported (PC8007) and the others still decided; a
   * {@code reply} to a line that was not decided is a bad line too.
   */
  private static int explainFlow(Invocation inv, List<Written> written, String where,
      IrPolicy rules, FlowSession session, boolean full, Stats stats, OptLevel level,
      Engine engine) {
    int bad = 0;
    boolean previousBad = false;
    int n = 0;
    for (Written w : written) {
      FlowSession.Result r;
      try {
        FlowLine line = FlowLine.parse(w.text());
        if (line.reply() && previousBad) {
          throw new Packet.SyntaxError("'reply' answers the line before, which was not decided",
              1);
        }
        r = session.decide(line);
      } catch (Packet.SyntaxError e) {
        inv.err().println(new Diagnostic(Code.PC8007, "bad packet: " + e.getMessage(),
            new SourcePos(where, w.line(), e.column())));
        bad++;
        previousBad = true;
        continue;
      } catch (IllegalArgumentException e) {
        inv.err().println(new Diagnostic(Code.PC8007, e.getMessage(),
            new SourcePos(where, w.line(), 1)));
        bad++;
        previousBad = true;
        continue;
      }
      previousBad = false;
      n++;
      if (stats != null) {
        stats.add(r.decision());
      }
      if (inv.format() == Format.JSON) {
        inv.out().println(Json.compact(DecisionText.json(rules, n, r)));
      } else if (full) {
        inv.out().print((n > 1 ? "\n" : "") + DecisionText.text(n, r));
      } else {
        inv.out().println(DecisionText.oneLine(r));
      }
    }
    if (stats != null) {
      stats.print(inv, level, engine);
    }
    if (bad > 0) {
      inv.err().println("policyc explain: " + bad + " " + Command.plural(bad, "line", "lines")
          + " of " + where + " not decided");
      return Cli.POLICY_ERRORS;
    }
    return Cli.OK;
  }

  /** Outcomes and rules tested, over the packets decided. */
  static final class Stats {
    private final Map<Decision.Outcome, Integer> outcomes = new EnumMap<>(Decision.Outcome.class);
    private long packets;
    private long evaluated;
    private int max;

    void add(Decision d) {
      packets++;
      evaluated += d.evaluated();
      max = Math.max(max, d.evaluated());
      outcomes.merge(d.outcome(), 1, Integer::sum);
    }

    void print(Invocation inv, OptLevel level, Engine engine) {
      StringBuilder sb = new StringBuilder("packets ").append(packets);
      for (Map.Entry<Decision.Outcome, Integer> e : outcomes.entrySet()) {
        sb.append(", ").append(e.getKey().name().toLowerCase(Locale.ROOT)).append(' ')
            .append(e.getValue());
      }
      inv.err().println(sb);
      inv.err().println(String.format(Locale.ROOT,
          "rules tested per packet (-O%d, %s): mean %.2f, max %d", level.number(),
          engine.name().toLowerCase(Locale.ROOT), packets == 0 ? 0.0 : (double) evaluated / packets,
          max));
    }
  }

  /**
   * The text of POLICY when it is an iptables-save or iptables-restore text (its first line
   * that is not blank or a comment starts a table, {@code *filter}), else null (a policy, or a
   * file the policy reader reports on).
   */
  private static String savedRules(Invocation inv) {
    String file = inv.args().get(0);
    String text;
    try {
      text = file.equals("-") ? inv.policies().stdin() : InputText.read(Path.of(file));
    } catch (IOException | InvalidPathException | PolicyParseException e) {
      return null; // the policy reader says what is wrong with it
    }
    return DiffCommand.isSaveFile(text) ? text : null;
  }

  /**
   * The policy RULES describe: the rules (of the family their addresses say, with kube-proxy's
   * jumps when asked), the sets of {@code --ipsets}, the host model of {@code --host}; and in
   * {@code ipvs[0]} the virtual servers of {@code --ipvs}. Null, with the problems printed, when
   * one does not read.
   */
  private static IrPolicy savedPolicy(Invocation inv, String text, IpvsConfig[] ipvs) {
    CommandLine cl = inv.line();
    if (cl.hasOption("ipvs")) {
      ipvs[0] = OptionFile.read(inv, "ipvs", IpvsadmReader::read);
      if (ipvs[0] == null) {
        return null;
      }
    }
    return savedPolicy(inv, text);
  }

  /** As {@link #savedPolicy(Invocation, String, IpvsConfig[])}, without the virtual servers. */
  private static IrPolicy savedPolicy(Invocation inv, String text) {
    CommandLine cl = inv.line();
    String file = inv.args().get(0);
    String where = file.equals("-") ? PolicyInput.STDIN : file;
    try {
      Family f = DiffCommand.V6_ADDRESS.matcher(text).find() ? Family.IPV6 : Family.IPV4;
      Ruleset rs = IptablesSaveReader.read(where, text, f);
      if (cl.hasOption("kube-proxy-jumps")) {
        try {
          rs = KubeProxyJumps.add(rs);
        } catch (IllegalArgumentException e) {
          inv.err().println(new Diagnostic(Code.PC8008, "--kube-proxy-jumps: " + e.getMessage(),
              new SourcePos(where, 0, 0)));
          return null;
        }
      }
      Ruleset none = new Ruleset(f == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
      List<IpSet> sets = List.of();
      if (cl.hasOption("ipsets")) {
        sets = OptionFile.read(inv, "ipsets", IpsetReader::read);
        if (sets == null) {
          return null;
        }
      }
      HostModel host = null;
      if (cl.hasOption("host")) {
        PolicyCompiler.ReadResult read = inv.policies().read(cl.getOptionValue("host"));
        if (read.policy() == null) {
          read.diagnostics().forEach(inv.err()::println);
          return null;
        }
        Compilation c = PolicyCompiler.compile(read.policy());
        if (!c.ok()) {
          c.diagnostics().stream().filter(Diagnostic::isError).forEach(inv.err()::println);
          return null;
        }
        host = c.ir().host();
      }
      IrPolicy p = new IrPolicy(where, host, sets, f == Family.IPV4 ? rs : none,
          f == Family.IPV6 ? rs : none);
      for (String problem : IrValidator.problems(p, true)) {
        if (problem.contains(": no set named ")) {
          inv.err().println(new Diagnostic(Code.PC8008, problem, new SourcePos(where, 0, 0)));
          return null;
        }
      }
      return p;
    } catch (ParseException e) {
      inv.err().println(e.diagnostic());
      return null;
    }
  }

  /**
   * The rules the engine decides on: the IR the files are emitted from, after the passes of
   * {@code level}, or those files read back (with the IR's origins). Either way its rule numbers
   * are the ones the kernel counts in the rules iptables-restore loads. Null, with the
   * diagnostics printed, when the policy has errors.
   */
  private static IrPolicy rules(Invocation inv, OptLevel level, Engine engine) {
    return rules(inv, level, engine, new IpvsConfig[1]);
  }

  /** As {@link #rules(Invocation, OptLevel, Engine)}, and the IPVS services in {@code ipvs[0]}. */
  private static IrPolicy rules(Invocation inv, OptLevel level, Engine engine,
      IpvsConfig[] ipvs) {
    PolicyCompiler.ReadResult read = inv.policies().read(inv.args().get(0));
    if (read.policy() == null) {
      read.diagnostics().forEach(inv.err()::println);
      return null;
    }
    Compilation compiled = PolicyCompiler.compile(read.policy(), new CompileOptions(level));
    if (!compiled.ok()) {
      compiled.diagnostics().forEach(inv.err()::println);
      return null;
    }
    ipvs[0] = PolicyCompiler.ipvs(read.policy()).config();
    if (engine == Engine.INTERPRETER) {
      return compiled.ir();
    }
    try {
      return Proofs.readBackWithOrigins(compiled);
    } catch (ParseException e) {
      throw new IllegalStateException("the emitted files do not read back: " + e.diagnostic(),
          e);
    }
  }

  /**
   * Decides each packet of a ClassBench trace and prints the label of the first rule that
   * matched it, or {@code -}. The packets arrive for the host, through filter INPUT, where
   * {@code policyc import} puts the rules (see {@link ClassBenchTraceReader.TracePacket}).
   */
  private static int explainTrace(Invocation inv, ClassBenchTraceReader.Result trace,
      OptLevel level, Engine engine, Stats stats, String saved) {
    if (!trace.ok()) {
      trace.diagnostics().forEach(inv.err()::println);
      int n = trace.diagnostics().size();
      inv.err().println("policyc explain: " + n + " " + Command.plural(n, "error", "errors")
          + " in the trace");
      return Cli.POLICY_ERRORS;
    }
    IrPolicy rules = saved != null ? savedPolicy(inv, saved) : rules(inv, level, engine);
    if (rules == null) {
      return Cli.POLICY_ERRORS;
    }
    Interpreter interp = new Interpreter(rules);
    for (ClassBenchTraceReader.TracePacket tp : trace.packets()) {
      Packet p = tp.packet();
      Decision d = interp.decide(p);
      if (stats != null) {
        stats.add(d);
      }
      inv.out().println(DecisionText.firstRuleLabel(rules, p, d));
    }
    if (stats != null) {
      stats.print(inv, level, engine);
    }
    return Cli.OK;
  }
}
