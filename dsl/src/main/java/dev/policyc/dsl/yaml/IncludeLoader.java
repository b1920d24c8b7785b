package dev.policyc.dsl.yaml;

import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.IoReason;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YScalar;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds and parses the files a policy includes ({@code include:}), transitively: paths relative
 * to the including file, never absolute nor out of the repository root, each file read once, a
 * cycle refused. The problems go to the shared {@link NodeReader}; see docs/policy-format.md,
 * "Composition across files".
 */
final class IncludeLoader {
  /** An included file: the name its positions carry, and its document. */
  record Included(String name, YMap root) {}

  /** The files that mark a repository root. */
  static final List<String> ROOT_MARKERS = List.of(".git", ".policyc-root");

  private final NodeReader nodes;
  private final Path root;
  private final List<Path> stack = new ArrayList<>();
  private final List<String> stackNames = new ArrayList<>();
  private final Set<Path> done = new HashSet<>();
  private final List<Included> loaded = new ArrayList<>();

  /** A loader for the includes of the policy file {@code top}, named {@code name}. */
  IncludeLoader(Path top, String name, NodeReader nodes) throws IOException {
    this.nodes = nodes;
    Path real = top.toRealPath();
    this.root = repositoryRoot(real.getParent());
    stack.add(real);
    stackNames.add(name);
    done.add(real);
  }

  /**
   * The repository root of a policy in folder {@code dir}: the nearest folder from {@code dir}
   * up that holds {@code .git} or {@code .policyc-root}, else {@code dir} itself.
   */
  static Path repositoryRoot(Path dir) {
    for (Path d = dir; d != null; d = d.getParent()) {
      for (String marker : ROOT_MARKERS) {
        if (Files.exists(d.resolve(marker))) {
          return d;
        }
      }
    }
    return dir;
  }

  /** Every file read so far, each after the files it includes (so definitions come first). */
  List<Included> loaded() {
    return loaded;
  }

  /** Reads the files listed by {@code value}, the {@code include:} of the file on top. */
  void include(YamlNode value) {
    YSeq seq = nodes.seq(value, "include");
    if (seq == null) {
      return;
    }
    String from = stackNames.get(stackNames.size() - 1);
    Path fromReal = stack.get(stack.size() - 1);
    for (YamlNode item : seq.items()) {
      if (!(item instanceof YScalar s) || s.kind() != YScalar.Kind.STRING) {
        nodes.problem(Code.PC0003, "an include is a relative path, not " + YamlNode.describe(item),
            item.pos());
        continue;
      }
      one(s, from, fromReal);
    }
  }

  private void one(YScalar item, String from, Path fromReal) {
    String text = item.text();
    Path rel;
    try {
      rel = Path.of(text);
    } catch (InvalidPathException e) {
      nodes.problem(Code.PC0010, "cannot read included file '" + text + "': bad file name ("
          + e.getReason() + ")", item.pos());
      return;
    }
    if (rel.isAbsolute() || text.startsWith("/") || text.startsWith("\\")) {
      nodes.problem(Code.PC0015, "include path '" + text + "' is absolute; write it relative to "
          + from, item.pos());
      return;
    }
    Path target = fromReal.getParent().resolve(rel).normalize();
    String name = Path.of(from).resolveSibling(rel).normalize().toString();
    if (!target.startsWith(root)) {
      nodes.problem(Code.PC0015, outside(text), item.pos());
      return;
    }
    Path real;
    try {
      real = target.toRealPath();
    } catch (IOException e) {
      nodes.problem(Code.PC0010, "cannot read included file '" + name + "': " + IoReason.of(e),
          item.pos());
      return;
    }
    if (!real.startsWith(root)) { // a symbolic link out of the repository
      nodes.problem(Code.PC0015, outside(text), item.pos());
      return;
    }
    int at = stack.indexOf(real);
    if (at >= 0) {
      List<String> cycle = new ArrayList<>(stackNames.subList(at, stackNames.size()));
      cycle.add(stackNames.get(at));
      nodes.problem(Code.PC0014, "include cycle: " + String.join(" -> ", cycle), item.pos());
      return;
    }
    if (!done.add(real)) {
      return; // included already by another file: its definitions are there once
    }
    YamlNode doc = parse(name, real, item);
    if (doc == null) {
      return;
    }
    if (!(doc instanceof YMap m)) {
      nodes.problem(Code.PC0003, "an included file must be a mapping, not "
          + YamlNode.describe(doc), doc.pos());
      return;
    }
    YamlNode.Entry inc = m.entries().get("include");
    if (inc != null) {
      stack.add(real);
      stackNames.add(name);
      include(inc.value());
      stack.remove(stack.size() - 1);
      stackNames.remove(stackNames.size() - 1);
    }
    loaded.add(new Included(name, m));
  }

  private String outside(String text) {
    return "include path '" + text + "' leads out of the repository root " + root
        + " (the nearest folder above the policy holding .git or .policyc-root)";
  }

  private YamlNode parse(String name, Path real, YScalar item) {
    String text;
    try (InputStream in = Files.newInputStream(real)) {
      text = InputText.read(name, in);
    } catch (PolicyParseException e) {
      nodes.problems().addAll(e.diagnostics());
      return null;
    } catch (IOException e) {
      nodes.problem(Code.PC0010, "cannot read included file '" + name + "': " + IoReason.of(e),
          item.pos());
      return null;
    }
    YamlNode doc = PlainYamlReader.read(name, text);
    return doc != null ? doc
        : new YamlTreeReader(name, nodes.problems()).read(new StringReader(text));
  }
}
