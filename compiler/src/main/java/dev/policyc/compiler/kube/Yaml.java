package dev.policyc.compiler.kube;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * A YAML node of a manifest with the position it was written at; {@link #read} reads every
 * document of a multi-document file. Anchors, aliases and tags are refused, as in policies.
 */
sealed interface Yaml permits Yaml.YMap, Yaml.YSeq, Yaml.YScalar {
  SourcePos pos();

  /** A mapping in document order, each key with its own position. */
  record YMap(Map<String, Entry> entries, SourcePos pos) implements Yaml {
    Yaml get(String key) {
      Entry e = entries.get(key);
      return e == null ? null : e.value();
    }
  }

  /** One key of a mapping. */
  record Entry(String key, SourcePos keyPos, Yaml value) {}

  /** A sequence. */
  record YSeq(List<Yaml> items, SourcePos pos) implements Yaml {}

  /** A scalar; {@code isNull} for {@code ~}, {@code null} or nothing, {@code quoted} text. */
  record YScalar(String text, boolean isNull, boolean isString, SourcePos pos) implements Yaml {}

  /** Every document of {@code text}; a syntax error is one PC8101 diagnostic and no document. */
  static List<Yaml> read(String file, String text, List<Diagnostic> problems) {
    List<Yaml> docs = new ArrayList<>();
    return read(file, text, 0, true, docs::add, problems) ? docs : List.of();
  }

  /**
   * Hands each document of {@code text} to {@code sink} as soon as it is read, so that a large
   * file's nodes never all live at once; {@code lineOffset} lines come before the text in its
   * file. Returns false, with one PC8101 diagnostic added, at a syntax error or a construct
   * refused; the documents before it have been handed on.
   *
   * <p>Without {@code positions} every node is at {@code file:0:0} and the parser keeps no
   * marks (a third of what it allocates): for a first reading that is done again with positions
   * when it finds a problem to report.
   */
  static boolean read(String file, String text, int lineOffset, boolean positions,
      Consumer<Yaml> sink, List<Diagnostic> problems) {
    YAMLFactory factory = positions ? Factory.FACTORY : Factory.WITHOUT_MARKS;
    SourcePos nowhere = positions ? null : new SourcePos(file, 0, 0);
    try (YAMLParser p = (YAMLParser) factory.createParser(ObjectReadContext.empty(),
        new StringReader(text))) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        sink.accept(node(file, lineOffset, nowhere, p, t, 0));
      }
    } catch (Refused e) {
      problems.add(e.diagnostic);
      return false;
    } catch (JacksonException e) {
      problems.add(problem(file, lineOffset, e));
      return false;
    }
    return true;
  }

  /**
   * Start, end and lines before, of the pieces of {@code text} that can be read apart: one for
   * a text under 1 MiB, else up to 8, split where a line is a document marker "---" (which
   * always starts a document at column 1).
   */
  static List<int[]> pieces(String text) {
    int pieces = text.length() < (1 << 20) ? 1
        : Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors() * 2));
    List<int[]> out = new ArrayList<>();
    int start = 0;
    int lines = 0;
    for (int k = 1; k < pieces; k++) {
      int at = text.indexOf("\n---\n", Math.max(start, (int) ((long) text.length() * k / pieces)));
      if (at < 0) {
        break;
      }
      int end = at + 1;
      out.add(new int[] {start, end, lines});
      for (int i = text.indexOf('\n', start); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
        lines++;
      }
      start = end;
    }
    out.add(new int[] {start, text.length(), lines});
    return out;
  }

  /** Holds the shared factory, which an interface cannot keep as a private field. */
  final class Factory {
    static final YAMLFactory FACTORY = YAMLFactory.builder().build();
    /** The same parser without the marks of positions. */
    static final YAMLFactory WITHOUT_MARKS = YAMLFactory.builder()
        .loadSettings(LoadSettings.builder().setUseMarks(false).build()).build();

    private Factory() {}
  }

  /** Thrown to stop reading at the first construct refused. */
  final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Diagnostic diagnostic;

    Refused(Diagnostic diagnostic) {
      super(diagnostic.message(), null, false, false);
      this.diagnostic = diagnostic;
    }
  }

  /** The node at token {@code t}; at {@code nowhere} when not null (no positions kept). */
  private static Yaml node(String file, int off, SourcePos nowhere, YAMLParser p, JsonToken t,
      int depth) {
    SourcePos here = nowhere != null ? nowhere : pos(file, off, p.currentTokenLocation());
    if (depth > 64) {
      throw new Refused(new Diagnostic(Code.PC8101, "the document nests deeper than 64 levels",
          here));
    }
    if (p.getObjectId() != null || p.isCurrentAlias()) {
      throw new Refused(new Diagnostic(Code.PC8101, "anchors and aliases are not allowed",
          here));
    }
    if (p.getRawTag() != null) {
      throw new Refused(new Diagnostic(Code.PC8101, "YAML tags (" + p.getRawTag()
          + ") are not allowed", here));
    }
    switch (t) {
      case START_OBJECT -> {
        Map<String, Entry> entries = new LinkedHashMap<>();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.PROPERTY_NAME) {
          SourcePos keyPos = nowhere != null ? nowhere
              : pos(file, off, p.currentTokenLocation());
          String key = p.currentName();
          Yaml value = node(file, off, nowhere, p, p.nextToken(), depth + 1);
          if (entries.putIfAbsent(key, new Entry(key, keyPos, value)) != null) {
            throw new Refused(new Diagnostic(Code.PC8101, "duplicate key '" + key + "'",
                keyPos));
          }
        }
        return new YMap(entries, here);
      }
      case START_ARRAY -> {
        List<Yaml> items = new ArrayList<>();
        JsonToken i;
        while ((i = p.nextToken()) != JsonToken.END_ARRAY && i != null) {
          items.add(node(file, off, nowhere, p, i, depth + 1));
        }
        return new YSeq(items, here);
      }
      case VALUE_NULL -> {
        return new YScalar("", true, false, here);
      }
      case VALUE_STRING -> {
        return new YScalar(p.getString(), false, true, here);
      }
      default -> {
        return new YScalar(p.getString(), false, false, here);
      }
    }
  }

  private static Diagnostic problem(String file, int off, JacksonException e) {
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof MarkedYamlEngineException m && m.getProblemMark().isPresent()) {
        Mark mark = m.getProblemMark().get();
        String text = m.getProblem() == null ? "invalid YAML" : m.getProblem().strip();
        return new Diagnostic(Code.PC8101, text,
            new SourcePos(file, off + mark.getLine() + 1, mark.getColumn() + 1));
      }
    }
    String msg = e.getOriginalMessage() == null ? "invalid YAML"
        : e.getOriginalMessage().strip().lines().findFirst().orElse("invalid YAML");
    return new Diagnostic(Code.PC8101, msg, pos(file, off, e.getLocation()));
  }

  private static SourcePos pos(String file, int off, TokenStreamLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return new SourcePos(file, 0, 0);
    }
    return new SourcePos(file, off + loc.getLineNr(), Math.max(1, loc.getColumnNr()));
  }
}
