package dev.policyc.compiler.kube;

import dev.policyc.compiler.kube.Yaml.YMap;
import dev.policyc.compiler.kube.Yaml.YScalar;
import dev.policyc.compiler.kube.Yaml.YSeq;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads typed fields of YAML mappings, reporting each problem where it is written and going on
 * with a default: one run reports every error of a file.
 */
final class Fields {
  private final List<Diagnostic> problems;
  /** The code of a field of the wrong type: PC8104 in manifests, PC8109 in node facts. */
  private final Code badValue;
  private final Code missing;

  Fields(List<Diagnostic> problems, Code badValue, Code missing) {
    this.problems = problems;
    this.badValue = badValue;
    this.missing = missing;
  }

  void error(Code code, String message, SourcePos pos) {
    problems.add(new Diagnostic(code, message, pos));
  }

  void bad(String message, SourcePos pos) {
    error(badValue, message, pos);
  }

  /** Where {@code key} is written in {@code m}: its key, else the mapping itself. */
  static SourcePos at(YMap m, String key) {
    Yaml.Entry e = m.entries().get(key);
    return e == null ? m.pos() : e.value().pos();
  }

  /** The mapping at {@code key}, or null (absent or null); another type is an error. */
  YMap map(YMap m, String key, String path) {
    Yaml v = m == null ? null : m.get(key);
    if (v == null || v instanceof YScalar s && s.isNull()) {
      return null;
    }
    if (v instanceof YMap vm) {
      return vm;
    }
    bad(path + " must be a mapping", v.pos());
    return null;
  }

  /** The items at {@code key}, empty when absent or null; another type is an error. */
  List<Yaml> seq(YMap m, String key, String path) {
    Yaml v = m == null ? null : m.get(key);
    if (v == null || v instanceof YScalar s && s.isNull()) {
      return List.of();
    }
    if (v instanceof YSeq seq) {
      return seq.items();
    }
    bad(path + " must be a list", v.pos());
    return List.of();
  }

  /** The text at {@code key}, or null (absent or null); a mapping or list is an error. */
  String string(YMap m, String key, String path) {
    Yaml v = m == null ? null : m.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof YScalar s) {
      return s.isNull() ? null : s.text();
    }
    bad(path + " must be a string", v.pos());
    return null;
  }

  String required(YMap m, String key, String path, SourcePos where) {
    String s = string(m, key, path);
    if (s == null && (m == null || !m.entries().containsKey(key))) {
      error(missing, path + " is missing", m == null ? where : m.pos());
    } else if (s == null || s.isEmpty()) {
      bad(path + " must not be empty", m.get(key).pos());
      return null;
    }
    return s;
  }

  /** The string items of the list at {@code key}. */
  List<String> strings(YMap m, String key, String path) {
    List<String> out = new ArrayList<>();
    for (Yaml y : seq(m, key, path)) {
      if (y instanceof YScalar s && !s.isNull()) {
        out.add(s.text());
      } else {
        bad("each item of " + path + " must be a string", y.pos());
      }
    }
    return out;
  }

  /** The integer at {@code key}, {@code dflt} when absent; another value is an error. */
  int integer(YMap m, String key, String path, int dflt) {
    Yaml v = m == null ? null : m.get(key);
    if (v == null || v instanceof YScalar s0 && s0.isNull()) {
      return dflt;
    }
    if (v instanceof YScalar s && !s.isString()) {
      try {
        return Integer.parseInt(s.text());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    bad(path + " must be an integer", v.pos());
    return dflt;
  }

  boolean bool(YMap m, String key, String path, boolean dflt) {
    Yaml v = m == null ? null : m.get(key);
    if (v == null || v instanceof YScalar s0 && s0.isNull()) {
      return dflt;
    }
    if (v instanceof YScalar s && !s.isString()
        && (s.text().equals("true") || s.text().equals("false"))) {
      return s.text().equals("true");
    }
    bad(path + " must be true or false", v.pos());
    return dflt;
  }
}
