package dev.policyc.compiler.cli;

import java.util.List;
import org.apache.commons.cli.Options;

/**
 * One {@code policyc} command: its name, its options and what it does with them. The {@link
 * Preamble} reads the options, answers {@code --help} and {@code --version} and checks {@code
 * --format} before {@link #run} sees the invocation.
 */
interface Command {
  /** The word that selects the command, e.g. {@code compile}. */
  String name();

  /** The arguments after the name, for the help, e.g. {@code POLICY... -o DIR}. */
  String synopsis();

  /** What the command does, in one line, for the program's list of commands. */
  String summary();

  /**
   * The command's own options. {@code --help} and {@code --version} are added by the preamble; a
   * command with {@link #formats()} includes {@link Format#option} among them, and the preamble
   * checks its value.
   */
  Options options();

  /**
   * The output formats {@code --format} takes, the default first; none (the default) when the
   * command prints one way only, or when its own {@code --format} means something else.
   */
  default List<Format> formats() {
    return List.of();
  }

  /** Runs the command once the preamble has accepted its command line; returns the status. */
  int run(Invocation inv);

  static String plural(int n, String one, String many) {
    return n == 1 ? one : many;
  }
}
