package dev.policyc.compiler.emit.report;

import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pretty JSON text with two-space indentation and LF line ends on every platform, for reports
 * and {@code --format json} output. Callers pass ordered maps and lists, so output is
 * deterministic.
 */
public final class Json {
  private static final JsonMapper MAPPER;

  static {
    DefaultIndenter lf = new DefaultIndenter("  ", "\n");
    Separators seps = Separators.createDefaultInstance()
        .withObjectNameValueSpacing(Separators.Spacing.AFTER)
        .withObjectEmptySeparator("")
        .withArrayEmptySeparator("");
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter(seps)
        .withObjectIndenter(lf)
        .withArrayIndenter(lf);
    MAPPER = JsonMapper.builder()
        .defaultPrettyPrinter(pp)
        .enable(SerializationFeature.INDENT_OUTPUT)
        .build();
  }

  private Json() {}

  /** The value as indented JSON, ending with a newline. */
  public static String pretty(Object tree) {
    return MAPPER.writeValueAsString(tree) + "\n";
  }

  /** The value as one line of JSON. */
  public static String compact(Object tree) {
    return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree);
  }
}
