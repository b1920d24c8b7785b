package dev.policyc.compiler.classbench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of the generators' {@code main}: {@code --name VALUE} pairs, each named at most
 * once, from a fixed list. A bad command line is an {@link IllegalArgumentException} whose
 * message says what is wrong.
 */
final class GeneratorArgs {
  private final Map<String, String> values = new LinkedHashMap<>();

  GeneratorArgs(String[] args, List<String> known) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!known.contains(a)) {
        throw new IllegalArgumentException("unknown option '" + a + "'");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      if (values.put(a, args[++i]) != null) {
        throw new IllegalArgumentException(a + " is given twice");
      }
    }
  }

  String text(String option, String fallback) {
    String v = values.get(option);
    if (v == null && fallback == null) {
      throw new IllegalArgumentException(option + " is required");
    }
    return v == null ? fallback : v;
  }

  /** A number from {@code min} to {@code max}; required when {@code fallback} is null. */
  long number(String option, Long fallback, long min, long max) {
    String v = values.get(option);
    if (v == null) {
      if (fallback == null) {
        throw new IllegalArgumentException(option + " is required");
      }
      return fallback;
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number, not '" + v + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(option + " must be from " + min + " to " + max
          + ", not " + n);
    }
    return n;
  }
}
