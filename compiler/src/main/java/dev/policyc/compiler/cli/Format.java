package dev.policyc.compiler.cli;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.commons.cli.Option;

/**
 * How a command prints its results: {@code --format text} (the default), {@code json}, or for
 * {@code explain} also {@code classbench-trace}. Each command lists the ones it takes in {@link
 * Command#formats()}.
 */
enum Format {
  TEXT("text"),
  JSON("json"),
  /** One line per packet of a ClassBench trace: the label of the first rule that matched. */
  CLASSBENCH_TRACE("classbench-trace"),
  /** A Markdown table, for a pull-request comment ({@code diff}). */
  MARKDOWN("markdown");

  static final String OPTION = "format";

  private final String word;

  Format(String word) {
    this.word = word;
  }

  /** The word that selects the format. */
  String word() {
    return word;
  }

  /** The {@code --format} option of a command that takes {@code formats}. */
  static Option option(List<Format> formats) {
    String words = formats.stream().map(Format::word).collect(Collectors.joining("|"));
    return Option.builder().longOpt(OPTION).hasArg().argName(words)
        .desc("output format (default text)").get();
  }

  /** The words of {@code formats} for a message: {@code text, json or classbench-trace}. */
  static String words(List<Format> formats) {
    List<String> w = formats.stream().map(Format::word).toList();
    return w.size() == 1 ? w.get(0)
        : String.join(", ", w.subList(0, w.size() - 1)) + " or " + w.get(w.size() - 1);
  }

  /** The format named {@code word} exactly as the user writes it, or null. */
  static Format named(String word) {
    for (Format f : values()) {
      if (f.word.equals(word)) {
        return f;
      }
    }
    return null;
  }
}
