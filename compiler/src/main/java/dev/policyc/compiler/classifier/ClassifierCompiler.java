package dev.policyc.compiler.classifier;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles generated classifiers in memory with {@code javax.tools} and loads them: for {@code
 * policyc explain --engine classifier} and the tests. Several classifiers (in distinct packages)
 * compile in one task, which is much cheaper than one task each. Generated sources must compile
 * without a warning ({@code -Xlint:all -Werror}, release 17).
 */
public final class ClassifierCompiler {
  private ClassifierCompiler() {}

  /** Compiles and loads one classifier. */
  public static LoadedClassifier load(GeneratedClassifier g) {
    return loadAll(List.of(g)).get(0);
  }

  /**
   * Compiles classifiers in one compilation task, and loads each. Classifiers may share a
   * package: the runtime files they have in common are compiled once.
   */
  public static List<LoadedClassifier> loadAll(List<GeneratedClassifier> gs) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no Java compiler: run policyc on a JDK, not a JRE");
    }
    Map<String, String> sources = new LinkedHashMap<>();
    for (GeneratedClassifier g : gs) {
      g.sources().forEach((path, text) -> {
        String before = sources.putIfAbsent(path, text);
        if (before != null && !before.equals(text)) {
          throw new IllegalArgumentException("two different sources of " + path);
        }
      });
    }
    List<JavaFileObject> units = new ArrayList<>();
    sources.forEach((path, text) -> units.add(new Source(path, text)));
    DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
    Map<String, ByteArrayOutputStream> classes = new LinkedHashMap<>();
    StandardJavaFileManager std = javac.getStandardFileManager(diags, Locale.ROOT, null);
    StringWriter log = new StringWriter();
    try (Memory fm = new Memory(std, classes)) {
      boolean ok = javac.getTask(log, fm, diags, List.of("--release", "17", "-Xlint:all",
          "-Werror", "-proc:none", "-g:none"), null, units).call();
      if (!ok) {
        StringBuilder sb = new StringBuilder("generated classifier does not compile:");
        for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
          sb.append("\n  ").append(d.getSource() == null ? "" : d.getSource().getName() + ":"
              + d.getLineNumber() + ": ").append(d.getMessage(Locale.ROOT));
        }
        throw new IllegalStateException(sb.append(log).toString());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    classes.forEach((name, out) -> bytes.put(name, out.toByteArray()));
    Map<String, byte[]> resources = new LinkedHashMap<>();
    for (GeneratedClassifier g : gs) {
      g.resources().forEach((k, v) -> resources.put(k, v.getBytes(StandardCharsets.US_ASCII)));
    }
    Loader loader = new Loader(bytes, resources);
    List<LoadedClassifier> out = new ArrayList<>();
    for (GeneratedClassifier g : gs) {
      Map<String, byte[]> own = new LinkedHashMap<>();
      String prefix = g.packageName().isEmpty() ? "" : g.packageName() + ".";
      for (String path : g.sources().keySet()) {
        String top = prefix + path.substring(path.lastIndexOf('/') + 1).replace(".java", "");
        bytes.forEach((name, b) -> {
          if (name.equals(top) || name.startsWith(top + "$")) {
            own.put(name, b);
          }
        });
      }
      out.add(new LoadedClassifier(g, loader, own));
    }
    return out;
  }

  private static final class Source extends SimpleJavaFileObject {
    private final String text;

    Source(String path, String text) {
      super(URI.create("string:///" + path), Kind.SOURCE);
      this.text = text;
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return text;
    }
  }

  private static final class Memory extends ForwardingJavaFileManager<StandardJavaFileManager> {
    private final Map<String, ByteArrayOutputStream> classes;

    Memory(StandardJavaFileManager std, Map<String, ByteArrayOutputStream> classes) {
      super(std);
      this.classes = classes;
    }

    @Override
    public JavaFileObject getJavaFileForOutput(Location location, String className,
        JavaFileObject.Kind kind, FileObject sibling) {
      return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/')
          + kind.extension), kind) {
        @Override
        public OutputStream openOutputStream() {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          classes.put(className, out);
          return out;
        }
      };
    }
  }

  /** Loads the compiled classes, and their resources, from memory. */
  private static final class Loader extends ClassLoader {
    private final Map<String, byte[]> classes;
    private final Map<String, byte[]> resources;

    Loader(Map<String, byte[]> classes, Map<String, byte[]> resources) {
      super(ClassifierCompiler.class.getClassLoader());
      this.classes = classes;
      this.resources = resources;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] b = classes.get(name);
      if (b == null) {
        throw new ClassNotFoundException(name);
      }
      return defineClass(name, b, 0, b.length);
    }

    @Override
    public InputStream getResourceAsStream(String name) {
      byte[] b = resources.get(name);
      return b != null ? new ByteArrayInputStream(b) : super.getResourceAsStream(name);
    }
  }
}
