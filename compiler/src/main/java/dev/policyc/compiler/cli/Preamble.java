package dev.policyc.compiler.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;

/**
 * What every command does before its own work, in one place: parse its options, answer {@code
 * --help} and {@code --version}, check {@code --format}, and report a bad command line as a usage
 * error with the command's help.
 */
final class Preamble {
  private Preamble() {}

  /** Runs {@code cmd} with the arguments after its name; returns the exit status. */
  static int run(Command cmd, String[] args, Streams io) {
    Options opts = new Options();
    opts.addOption(Option.builder("h").longOpt("help").desc("show this help").get());
    opts.addOption(Option.builder().longOpt("version").desc("print the version").get());
    cmd.options().getOptions().forEach(opts::addOption);
    CommandLine cl;
    try {
      // Partial matching off: '--out' must not quietly mean '--output' (build.md).
      cl = DefaultParser.builder().setAllowPartialMatching(false).get().parse(opts, args);
    } catch (ParseException e) {
      io.err().println("policyc " + cmd.name() + ": " + e.getMessage());
      help(io.err(), cmd, opts);
      return Cli.USAGE;
    }
    // An option given twice is a mistake to point out, not a choice to make silently: with
    // -o a -o b, commons-cli keeps both and getOptionValue answers the first.
    for (Option o : cl.getOptions()) {
      if (o.hasArg() && cl.getOptionValues(o).length > 1) {
        io.err().println("policyc " + cmd.name() + ": option " + (o.getOpt() != null
            ? "-" + o.getOpt() : "--" + o.getLongOpt()) + " is given more than once");
        return Cli.USAGE;
      }
    }
    // --help and --version come first, so they work whatever else is missing or wrong.
    if (cl.hasOption("help")) {
      help(io.out(), cmd, opts);
      return Cli.OK;
    }
    if (cl.hasOption("version")) {
      io.out().println("policyc " + Cli.version());
      return Cli.OK;
    }
    Format format = Format.TEXT;
    if (!cmd.formats().isEmpty()) {
      String word = cl.getOptionValue(Format.OPTION, cmd.formats().get(0).word());
      format = Format.named(word);
      if (format == null || !cmd.formats().contains(format)) {
        io.err().println("policyc " + cmd.name() + ": --format must be "
            + Format.words(cmd.formats()) + ", not '" + word + "'");
        return Cli.USAGE;
      }
    }
    return cmd.run(new Invocation(cmd.name(), cl, format, io, new PolicyInput(io.in())));
  }

  private static void help(PrintWriter w, Command cmd, Options opts) {
    HelpFormatter f = HelpFormatter.builder()
        .setShowSince(false)
        .setHelpAppendable(new TextHelpAppendable(w))
        .get();
    try {
      f.printHelp("policyc " + cmd.name() + " " + cmd.synopsis(), null, opts, null, false);
    } catch (IOException e) {
      // A PrintWriter never throws; the help appendable only declares it.
      throw new UncheckedIOException(e);
    }
    w.flush();
  }
}
