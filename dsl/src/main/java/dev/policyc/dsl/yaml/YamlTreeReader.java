package dev.policyc.dsl.yaml;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YScalar;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads one YAML document into a tree of {@link YamlNode}s that keep their positions.
 *
 * <p>Built on Jackson's YAML token stream. Anchors and aliases are refused: Jackson never expands
 * an alias (it would arrive as the anchor's name and silently bind the wrong value), and refusing
 * them also closes the "billion laughs" door. Tags, duplicate keys and non-string keys are refused
 * too. Size and nesting are bounded.
 */
final class YamlTreeReader {
  static final int MAX_DOCUMENT_CHARS = 64 * 1024 * 1024;
  static final int MAX_DEPTH = 64;
  static final int MAX_STRING_CHARS = 1024 * 1024;
  /**
   * SnakeYAML's read buffer, in characters. Its reader copies what it has not consumed yet on
   * every refill, and it consumes a scalar only once the whole of a run without blanks is
   * scanned, so one such run costs its length squared over this size: with the default of 1 Ki a
   * 16 MiB string took 67 s before it could be refused, with 1 Mi it takes a fraction of one.
   */
  private static final int READ_BUFFER_CHARS = 1024 * 1024;

  private static final YAMLFactory FACTORY =
      YAMLFactory.builder()
          // SnakeYAML's own cap is 3 Mi code points by default; a code point is at most one
          // character, so at this cap a document within MAX_DOCUMENT_CHARS is never refused.
          // Duplicate keys stay allowed there: given settings that refuse them, Jackson turns on
          // its own strict detection, which would stop at the first with a message of its own
          // instead of the tree reporting each (PC0005) and going on.
          .loadSettings(LoadSettings.builder()
              .setCodePointLimit(MAX_DOCUMENT_CHARS)
              .setBufferSize(READ_BUFFER_CHARS)
              .setAllowDuplicateKeys(true)
              .build())
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxDocumentLength(MAX_DOCUMENT_CHARS)
                  // our own depth check below reports the position; this one is a backstop
                  .maxNestingDepth(MAX_DEPTH + 8)
                  // our own string check below reports the position; these are backstops
                  .maxStringLength(MAX_DOCUMENT_CHARS)
                  .maxNameLength(MAX_DOCUMENT_CHARS)
                  .build())
          .build();

  private final String file;
  private final List<Diagnostic> problems;

  YamlTreeReader(String file, List<Diagnostic> problems) {
    this.file = file;
    this.problems = problems;
  }

  /** The document's root node, or null when it could not be read (problems say why). */
  YamlNode read(Reader in) {
    try (YAMLParser p =
        (YAMLParser) FACTORY.createParser(ObjectReadContext.empty(),
            new WholePairs(new ScreenedText(in)))) {
      JsonToken t = p.nextToken();
      if (t == null) {
        problems.add(new Diagnostic(Code.PC0001, "the document is empty",
            new SourcePos(file, 1, 1)));
        return null;
      }
      YamlNode root = node(p, t);
      if (root != null && p.nextToken() != null) {
        problems.add(
            new Diagnostic(
                Code.PC0001,
                "only one YAML document per policy file is allowed",
                pos(p.currentTokenLocation())));
        return null;
      }
      return root;
    } catch (Abort e) {
      return null;
    } catch (LongWord e) {
      problems.add(new Diagnostic(Code.PC0007, "a word of more than " + MAX_STRING_CHARS / 1024
          + " Ki characters without a space or a quote (a string or a comment); the limit of a"
          + " string is " + MAX_STRING_CHARS / 1024 + " Ki characters",
          new SourcePos(file, e.line, e.column)));
      return null;
    } catch (Unprintable e) {
      // SnakeYAML refuses it too, but at the start of its buffer rather than where it is
      problems.add(new Diagnostic(Code.PC0001, String.format("the control character U+%04X is"
          + " not allowed in YAML (write it as an escape in a double-quoted string)",
          (int) e.character),
          new SourcePos(file, e.line, e.column)));
      return null;
    } catch (JacksonException e) {
      problems.add(problem(e));
      return null;
    }
  }

  /** A parser failure as a problem: SnakeYAML's own problem and position when it has them. */
  private Diagnostic problem(JacksonException e) {
    String msg = e.getOriginalMessage();
    if (msg != null && (msg.contains("Document length")
        || msg.contains("document exceeds the limit"))) {
      return new Diagnostic(Code.PC0007, "the document is longer than "
          + MAX_DOCUMENT_CHARS / (1024 * 1024) + " Mi characters", pos(e.getLocation()));
    }
    if (msg != null && msg.contains("exceeds the maximum")) {
      return new Diagnostic(Code.PC0007, "the document exceeds a size limit: "
          + msg.replaceAll("\\s*\\(from `[^`]*`\\)", ""), pos(e.getLocation()));
    }
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof MarkedYamlEngineException m && m.getProblemMark().isPresent()) {
        Mark mark = m.getProblemMark().get();
        String text = m.getProblem() == null ? "invalid YAML" : m.getProblem().strip();
        if (m.getContext() != null && !m.getContext().isBlank()) {
          text = text + " (" + m.getContext().strip() + ")";
        }
        return new Diagnostic(Code.PC0001, text,
            new SourcePos(file, mark.getLine() + 1, mark.getColumn() + 1));
      }
    }
    if (msg != null && msg.startsWith("Expected a property name")) {
      return new Diagnostic(Code.PC0001, "a key must be text, not a list or a mapping",
          pos(e.getLocation()));
    }
    return new Diagnostic(Code.PC0001, clean(msg), pos(e.getLocation()));
  }

  private int depth;

  private YamlNode node(YAMLParser p, JsonToken t) {
    SourcePos here = pos(p.currentTokenLocation());
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && depth >= MAX_DEPTH) {
      fail(Code.PC0007, "the document nests deeper than " + MAX_DEPTH + " levels",
          here);
    }
    depth++;
    try {
      return nodeAt(p, t, here);
    } finally {
      depth--;
    }
  }

  private YamlNode nodeAt(YAMLParser p, JsonToken t, SourcePos here) {
    if (p.getObjectId() != null) {
      fail(Code.PC0006, "anchors (&" + p.getObjectId() + ") are not allowed", here);
    }
    if (p.getRawTag() != null) {
      fail(Code.PC0001, "YAML tags (" + p.getRawTag() + ") are not allowed", here);
    }
    switch (t) {
      case START_OBJECT -> {
        Map<String, Entry> entries = new LinkedHashMap<>();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.PROPERTY_NAME) {
          SourcePos keyPos = pos(p.currentTokenLocation());
          String key = p.currentName();
          checkLength(key, "key", keyPos);
          if (p.isCurrentAlias()) {
            fail(Code.PC0006, "aliases (*" + key + ") are not allowed", keyPos);
          }
          YamlNode value = node(p, p.nextToken());
          if (entries.containsKey(key)) {
            // both places, as for a name defined in two files (PC1020)
            problems.add(new Diagnostic(Code.PC0005, "duplicate key '" + key + "' (first at "
                + entries.get(key).keyPos() + ")", keyPos));
          } else {
            entries.put(key, new Entry(key, keyPos, value));
          }
        }
        if (k != JsonToken.END_OBJECT) {
          fail(Code.PC0001, "unexpected " + k, pos(p.currentTokenLocation()));
        }
        return new YMap(entries, here);
      }
      case START_ARRAY -> {
        List<YamlNode> items = new ArrayList<>();
        JsonToken i;
        while ((i = p.nextToken()) != JsonToken.END_ARRAY) {
          if (i == null) {
            fail(Code.PC0001, "unterminated list", here);
          }
          items.add(node(p, i));
        }
        return new YSeq(items, here);
      }
      case VALUE_STRING -> {
        if (p.isCurrentAlias()) {
          fail(Code.PC0006, "aliases (*" + p.getString() + ") are not allowed", here);
        }
        String text = p.getString();
        checkLength(text, "string", here);
        return new YScalar(text, YScalar.Kind.STRING, here);
      }
      case VALUE_NUMBER_INT -> {
        return new YScalar(p.getString(), YScalar.Kind.INT, here);
      }
      case VALUE_NUMBER_FLOAT -> {
        return new YScalar(p.getString(), YScalar.Kind.FLOAT, here);
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new YScalar(p.getString(), YScalar.Kind.BOOL, here);
      }
      case VALUE_NULL -> {
        return new YScalar("", YScalar.Kind.NULL, here);
      }
      default -> {
        fail(Code.PC0001, "unexpected YAML content (" + t + ")", here);
        return null;
      }
    }
  }

  private void checkLength(String text, String what, SourcePos pos) {
    if (text.length() > MAX_STRING_CHARS) {
      fail(Code.PC0007, "a " + what + " of " + text.length() + " characters; the limit is "
          + MAX_STRING_CHARS / 1024 + " Ki characters", pos);
    }
  }

  private void fail(Code code, String message, SourcePos pos) {
    problems.add(new Diagnostic(code, message, pos));
    throw new Abort();
  }

  private SourcePos pos(TokenStreamLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return new SourcePos(file, 0, 0);
    }
    return new SourcePos(file, loc.getLineNr(), Math.max(1, loc.getColumnNr()));
  }

  private static String clean(String msg) {
    if (msg == null) {
      return "invalid YAML";
    }
    // SnakeYAML messages carry a multi-line excerpt with a caret; the first line says it all.
    String first = msg.strip().lines().findFirst().orElse("invalid YAML");
    return first.isEmpty() ? "invalid YAML" : first;
  }

  /**
   * A reader that never ends a read of two or more characters on the high half of a surrogate
   * pair; it keeps that half for the next read. snakeyaml-engine 3.0.1 fills its whole buffer and
   * then reads the missing low half one past its end, so a character outside the BMP (an emoji
   * in a comment) straddling offset 1025 threw IndexOutOfBoundsException (jackson-dataformats-text
   * #508, networknt/json-schema-validator #1231).
   */
  private static final class WholePairs extends Reader {
    private final Reader in;
    private int held = -1;

    WholePairs(Reader in) {
      this.in = in;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      int n = 0;
      if (held >= 0) {
        buf[off] = (char) held;
        held = -1;
        n = 1;
      }
      if (n < len) {
        int r = in.read(buf, off + n, len - n);
        if (r < 0) {
          return n == 0 ? -1 : n;
        }
        n += r;
      }
      if (n > 1 && Character.isHighSurrogate(buf[off + n - 1])) {
        held = buf[off + n - 1];
        n--;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /**
   * A reader that stops at a character YAML does not allow (C0 and C1 controls other than tab,
   * line breaks and NEL; U+FFFE and U+FFFF), where SnakeYAML would name the start of its buffer
   * instead, and at a word longer than any string may be: a run of more than {@link
   * #MAX_STRING_CHARS} characters without a blank, line break, quote, backslash, flow indicator
   * or {@code #}. Scalars are separated by such characters (or by a {@code :} after a quoted key,
   * which is not counted), so the run lies in one scalar (or a comment), which is too long
   * anyway; stopping here, before SnakeYAML scans it, keeps its cost linear (see {@link
   * #READ_BUFFER_CHARS}) instead of quadratic in the word. Escapes end a run, so the run is never
   * longer than the text it stands for.
   */
  private static final class ScreenedText extends Reader {
    private final Reader in;
    private int run;
    private int line = 1;
    private int column = 1;

    ScreenedText(Reader in) {
      this.in = in;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
      int n = in.read(buf, off, len);
      for (int i = off; i < off + n; i++) {
        char c = buf[i];
        if (c == '\n') {
          line++;
          column = 1;
          run = 0;
          continue;
        }
        column++;
        if (c < ' ' && c != '\t' && c != '\r' || c >= 0x80 && c <= 0x9f && c != 0x85
            || c == 0xfffe || c == 0xffff) {
          throw new Unprintable(c, line, column - 1);
        }
        if (c <= ' ' || "\"'\\,[]{}#".indexOf(c) >= 0 || c == 0x85 || c == 0x2028
            || c == 0x2029) {
          run = 0;
        } else if (c == ':' && run == 0) {
          // after a quoted key ("a":b) the ':' is no part of the value; not counting it at the
          // start of any word only makes runs shorter, never refuses a string within the limit
          continue;
        } else if (++run > MAX_STRING_CHARS) {
          throw new LongWord(line, column - run);
        }
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** A character YAML does not allow in a document, at its line and column. */
  private static final class Unprintable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final char character;
    final int line;
    final int column;

    Unprintable(char character, int line, int column) {
      super(null, null, false, false);
      this.character = character;
      this.line = line;
      this.column = column;
    }
  }

  /** A word past the limit of a string, at the line and column where it starts. */
  private static final class LongWord extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int line;
    final int column;

    LongWord(int line, int column) {
      super(null, null, false, false);
      this.line = line;
      this.column = column;
    }
  }

  /** Stops reading after the first structural problem; nothing after it can be trusted. */
  private static final class Abort extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Abort() {
      super(null, null, false, false);
    }
  }
}
