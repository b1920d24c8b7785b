package dev.policyc.compiler.emit.report;

import java.util.List;
import java.util.Map;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pretty JSON text with two-space indentation and LF line ends on every platform, for reports
 * and {@code --format json} output. Callers pass ordered maps and lists, so output is
 * deterministic.
 *
 * <p>Trees of maps with text keys, lists, text of printable ASCII, whole numbers, booleans and
 * nulls (every report) are written here, byte for byte as Jackson writes them; anything else goes
 * to Jackson. Jackson's object mapper is several hundred classes to load and set up, a good part
 * of a short compile's start-up; {@code JsonTest} holds the two writers equal.
 */
public final class Json {
  private Json() {}

  /** The value as indented JSON, ending with a newline. */
  public static String pretty(Object tree) {
    if (plain(tree, 0)) {
      StringBuilder b = new StringBuilder(256);
      write(tree, 0, b);
      return b.append('\n').toString();
    }
    return jackson(tree);
  }

  /** The value as indented JSON by Jackson, ending with a newline. */
  static String jackson(Object tree) {
    return Mapper.MAPPER.writeValueAsString(tree) + "\n";
  }

  /** The value as one line of JSON. */
  public static String compact(Object tree) {
    return Mapper.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsString(tree);
  }

  /** True when this class writes {@code v} exactly as Jackson would. */
  private static boolean plain(Object v, int depth) {
    if (depth > 100) {
      return false;
    }
    if (v == null || v instanceof Boolean || v instanceof Integer || v instanceof Long
        || v instanceof Short || v instanceof Byte) {
      return true;
    }
    if (v instanceof String s) {
      return plainText(s);
    }
    if (v instanceof List<?> l) {
      for (Object o : l) {
        if (!plain(o, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String k) || !plainText(k) || !plain(e.getValue(), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** Printable ASCII: Jackson escapes only {@code "} and {@code \} of it. */
  private static boolean plainText(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static void write(Object v, int indent, StringBuilder b) {
    if (v instanceof String s) {
      text(s, b);
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append('[');
      String sep = "";
      for (Object o : l) {
        b.append(sep);
        newline(indent + 1, b);
        write(o, indent + 1, b);
        sep = ",";
      }
      newline(indent, b);
      b.append(']');
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append('{');
      String sep = "";
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(sep);
        newline(indent + 1, b);
        text((String) e.getKey(), b);
        b.append(": ");
        write(e.getValue(), indent + 1, b);
        sep = ",";
      }
      newline(indent, b);
      b.append('}');
    } else {
      b.append(v); // null, a boolean or a whole number
    }
  }

  private static void newline(int indent, StringBuilder b) {
    b.append('\n');
    for (int i = 0; i < indent; i++) {
      b.append("  ");
    }
  }

  private static void text(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    b.append('"');
  }

  /** Jackson, set up on first use only. */
  private static final class Mapper {
    static final JsonMapper MAPPER;

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
  }
}
