package dev.policyc.compiler.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The {@code policyc} command line as a function: {@link #run} takes the arguments, standard
 * input and two writers and returns the exit status, 0 (ok), 1 (policy errors) or 2 (usage).
 * It picks the command named by the first argument; each {@link Command} does the rest.
 */
public final class Cli {
  public static final int OK = 0;
  public static final int POLICY_ERRORS = 1;
  public static final int USAGE = 2;

  private static final List<Command> COMMANDS =
      List.of(new CompileCommand(), new CheckCommand(), new ExplainCommand(),
          new VerifyCommand(), new DiffCommand(), new ImportCommand(), new KubeCommand());

  private Cli() {}

  /** Runs {@code policyc} with {@code args}, reading {@code -} from System.in. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(System.in, out, err, args);
  }

  /** Runs {@code policyc} with {@code args}; the policy {@code -} is read from {@code in}. */
  public static int run(InputStream in, PrintWriter out, PrintWriter err, String... args) {
    try {
      return dispatch(new Streams(in, out, err), args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static int dispatch(Streams io, String[] args) {
    if (args.length == 0) {
      io.err().print(usage());
      return USAGE;
    }
    String name = args[0];
    switch (name) {
      case "--help", "-h", "help" -> {
        io.out().print(usage());
        return OK;
      }
      case "--version", "-V" -> {
        io.out().println("policyc " + version());
        return OK;
      }
      default -> {
        for (Command c : COMMANDS) {
          if (c.name().equals(name)) {
            return Preamble.run(c, Arrays.copyOfRange(args, 1, args.length), io);
          }
        }
        io.err().println("policyc: unknown command '" + name + "'");
        io.err().print(usage());
        return USAGE;
      }
    }
  }

  /** The program's usage: every command with its synopsis and what it does. */
  static String usage() {
    StringBuilder sb = new StringBuilder("usage: policyc <command> [options]\n\ncommands:\n");
    for (Command c : COMMANDS) {
      sb.append("  ").append(c.name()).append(' ').append(c.synopsis()).append('\n')
          .append("      ").append(c.summary()).append('\n');
    }
    return sb.append("""

        Run 'policyc <command> --help' for a command's options. Exit status: 0 ok,
        1 policy errors, 2 usage errors.
        """).toString();
  }

  static String version() {
    try (InputStream in =
        Cli.class.getResourceAsStream("/dev/policyc/compiler/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Runs the CLI capturing its output, for tests and the Maven plugin; stdin is System.in. */
  public static Captured capture(String... args) {
    return captured(System.in, args);
  }

  /** Runs the CLI capturing its output, with {@code stdin} as standard input. */
  public static Captured captureWithStdin(String stdin, String... args) {
    return captured(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
  }

  private static Captured captured(InputStream in, String[] args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = run(in, new PrintWriter(o), new PrintWriter(e), args);
    return new Captured(code, o.toString(), e.toString());
  }

  /** Exit status and both outputs of one run. */
  public record Captured(int code, String out, String err) {}
}
