package dev.policyc.compiler.cli;

import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.IoReason;
import dev.policyc.dsl.yaml.InputText;
import dev.policyc.dsl.yaml.PolicyParseException;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The file an option names ({@code --ipsets FILE}, {@code --ipvs FILE}), read and parsed: its
 * parse errors at file:line:column, and a file that cannot be read as PC0010 "cannot read
 * --OPTION: why", at the file.
 */
final class OptionFile {
  private OptionFile() {}

  /** A parser of a file's text. */
  interface Parser<T> {
    T parse(String file, String text) throws ParseException;
  }

  /** What {@code parser} makes of the file of {@code option}; null, the problem printed, if none. */
  static <T> T read(Invocation inv, String option, Parser<T> parser) {
    String file = inv.line().getOptionValue(option);
    String why;
    try {
      return parser.parse(file, InputText.read(Path.of(file)));
    } catch (ParseException e) {
      inv.err().println(e.diagnostic());
      return null;
    } catch (PolicyParseException e) {
      e.diagnostics().forEach(inv.err()::println);
      return null;
    } catch (IOException e) {
      why = IoReason.of(e);
    } catch (InvalidPathException e) {
      why = "bad file name (" + e.getReason() + ")";
    }
    inv.err().println(new Diagnostic(Code.PC0010, "cannot read --" + option + ": " + why,
        new SourcePos(file, 0, 0)));
    return null;
  }
}
