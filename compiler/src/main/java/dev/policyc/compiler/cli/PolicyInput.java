package dev.policyc.compiler.cli;

import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.IoReason;
import dev.policyc.dsl.yaml.InputText;
import dev.policyc.dsl.yaml.PolicyParseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * The policies a command reads: files by name, and {@code -} for standard input. A file that
 * cannot be read is a PC0010 diagnostic that gives the operating system's reason.
 */
final class PolicyInput {
  /** The name standard input has in diagnostics. */
  static final String STDIN = "<stdin>";

  private final InputStream in;
  /**
   * Standard input can be read once; a second {@code -} gets the same text, or the same problem
   * (too long, not UTF-8).
   */
  private String stdinText;
  private List<Diagnostic> stdinProblems;

  PolicyInput(InputStream in) {
    this.in = in;
  }

  /**
   * Standard input's text, read once and within the bounds of {@link InputText} (a second reader
   * gets the same text); what is too long or not UTF-8 is an {@link IOException} saying so.
   */
  String stdin() throws IOException {
    if (stdinText == null && stdinProblems == null) {
      try {
        stdinText = InputText.read(STDIN, in);
      } catch (PolicyParseException e) {
        stdinProblems = e.diagnostics();
      }
    }
    if (stdinText == null) {
      throw new IOException(stdinProblems.get(0).message());
    }
    return stdinText;
  }

  /** Reads the policy {@code file}, or standard input when it is {@code -}. */
  PolicyCompiler.ReadResult read(String file) {
    if (file.equals("-")) {
      if (stdinText == null && stdinProblems == null) {
        try {
          stdinText = InputText.read(STDIN, in);
        } catch (PolicyParseException e) {
          stdinProblems = e.diagnostics();
        } catch (IOException e) {
          return unreadable(STDIN, IoReason.of(e));
        }
      }
      return stdinText == null ? new PolicyCompiler.ReadResult(null, stdinProblems)
          : PolicyCompiler.read(STDIN, stdinText);
    }
    Path path;
    try {
      path = Path.of(file);
    } catch (InvalidPathException e) {
      return unreadable(file, "bad file name (" + e.getReason() + ")");
    }
    return PolicyCompiler.read(path);
  }

  private static PolicyCompiler.ReadResult unreadable(String file, String reason) {
    // Line 0: the position is the file itself, printed as its name alone.
    return new PolicyCompiler.ReadResult(null, List.of(new Diagnostic(Code.PC0010,
        "cannot read policy: " + reason, new SourcePos(file, 0, 0))));
  }
}
