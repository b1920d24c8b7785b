package dev.policyc.dsl.yaml;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Suggestion;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YScalar;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The state one read of a policy file shares, and the typed reading of its nodes: the problems
 * found so far, the position of every element by its path ({@code filter.INPUT.rules[0].action}),
 * and readers of strings, numbers, booleans, enums, lists, mappings and {@code {not: …}} that
 * report a wrong type or value as a problem and return null.
 */
final class NodeReader {
  private final List<Diagnostic> problems = new ArrayList<>();
  private final Map<String, SourcePos> positions;

  /** A reader for a document of about {@code chars} characters. */
  NodeReader(int chars) {
    // A policy has about one position per 16 characters; a table of chars / 12 holds them
    // without growing (load factor 0.75).
    positions = new HashMap<>(Math.max(64, Math.min(chars / 12, 1 << 24)));
  }

  List<Diagnostic> problems() {
    return problems;
  }

  /** Every element's position by path. */
  Map<String, SourcePos> positions() {
    return positions;
  }

  /** Makes {@code path} point at {@code pos}, e.g. at a key rather than at its value. */
  void pointAt(String path, SourcePos pos) {
    positions.put(path, pos);
  }

  /** The position recorded for {@code path}, or {@code fallback}. */
  SourcePos positionOr(String path, SourcePos fallback) {
    return positions.getOrDefault(path, fallback);
  }

  /** {@code {not: X}} or {@code X}, with {@code X} read by {@code inner}. */
  <T> Negatable<T> negated(YamlNode n, String path, BiFunction<YamlNode, String, T> inner) {
    if (n instanceof YMap m && m.entries().containsKey("not")) {
      record(path, n);
      keys(m, Set.of("not"), path);
      T v = inner.apply(m.entries().get("not").value(), path);
      return v == null ? null : Negatable.not(v);
    }
    T v = inner.apply(n, path);
    return v == null ? null : Negatable.is(v);
  }

  /** The negatable list under {@code key}, or null when the key is absent. */
  <T> Negatable<List<T>> negList(
      Map<String, Entry> e, String key, String path, BiFunction<YamlNode, String, List<T>> inner) {
    Entry en = e.get(key);
    return en == null ? null : negated(en.value(), path + "." + key, inner);
  }

  /** The negatable scalar under {@code key}, or null when the key is absent. */
  Negatable<String> negScalar(Map<String, Entry> e, String key, String path) {
    Entry en = e.get(key);
    return en == null ? null : negated(en.value(), path + "." + key, this::string);
  }

  /** {@code ipv4} or {@code ipv6}, in any case. */
  Family family(YamlNode n, String path) {
    String s = string(n, path);
    if (s == null) {
      return null;
    }
    for (Family f : Family.values()) {
      if (f.yamlName().equalsIgnoreCase(ascii(s))) {
        return f;
      }
    }
    problem(Code.PC0008, "family must be ipv4 or ipv6, not '" + s + "'", n.pos());
    return null;
  }

  /** A constant of {@code type} named in any case; {@code allowed} lists them for the message. */
  <E extends Enum<E>> E enumValue(YamlNode n, String path, Class<E> type, String allowed) {
    String s = string(n, path);
    if (s == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, ascii(s).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException ex) {
      problem(Code.PC0008, "'" + s + "' is not one of " + allowed, n.pos());
      return null;
    }
  }

  /** One constant or a list of them, without repeats. */
  <E extends Enum<E>> List<E> enumList(
      YamlNode n, String path, Class<E> type, String allowed) {
    List<E> out = new ArrayList<>();
    List<YamlNode> items = n instanceof YSeq s ? s.items() : List.of(n);
    record(path, n);
    for (int i = 0; i < items.size(); i++) {
      E v = enumValue(items.get(i), path + "[" + i + "]", type, allowed);
      if (v != null && !out.contains(v)) {
        out.add(v);
      }
    }
    return out;
  }

  /** A string, or a list of strings; numbers are taken as their text. */
  List<String> stringList(YamlNode n, String path) {
    record(path, n);
    List<String> out = new ArrayList<>();
    if (n instanceof YSeq s) {
      for (int i = 0; i < s.items().size(); i++) {
        String v = string(s.items().get(i), path + "[" + i + "]");
        if (v != null) {
          out.add(v);
        }
      }
      return out;
    }
    String v = string(n, path + "[0]");
    if (v != null) {
      out.add(v);
    }
    return out;
  }

  /** A scalar's text; strings and numbers are accepted, booleans and null are not. */
  String string(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s
        && (s.kind() == YScalar.Kind.STRING
            || s.kind() == YScalar.Kind.INT
            || s.kind() == YScalar.Kind.FLOAT)) {
      return s.text();
    }
    problem(
        Code.PC0003,
        "expected a string, found " + YamlNode.describe(n)
            + (n instanceof YScalar s && s.kind() == YScalar.Kind.BOOL
                ? " (quote it: \"" + s.text() + "\")"
                : ""),
        n.pos());
    return null;
  }

  /** {@code true} or {@code false}. */
  Boolean bool(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s && s.kind() == YScalar.Kind.BOOL) {
      return Boolean.parseBoolean(s.text().toLowerCase(Locale.ROOT));
    }
    problem(
        Code.PC0003,
        "expected true or false, found " + YamlNode.describe(n),
        n.pos());
    return null;
  }

  /** A 32-bit integer, written as a number or a string of digits. */
  Integer integer(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s
        && (s.kind() == YScalar.Kind.INT || s.kind() == YScalar.Kind.STRING)
        && s.text().matches("-?[0-9]+")) {
      // Every int of the model reads back (the writer prints up to 10 digits); the schema's
      // "integer" says the same.
      if (s.text().matches("-?[0-9]{1,10}")) {
        long v = Long.parseLong(s.text());
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
          return (int) v;
        }
      }
      problem(
          Code.PC0008,
          "'" + s.text() + "' is not a 32-bit integer (" + Integer.MIN_VALUE + " to "
              + Integer.MAX_VALUE + ")",
          n.pos());
      return null;
    }
    problem(Code.PC0003, "expected an integer, found " + YamlNode.describe(n), n.pos());
    return null;
  }

  /** A number, integer or not. */
  Double number(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s
        && (s.kind() == YScalar.Kind.INT || s.kind() == YScalar.Kind.FLOAT)) {
      try {
        return Double.parseDouble(s.text());
      } catch (NumberFormatException ex) {
        // YAML's .nan and .inf are numbers Java does not parse: a bad value, not a wrong type.
        problem(Code.PC0008, "'" + s.text() + "' is not a usable number", n.pos());
        return null;
      }
    }
    problem(Code.PC0003, "expected a number, found " + YamlNode.describe(n), n.pos());
    return null;
  }

  /** The string under {@code key}, which must be there. */
  String requiredString(YMap m, String key, String path) {
    Entry e = m.entries().get(key);
    if (e == null) {
      problem(Code.PC0004, "missing required key '" + key + "'", m.pos());
      return null;
    }
    return string(e.value(), join(path, key));
  }

  /** The string under {@code key}, or null when absent or null. */
  String optString(YMap m, String key, String path) {
    Entry e = m.entries().get(key);
    if (e == null || (e.value() instanceof YScalar s && s.kind() == YScalar.Kind.NULL)) {
      return null;
    }
    return string(e.value(), join(path, key));
  }

  /** A mapping; null (an empty value) reads as an empty mapping except for the document. */
  YMap map(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YMap m) {
      return m;
    }
    if (n instanceof YScalar s && s.kind() == YScalar.Kind.NULL && !path.isEmpty()) {
      return new YMap(Map.of(), n.pos());
    }
    problem(
        Code.PC0003,
        (path.isEmpty() ? "the policy" : "'" + path + "'") + " must be a mapping, not "
            + YamlNode.describe(n),
        n.pos());
    return null;
  }

  /** A list; null (an empty value) reads as an empty list. */
  YSeq seq(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YSeq s) {
      return s;
    }
    if (n instanceof YScalar s && s.kind() == YScalar.Kind.NULL) {
      return new YSeq(List.of(), n.pos());
    }
    problem(
        Code.PC0003,
        "'" + path + "' must be a list, not " + YamlNode.describe(n),
        n.pos());
    return null;
  }

  /** Reports every key of {@code m} that is not {@code allowed}, suggesting the closest. */
  void keys(YMap m, Set<String> allowed, String path) {
    for (Entry e : m.entries().values()) {
      if (!allowed.contains(e.key())) {
        problem(
            Code.PC0002,
            "unknown key '" + e.key() + "'" + (path.isEmpty() ? "" : " in " + path)
                + suggest(e.key(), allowed),
            e.keyPos());
      }
    }
  }

  /** Remembers where {@code path} is, unless it is already known. */
  void record(String path, YamlNode n) {
    if (!path.isEmpty()) {
      positions.putIfAbsent(path, n.pos());
    }
  }

  void problem(Code code, String message, SourcePos pos) {
    problems.add(new Diagnostic(code, message, pos));
  }

  /**
   * The word itself when it is ASCII, else a string no keyword equals: case folding must not turn
   * 'ı' (dotless i) or 'ſ' (long s) into a keyword's letters.
   */
  static String ascii(String word) {
    for (int i = 0; i < word.length(); i++) {
      if (word.charAt(i) >= 128) {
        return "\u0000" + word;
      }
    }
    return word;
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** {@code " (did you mean 'x'?)"} for the closest allowed word within two edits, else "". */
  static String suggest(String word, Set<String> allowed) {
    return Suggestion.closest(word, allowed).map(b -> " (did you mean '" + b + "'?)").orElse("");
  }
}
