package dev.policyc.compiler.cli;

import java.util.Locale;
import org.apache.commons.cli.Option;

/** How a command prints its results: {@code --format text} (the default) or {@code json}. */
enum Format {
  TEXT,
  JSON;

  static final String OPTION = "format";

  /** The {@code --format} option, for the commands that take it. */
  static Option option() {
    return Option.builder().longOpt(OPTION).hasArg().argName("text|json")
        .desc("output format (default text)").get();
  }

  /** The format named {@code word} exactly as the user writes it, or null. */
  static Format named(String word) {
    for (Format f : values()) {
      if (f.name().toLowerCase(Locale.ROOT).equals(word)) {
        return f;
      }
    }
    return null;
  }
}
