package dev.policyc.dsl.yaml;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YScalar;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the plain YAML that policies are written in, several times faster than {@link
 * YamlTreeReader}, into the same tree with the same positions; {@code null} when the text leaves
 * that subset, and then {@link YamlTreeReader} reads it and reports what is wrong.
 *
 * <p>The subset: block mappings and sequences (also {@code - key: value} entries and sequences
 * at their key's indentation), flow mappings and sequences on one line, plain scalars on one
 * line, quoted scalars on one line without escapes, comments and blank lines. Anything else, and
 * anything this reader is not sure of (tabs, carriage returns, control and non-BMP characters,
 * document markers, directives, anchors, aliases, tags, block scalars, multi-line scalars, escapes,
 * duplicate or non-string keys, scalars starting with {@code .}, deep nesting, a document that is
 * not a mapping), gives up. Scalars resolve as SnakeYAML's JSON resolver and Jackson resolve
 * them: {@code true}, {@code false}, {@code null}, integers and floats of the JSON grammar; every
 * other plain scalar is text. {@code PlainYamlReaderTest} holds it to {@link YamlTreeReader} on
 * the examples, the bad fixtures, random policies and random mutations of them.
 */
final class PlainYamlReader {
  /** Leaves the deepest nesting, and its diagnostic, to {@link YamlTreeReader}. */
  private static final int MAX_DEPTH = YamlTreeReader.MAX_DEPTH - 4;

  private final String file;
  private final String s;
  private final int n;
  private int i;
  private int line = 1;
  private int lineStart;
  private int depth;
  /** The indentation of the content at {@code i}, or -1 at the end of the text. */
  private int at;

  private PlainYamlReader(String file, String text) {
    this.file = file;
    this.s = text;
    this.n = text.length();
  }

  /** The document's tree, or null when the text is not in the subset (or not valid YAML). */
  static YamlNode read(String file, String text) {
    if (text.length() > YamlTreeReader.MAX_DOCUMENT_CHARS || !plainCharacters(text)) {
      return null;
    }
    try {
      return new PlainYamlReader(file, text).document();
    } catch (GiveUp e) {
      return null;
    }
  }

  /** No tab, carriage return, control, non-BMP, BOM, line or paragraph separator character. */
  private static boolean plainCharacters(String text) {
    for (int k = 0, len = text.length(); k < len; k++) {
      char c = text.charAt(k);
      if (c < 0x20 ? c != '\n'
          : c >= 0x7f && (c <= 0x9f || c >= 0xd800 && c <= 0xdfff || c == 0x2028 || c == 0x2029
              || c >= 0xfeff)) {
        return false;
      }
    }
    return true;
  }

  private YamlNode document() {
    skipBlankLines();
    if (at < 0 || !isKeyStart(i)) {
      throw GiveUp.INSTANCE;
    }
    YamlNode root = blockMapping(at);
    if (at >= 0) {
      throw GiveUp.INSTANCE;
    }
    return root;
  }

  // ---------------------------------------------------------------- block structure

  /*
   * Each block parser starts at its node's first character and returns at the next content after
   * the node (the first character of a line, with `at` its indentation, or the end).
   */

  /** A block node whose first character is at {@code i}, the first content of its line. */
  private YamlNode blockNode(int indent) {
    return entryStart(i) ? blockSequence(indent) : blockMapping(indent);
  }

  /** A block mapping whose first key starts at {@code i}, which is column {@code indent + 1}. */
  private YamlNode blockMapping(int indent) {
    enter();
    SourcePos pos = here();
    Map<String, Entry> entries = new LinkedHashMap<>(8);
    while (true) {
      if (!isKeyStart(i)) {
        throw GiveUp.INSTANCE;
      }
      SourcePos keyPos = here();
      int start = i;
      while (i < n && isKeyChar(s.charAt(i))) {
        i++;
      }
      String key = s.substring(start, i);
      if (i >= n || s.charAt(i) != ':' || !endsToken(i + 1) || !isStringKey(key)
          || entries.containsKey(key)) {
        throw GiveUp.INSTANCE;
      }
      i++;
      entries.put(key, new Entry(key, keyPos, blockValue(indent, true)));
      if (at < indent) {
        break;
      }
      if (at > indent) {
        throw GiveUp.INSTANCE;
      }
    }
    depth--;
    return new YMap(entries, pos);
  }

  /** A block sequence whose first {@code -} is at {@code i}, column {@code indent + 1}. */
  private YamlNode blockSequence(int indent) {
    enter();
    SourcePos pos = here();
    List<YamlNode> items = new ArrayList<>();
    while (true) {
      i++; // the '-'
      items.add(blockValue(indent, false));
      if (at < indent || at == indent && !entryStart(i)) {
        break;
      }
      if (at > indent) {
        throw GiveUp.INSTANCE;
      }
    }
    depth--;
    return new YSeq(items, pos);
  }

  /**
   * The value after a key's {@code :} or an entry's {@code -} at {@code i}: on the same line, on
   * the lines below, or empty (null at the column after the indicator).
   */
  private YamlNode blockValue(int indent, boolean afterKey) {
    SourcePos empty = here();
    skipSpaces();
    if (atLineEnd()) {
      advance();
      // A sequence may sit at its key's own indentation; anything else must be deeper.
      if (at > indent || at == indent && afterKey && entryStart(i)) {
        return blockNode(at);
      }
      return new YScalar("", YScalar.Kind.NULL, empty);
    }
    char c = s.charAt(i);
    YamlNode v;
    if (c == '{' || c == '[') {
      v = flowNode();
    } else if (c == '"' || c == '\'') {
      v = quoted();
    } else if (!afterKey && isKeyStart(i) && isCompactKey()) {
      return blockMapping(i - lineStart);
    } else {
      v = blockPlain();
    }
    advance();
    return v;
  }

  /** True when the key-shaped text at {@code i} is followed by {@code :} and a space or end. */
  private boolean isCompactKey() {
    int k = i;
    while (k < n && isKeyChar(s.charAt(k))) {
      k++;
    }
    return k < n && s.charAt(k) == ':' && endsToken(k + 1);
  }

  /** A plain scalar on the rest of the line, up to a comment. */
  private YamlNode blockPlain() {
    if (!isPlainStart(i)) {
      throw GiveUp.INSTANCE;
    }
    SourcePos pos = here();
    int start = i;
    int end = i;
    while (i < n) {
      char c = s.charAt(i);
      if (c == '\n' || c == '#' && s.charAt(i - 1) == ' ') {
        break;
      }
      if (c == ':' && endsToken(i + 1) || c == '[' || c == ']' || c == '{' || c == '}') {
        throw GiveUp.INSTANCE;
      }
      i++;
      if (c != ' ') {
        end = i;
      }
    }
    return scalar(s.substring(start, end), pos);
  }

  // ---------------------------------------------------------------- flow structure

  private YamlNode flowNode() {
    if (i >= n) {
      throw GiveUp.INSTANCE;
    }
    char c = s.charAt(i);
    if (c == '{') {
      return flowMapping();
    } else if (c == '[') {
      return flowSequence();
    } else if (c == '"' || c == '\'') {
      return quoted();
    }
    if (!isPlainStart(i)) {
      throw GiveUp.INSTANCE;
    }
    SourcePos pos = here();
    int start = i;
    int end = i;
    while (i < n) {
      char ch = s.charAt(i);
      if (ch == '\n' || ch == ',' || ch == ']' || ch == '}' || ch == '[' || ch == '{'
          || ch == '#' && s.charAt(i - 1) == ' ') {
        break;
      }
      if (ch == ':' && (i + 1 >= n || " ,[]{}\n".indexOf(s.charAt(i + 1)) >= 0)) {
        break;
      }
      i++;
      if (ch != ' ') {
        end = i;
      }
    }
    return scalar(s.substring(start, end), pos);
  }

  private YamlNode flowMapping() {
    enter();
    SourcePos pos = here();
    i++;
    Map<String, Entry> entries = new LinkedHashMap<>(8);
    skipSpaces();
    if (peek() != '}') {
      while (true) {
        if (!isKeyStart(i)) {
          throw GiveUp.INSTANCE;
        }
        SourcePos keyPos = here();
        int start = i;
        while (i < n && isKeyChar(s.charAt(i))) {
          i++;
        }
        String key = s.substring(start, i);
        if (peek() != ':' || i + 1 >= n || s.charAt(i + 1) != ' ' || !isStringKey(key)
            || entries.containsKey(key)) {
          throw GiveUp.INSTANCE;
        }
        i += 2;
        skipSpaces();
        entries.put(key, new Entry(key, keyPos, flowNode()));
        skipSpaces();
        if (peek() != ',') {
          break;
        }
        i++;
        skipSpaces();
      }
    }
    if (peek() != '}') {
      throw GiveUp.INSTANCE;
    }
    i++;
    depth--;
    return new YMap(entries, pos);
  }

  private YamlNode flowSequence() {
    enter();
    SourcePos pos = here();
    i++;
    List<YamlNode> items = new ArrayList<>();
    skipSpaces();
    if (peek() != ']') {
      while (true) {
        items.add(flowNode());
        skipSpaces();
        if (peek() != ',') {
          break;
        }
        i++;
        skipSpaces();
      }
    }
    if (peek() != ']') {
      throw GiveUp.INSTANCE;
    }
    i++;
    depth--;
    return new YSeq(items, pos);
  }

  // ---------------------------------------------------------------- scalars

  /** A quoted scalar on one line, without escapes; always text. */
  private YamlNode quoted() {
    SourcePos pos = here();
    char q = s.charAt(i);
    int start = ++i;
    while (i < n && s.charAt(i) != q) {
      char c = s.charAt(i);
      if (c == '\n' || c == '\\' && q == '"') {
        throw GiveUp.INSTANCE;
      }
      i++;
    }
    if (i >= n || q == '\'' && i + 1 < n && s.charAt(i + 1) == '\'') {
      throw GiveUp.INSTANCE;
    }
    String text = s.substring(start, i++);
    if (text.length() > YamlTreeReader.MAX_STRING_CHARS) {
      throw GiveUp.INSTANCE;
    }
    return new YScalar(text, YScalar.Kind.STRING, pos);
  }

  /** A plain scalar resolved as SnakeYAML's JSON resolver and Jackson resolve it. */
  private static YamlNode scalar(String text, SourcePos pos) {
    if (text.length() > YamlTreeReader.MAX_STRING_CHARS || text.isEmpty()) {
      throw GiveUp.INSTANCE;
    }
    switch (text) {
      case "true", "false" -> {
        return new YScalar(text, YScalar.Kind.BOOL, pos);
      }
      case "null" -> {
        return new YScalar("", YScalar.Kind.NULL, pos);
      }
      default -> {
        char c = text.charAt(0);
        if (c == '.' || text.startsWith("-.")) {
          throw GiveUp.INSTANCE; // .inf, .nan and their kin: leave them to SnakeYAML
        }
        if (c == '-' || c >= '0' && c <= '9') {
          int kind = number(text);
          if (kind == 1) {
            return new YScalar(text, YScalar.Kind.INT, pos);
          } else if (kind == 2) {
            return new YScalar(text, YScalar.Kind.FLOAT, pos);
          }
        }
        return new YScalar(text, YScalar.Kind.STRING, pos);
      }
    }
  }

  /**
   * 1 for the JSON integers {@code -?(0|[1-9][0-9]*)}, 2 for the rest of the JSON numbers
   * {@code -?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?}, 0 for text.
   */
  static int number(String t) {
    int k = 0;
    int len = t.length();
    if (t.charAt(0) == '-') {
      k++;
    }
    if (k >= len) {
      return 0;
    }
    if (t.charAt(k) == '0') {
      k++;
    } else if (t.charAt(k) >= '1' && t.charAt(k) <= '9') {
      while (k < len && isDigit(t.charAt(k))) {
        k++;
      }
    } else {
      return 0;
    }
    if (k == len) {
      return 1;
    }
    if (t.charAt(k) == '.') {
      k++;
      while (k < len && isDigit(t.charAt(k))) {
        k++;
      }
    }
    if (k < len && (t.charAt(k) == 'e' || t.charAt(k) == 'E')) {
      k++;
      if (k < len && (t.charAt(k) == '+' || t.charAt(k) == '-')) {
        k++;
      }
      int digits = k;
      while (k < len && isDigit(t.charAt(k))) {
        k++;
      }
      if (k == digits) {
        return 0;
      }
    }
    return k == len ? 2 : 0;
  }

  // ---------------------------------------------------------------- characters and lines

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isKeyChar(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_' || c == '-'
        || c == '.' || c == '/' || c == '+';
  }

  private boolean isKeyStart(int k) {
    if (k >= n) {
      return false;
    }
    char c = s.charAt(k);
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
  }

  /** Keys that Jackson reads as text: not a boolean, null or number of the JSON grammar. */
  private static boolean isStringKey(String key) {
    return !key.equals("true") && !key.equals("false") && !key.equals("null");
  }

  /** A plain scalar may start here: not an indicator, not {@code -} followed by a space. */
  private boolean isPlainStart(int k) {
    char c = s.charAt(k);
    if ("?:,[]{}#&*!|>'\"%@`".indexOf(c) >= 0) {
      return false;
    }
    return c != '-' || k + 1 < n && " \n,[]{}".indexOf(s.charAt(k + 1)) < 0;
  }

  /** A {@code -} entry indicator at {@code k}. */
  private boolean entryStart(int k) {
    return k < n && s.charAt(k) == '-' && endsToken(k + 1);
  }

  /** The end of the text, a space or a line break at {@code k}. */
  private boolean endsToken(int k) {
    return k >= n || s.charAt(k) == ' ' || s.charAt(k) == '\n';
  }

  private char peek() {
    return i < n ? s.charAt(i) : '\0';
  }

  private void skipSpaces() {
    while (i < n && s.charAt(i) == ' ') {
      i++;
    }
  }

  /** At the end of the line, or at a comment that a space separates from what precedes it. */
  private boolean atLineEnd() {
    return i >= n || s.charAt(i) == '\n' || s.charAt(i) == '#' && s.charAt(i - 1) == ' ';
  }

  /** Moves past the rest of this line, which may hold only a comment, to the next content. */
  private void advance() {
    skipSpaces();
    if (i < n && s.charAt(i) != '\n' && !atLineEnd()) {
      throw GiveUp.INSTANCE;
    }
    while (i < n && s.charAt(i) != '\n') {
      i++;
    }
    if (i < n) {
      i++;
      line++;
      lineStart = i;
    }
    skipBlankLines();
  }

  /**
   * From the start of a line, moves past blank and comment lines to the next content and sets
   * {@link #at}. Gives up at document markers.
   */
  private void skipBlankLines() {
    while (true) {
      skipSpaces();
      if (i >= n) {
        at = -1;
        return;
      }
      char c = s.charAt(i);
      if (c == '\n' || c == '#') {
        while (i < n && s.charAt(i) != '\n') {
          i++;
        }
        if (i < n) {
          i++;
          line++;
          lineStart = i;
        }
        continue;
      }
      if (i == lineStart && (s.startsWith("---", i) || s.startsWith("...", i))) {
        throw GiveUp.INSTANCE;
      }
      at = i - lineStart;
      return;
    }
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw GiveUp.INSTANCE;
    }
  }

  private SourcePos here() {
    return new SourcePos(file, line, i - lineStart + 1);
  }

  /** The text leaves the subset. */
  private static final class GiveUp extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final GiveUp INSTANCE = new GiveUp();

    private GiveUp() {
      super(null, null, false, false);
    }
  }
}
