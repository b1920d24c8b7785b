package dev.policyc.compiler.cli;

import java.io.PrintWriter;
import java.util.List;
import org.apache.commons.cli.CommandLine;

/**
 * One command's accepted command line: its options and arguments, the output format, the streams
 * and the policies it may read.
 */
record Invocation(String command, CommandLine line, Format format, Streams io,
    PolicyInput policies) {
  /** The arguments that are not options, in order. */
  List<String> args() {
    return line.getArgList();
  }

  PrintWriter out() {
    return io.out();
  }

  PrintWriter err() {
    return io.err();
  }

  /** Reports a usage error as {@code policyc COMMAND: message}; returns {@link Cli#USAGE}. */
  int usageError(String message) {
    io.err().println("policyc " + command + ": " + message);
    return Cli.USAGE;
  }
}
