package dev.policyc.compiler.cli;

import dev.policyc.compiler.CheckResult;
import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.emit.report.Json;
import dev.policyc.compiler.emit.report.ReportEmitter;
import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;

/**
 * The {@code policyc} command line as a function: {@link #run} takes the arguments and two
 * writers and returns the exit code, 0 (ok), 1 (policy errors) or 2 (usage).
 */
public final class Cli {
  public static final int OK = 0;
  public static final int POLICY_ERRORS = 1;
  public static final int USAGE = 2;

  private static final String USAGE_TEXT = """
      usage: policyc <command> [options]

      commands:
        compile POLICY... -o DIR   compile policies to iptables-restore, ipset and report files
        check POLICY...            validate policies and print every diagnostic
        explain POLICY --packet P  trace a packet through the compiled rules

      Run 'policyc <command> --help' for a command's options. Exit status: 0 ok,
      1 policy errors, 2 usage errors.
      """;

  private final PrintWriter out;
  private final PrintWriter err;

  private Cli(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  /** Runs {@code policyc} with {@code args}; returns the exit status. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    Cli cli = new Cli(out, err);
    try {
      return cli.dispatch(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private int dispatch(String[] args) {
    if (args.length == 0) {
      err.print(USAGE_TEXT);
      return USAGE;
    }
    String cmd = args[0];
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    switch (cmd) {
      case "--help", "-h", "help" -> {
        out.print(USAGE_TEXT);
        return OK;
      }
      case "--version", "-V" -> {
        out.println("policyc " + version());
        return OK;
      }
      case "compile" -> {
        return compile(rest);
      }
      case "check" -> {
        return check(rest);
      }
      case "explain" -> {
        return explain(rest);
      }
      default -> {
        err.println("policyc: unknown command '" + cmd + "'");
        err.print(USAGE_TEXT);
        return USAGE;
      }
    }
  }

  static String version() {
    try (InputStream in = Cli.class.getResourceAsStream("/dev/policyc/compiler/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  // ---------------------------------------------------------------- options

  private static Options common() {
    Options o = new Options();
    o.addOption(Option.builder("h").longOpt("help").desc("show this help").get());
    o.addOption(Option.builder().longOpt("version").desc("print the version").get());
    return o;
  }

  private CommandLine parse(String cmd, Options opts, String[] args, String synopsis) {
    try {
      CommandLine cl = DefaultParser.builder().setAllowPartialMatching(false).get()
          .parse(opts, args);
      return cl;
    } catch (ParseException e) {
      err.println("policyc " + cmd + ": " + e.getMessage());
      help(err, cmd, opts, synopsis);
      return null;
    }
  }

  private static void help(PrintWriter w, String cmd, Options opts, String synopsis) {
    HelpFormatter f = HelpFormatter.builder()
        .setShowSince(false)
        .setHelpAppendable(new TextHelpAppendable(w))
        .get();
    try {
      f.printHelp("policyc " + cmd + " " + synopsis, null, opts, null, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    w.flush();
  }

  private String format(CommandLine cl, String cmd) {
    String f = cl.getOptionValue("format", "text");
    if (!f.equals("text") && !f.equals("json")) {
      err.println("policyc " + cmd + ": --format must be text or json, not '" + f + "'");
      return null;
    }
    return f;
  }

  private static Option formatOption() {
    return Option.builder().longOpt("format").hasArg().argName("text|json")
        .desc("output format (default text)").get();
  }

  // ---------------------------------------------------------------- check

  private int check(String[] args) {
    Options opts = common();
    opts.addOption(formatOption());
    String synopsis = "[--format text|json] POLICY...";
    CommandLine cl = parse("check", opts, args, synopsis);
    if (cl == null) {
      return USAGE;
    }
    if (cl.hasOption("help")) {
      help(out, "check", opts, synopsis);
      return OK;
    }
    if (cl.hasOption("version")) {
      out.println("policyc " + version());
      return OK;
    }
    String fmt = format(cl, "check");
    if (fmt == null) {
      return USAGE;
    }
    if (cl.getArgList().isEmpty()) {
      err.println("policyc check: no policy files given");
      return USAGE;
    }
    List<Diagnostic> all = new ArrayList<>();
    for (String file : cl.getArgList()) {
      Loaded l = load(file);
      all.addAll(l.diagnostics);
    }
    long errors = all.stream().filter(Diagnostic::isError).count();
    if (fmt.equals("json")) {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("errors", errors);
      root.put("warnings", all.size() - errors);
      root.put("diagnostics", all.stream().map(ReportEmitter::diagnostic).toList());
      out.print(Json.pretty(root));
    } else {
      for (Diagnostic d : all) {
        out.println(d);
      }
      out.println(errors == 0
          ? cl.getArgList().size() + " " + plural(cl.getArgList().size(), "policy", "policies")
              + " OK" + (all.isEmpty() ? "" : ", " + all.size() + " "
              + plural(all.size(), "warning", "warnings"))
          : errors + " " + plural((int) errors, "error", "errors"));
    }
    return errors == 0 ? OK : POLICY_ERRORS;
  }

  private static String plural(int n, String one, String many) {
    return n == 1 ? one : many;
  }

  /** A policy file read and lowered. */
  private record Loaded(String file, Policy policy, IrPolicy ir, List<Diagnostic> diagnostics) {}

  private Loaded load(String file) {
    PolicyCompiler.ReadResult read =
        file.equals("-") ? readStdin() : PolicyCompiler.read(Path.of(file));
    if (read.policy() == null) {
      return new Loaded(file, null, null, read.diagnostics());
    }
    CheckResult lowered = PolicyCompiler.check(read.policy());
    return new Loaded(file, read.policy(), lowered.ir(), lowered.diagnostics());
  }

  private static PolicyCompiler.ReadResult readStdin() {
    try {
      String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
      return PolicyCompiler.read("<stdin>", text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- compile

  private int compile(String[] args) {
    Options opts = common();
    opts.addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR")
        .desc("output directory, or - for standard output").get());
    String synopsis = "POLICY... -o DIR";
    CommandLine cl = parse("compile", opts, args, synopsis);
    if (cl == null) {
      return USAGE;
    }
    if (cl.hasOption("help")) {
      help(out, "compile", opts, synopsis);
      return OK;
    }
    if (cl.hasOption("version")) {
      out.println("policyc " + version());
      return OK;
    }
    if (cl.getArgList().isEmpty()) {
      err.println("policyc compile: no policy files given");
      return USAGE;
    }
    if (!cl.hasOption("output")) {
      err.println("policyc compile: -o DIR is required (use -o - for standard output)");
      return USAGE;
    }
    String outDir = cl.getOptionValue("output");
    List<Compilation> results = new ArrayList<>();
    List<Diagnostic> all = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int duplicates = 0;
    boolean failed = false;
    for (String file : cl.getArgList()) {
      PolicyCompiler.ReadResult read =
          file.equals("-") ? readStdin() : PolicyCompiler.read(Path.of(file));
      if (read.policy() == null) {
        all.addAll(read.diagnostics());
        failed = true;
        continue;
      }
      Compilation r = PolicyCompiler.compile(read.policy());
      all.addAll(r.diagnostics());
      if (!r.ok()) {
        failed = true;
        continue;
      }
      if (!names.add(r.ir().name())) {
        err.println(file + ": error: two policies are named '" + r.ir().name()
            + "'; each needs its own output folder");
        duplicates++;
        failed = true;
      }
      results.add(r);
    }
    for (Diagnostic d : all) {
      err.println(d);
    }
    if (failed) {
      int errors = (int) all.stream().filter(Diagnostic::isError).count() + duplicates;
      err.println("policyc compile: " + errors + " " + plural(errors, "error", "errors")
          + "; nothing written");
      return POLICY_ERRORS;
    }
    boolean several = results.size() > 1;
    if (outDir.equals("-")) {
      for (Compilation r : results) {
        for (Map.Entry<String, String> f : r.files().entrySet()) {
          out.println("# ==> " + (several ? r.ir().name() + "/" : "") + f.getKey() + " <==");
          out.print(f.getValue());
        }
      }
      return OK;
    }
    try {
      write(Path.of(outDir), results, several);
    } catch (IOException e) {
      err.println("policyc compile: cannot write " + outDir + ": " + e.getMessage());
      return POLICY_ERRORS;
    }
    for (Compilation r : results) {
      Path dir = several ? Path.of(outDir, r.ir().name()) : Path.of(outDir);
      out.println("compiled " + r.ir().name() + ": " + r.ir().ipv4().ruleCount() + " IPv4 rules, "
          + r.ir().ipv6().ruleCount() + " IPv6 rules, " + r.ir().sets().size() + " "
          + plural(r.ir().sets().size(), "set", "sets") + " -> " + dir);
    }
    return OK;
  }

  /**
   * Writes every file to a temporary beside its destination first, then moves each into place,
   * and removes outputs of an earlier run that this one no longer produces (a stale
   * ip6tables.rules must not outlive the IPv6 rules it held).
   */
  private static void write(Path outDir, List<Compilation> results, boolean several)
      throws IOException {
    Map<Path, Path> moves = new LinkedHashMap<>();
    List<Path> stale = new ArrayList<>();
    try {
      for (Compilation r : results) {
        Path dir = several ? outDir.resolve(r.ir().name()) : outDir;
        Files.createDirectories(dir);
        for (Map.Entry<String, String> f : r.files().entrySet()) {
          Path tmp = Files.createTempFile(dir, "." + f.getKey() + ".", ".tmp");
          Files.writeString(tmp, f.getValue(), StandardCharsets.UTF_8);
          readableByAll(tmp);
          moves.put(tmp, dir.resolve(f.getKey()));
        }
        for (String known : List.of(PolicyCompiler.IPTABLES, PolicyCompiler.IP6TABLES,
            PolicyCompiler.IPSET, PolicyCompiler.REPORT)) {
          if (!r.files().containsKey(known)) {
            stale.add(dir.resolve(known));
          }
        }
      }
    } catch (IOException e) {
      for (Path tmp : moves.keySet()) {
        Files.deleteIfExists(tmp);
      }
      throw e;
    }
    for (Map.Entry<Path, Path> m : moves.entrySet()) {
      try {
        Files.move(m.getKey(), m.getValue(), StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(m.getKey(), m.getValue(), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    for (Path s : stale) {
      Files.deleteIfExists(s);
    }
  }

  /** Rule files are not secret; createTempFile makes them owner-only (0600), so open them up. */
  private static void readableByAll(Path p) throws IOException {
    if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  // ---------------------------------------------------------------- explain

  private int explain(String[] args) {
    Options opts = common();
    opts.addOption(Option.builder().longOpt("packet").hasArg().argName("PACKET")
        .desc("the packet to trace, e.g. \"tcp 203.0.113.9:51515 -> 192.0.2.10:22 in eth0\"")
        .get());
    opts.addOption(Option.builder().longOpt("packets").hasArg().argName("FILE")
        .desc("a file of packets, one per line; prints one decision per line").get());
    opts.addOption(formatOption());
    String synopsis = "POLICY (--packet PACKET | --packets FILE) [--format text|json]";
    CommandLine cl = parse("explain", opts, args, synopsis);
    if (cl == null) {
      return USAGE;
    }
    if (cl.hasOption("help")) {
      help(out, "explain", opts, synopsis);
      return OK;
    }
    if (cl.hasOption("version")) {
      out.println("policyc " + version());
      return OK;
    }
    String fmt = format(cl, "explain");
    if (fmt == null) {
      return USAGE;
    }
    if (cl.getArgList().size() != 1) {
      err.println("policyc explain: give exactly one policy file");
      return USAGE;
    }
    if (cl.hasOption("packet") == cl.hasOption("packets")) {
      err.println("policyc explain: give either --packet or --packets");
      return USAGE;
    }
    List<String> lines = new ArrayList<>();
    List<Integer> lineNumbers = new ArrayList<>();
    String where;
    if (cl.hasOption("packet")) {
      lines.add(cl.getOptionValue("packet"));
      lineNumbers.add(0);
      where = "--packet";
    } else {
      where = cl.getOptionValue("packets");
      try {
        List<String> all = Files.readAllLines(Path.of(where), StandardCharsets.UTF_8);
        for (int i = 0; i < all.size(); i++) {
          String s = all.get(i).strip();
          if (!s.isEmpty() && !s.startsWith("#")) {
            lines.add(s);
            lineNumbers.add(i + 1);
          }
        }
      } catch (IOException e) {
        err.println("policyc explain: cannot read " + where + ": " + e.getMessage());
        return USAGE;
      }
    }
    Loaded l = load(cl.getArgList().get(0));
    if (l.ir == null) {
      l.diagnostics.forEach(err::println);
      return POLICY_ERRORS;
    }
    List<Packet> packets = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      try {
        packets.add(Packet.parse(lines.get(i)));
      } catch (IllegalArgumentException e) {
        err.println("policyc explain: " + where + (lineNumbers.get(i) > 0 ? ":"
            + lineNumbers.get(i) : "") + ": bad packet: " + e.getMessage());
        return USAGE;
      }
    }
    // The emitted IR, after every pass: its rule numbers are the ones the kernel counts.
    Interpreter interp = new Interpreter(PolicyCompiler.compile(l.policy).ir());
    List<Object> json = new ArrayList<>();
    for (int i = 0; i < packets.size(); i++) {
      Decision d;
      try {
        d = interp.decide(packets.get(i));
      } catch (IllegalArgumentException e) {
        err.println("policyc explain: " + where + (lineNumbers.get(i) > 0 ? ":"
            + lineNumbers.get(i) : "") + ": " + e.getMessage());
        return USAGE;
      }
      if (fmt.equals("json")) {
        json.add(DecisionText.json(packets.get(i), d));
      } else if (cl.hasOption("packets")) {
        out.println(DecisionText.oneLine(packets.get(i), d));
      } else {
        out.print(DecisionText.text(packets.get(i), d));
      }
    }
    if (fmt.equals("json")) {
      out.print(Json.pretty(cl.hasOption("packet") ? json.get(0) : json));
    }
    return OK;
  }

  /** Runs the CLI capturing its output, for tests and the Maven plugin. */
  public static Captured capture(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = run(new PrintWriter(o), new PrintWriter(e), args);
    return new Captured(code, o.toString(), e.toString());
  }

  /** Exit status and both outputs of one run. */
  public record Captured(int code, String out, String err) {}
}
