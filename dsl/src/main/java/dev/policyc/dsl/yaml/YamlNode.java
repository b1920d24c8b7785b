package dev.policyc.dsl.yaml;

import dev.policyc.dsl.SourcePos;
import java.util.List;
import java.util.Map;

/** A node of a YAML document with the position it was written at. */
sealed interface YamlNode permits YamlNode.YMap, YamlNode.YSeq, YamlNode.YScalar {
  SourcePos pos();

  /** A mapping, in document order; keys are plain strings. */
  record YMap(Map<String, Entry> entries, SourcePos pos) implements YamlNode {}

  /** One key of a mapping with the key's own position. */
  record Entry(String key, SourcePos keyPos, YamlNode value) {}

  /** A sequence. */
  record YSeq(List<YamlNode> items, SourcePos pos) implements YamlNode {}

  /** A scalar, with its text and what YAML 1.2 resolved it to. */
  record YScalar(String text, Kind kind, SourcePos pos) implements YamlNode {
    /** The scalar's resolved type. */
    enum Kind {
      STRING,
      INT,
      FLOAT,
      BOOL,
      NULL
    }
  }

  /** The YAML word for this node's kind, for messages. */
  static String describe(YamlNode n) {
    if (n instanceof YMap) {
      return "a mapping";
    } else if (n instanceof YSeq) {
      return "a list";
    } else if (n instanceof YScalar s) {
      return switch (s.kind()) {
        case STRING -> "a string";
        case INT -> "an integer";
        case FLOAT -> "a number";
        case BOOL -> "a boolean";
        case NULL -> "null";
      };
    }
    throw new AssertionError(n);
  }
}
