package dev.policyc.compiler.cli;

import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.yaml.PolicyParseException;
import dev.policyc.dsl.yaml.PolicyYamlReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
  /** Standard input can be read once; a second {@code -} gets the same text. */
  private String stdinText;

  PolicyInput(InputStream in) {
    this.in = in;
  }

  /** Standard input's text; read once, so a second reader gets the same text. */
  String stdin() throws IOException {
    if (stdinText == null) {
      stdinText = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return stdinText;
  }

  /** Reads the policy {@code file}, or standard input when it is {@code -}. */
  PolicyCompiler.ReadResult read(String file) {
    if (file.equals("-")) {
      try {
        return PolicyCompiler.read(STDIN, stdin());
      } catch (IOException e) {
        return unreadable(STDIN, IoReason.of(e));
      }
    }
    Path path;
    try {
      path = Path.of(file);
    } catch (InvalidPathException e) {
      return unreadable(file, "bad file name (" + e.getReason() + ")");
    }
    try {
      return new PolicyCompiler.ReadResult(PolicyYamlReader.read(path), List.of());
    } catch (PolicyParseException e) {
      return new PolicyCompiler.ReadResult(null, e.diagnostics());
    } catch (IOException e) {
      return unreadable(path.toString(), IoReason.of(e));
    }
  }

  private static PolicyCompiler.ReadResult unreadable(String file, String reason) {
    // Line 0: the position is the file itself, printed as its name alone.
    return new PolicyCompiler.ReadResult(null, List.of(new Diagnostic(Code.PC0010,
        "cannot read policy: " + reason, new SourcePos(file, 0, 0))));
  }
}
