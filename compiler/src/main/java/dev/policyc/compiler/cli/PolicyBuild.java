package dev.policyc.compiler.cli;

import dev.policyc.compiler.CheckOptions;
import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.CompileOptions;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.Proofs;
import dev.policyc.compiler.classifier.ClassifierGenerator;
import dev.policyc.compiler.classifier.GeneratedClassifier;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.optimize.OptLevel;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.compiler.verify.Result;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.path.PolicyPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The build-tool face of the compiler: the {@code check}, {@code compile} and {@code verify} of a
 * folder of policies, as the Maven plugin runs them (its Mojos only map their parameters into a
 * {@link Request} and log the {@link Outcome}). Policy errors are an outcome that {@link
 * Outcome#failed()}; a fault of the machine (an output that cannot be written) is an exception.
 * See {@code docs/maven-plugin.md}.
 */
public final class PolicyBuild {
  /** The file under {@link Request#scriptsDir()} that says what the last compile was made of. */
  public static final String STAMP = ".policyc-stamp";

  private PolicyBuild() {}

  /**
   * What to build.
   *
   * @param policiesDir the folder holding the policies
   * @param includes glob patterns of the policies, relative to {@code policiesDir} (a leading
   *     {@code **}{@code /} also matches in the folder itself); empty: {@code **}{@code /*.yaml}
   * @param excludes glob patterns of files under {@code policiesDir} that are not policies (files
   *     they include, say)
   * @param scriptsDir where each policy's scripts go, in a folder named by the policy
   * @param sourcesDir the source root of the generated classifiers
   * @param resourcesDir the resource root of the classifiers' tables
   * @param packageName the Java package of the classifiers
   * @param level the optimization level, 0 to 2
   * @param targets what {@code compile} writes: {@code iptables}, {@code ipset}, {@code report},
   *     {@code java}; empty: all four
   * @param skipClassifierFor the policies (by {@code policy:} name or file name without its
   *     extension) whose classifier is not generated
   * @param failOnWarning whether warnings fail the build
   * @param toolVersion the version of the build tool's plugin, part of the stamp
   */
  public record Request(Path policiesDir, List<String> includes, List<String> excludes,
      Path scriptsDir, Path sourcesDir, Path resourcesDir, String packageName, int level,
      List<String> targets, List<String> skipClassifierFor, boolean failOnWarning,
      String toolVersion) {
    public Request {
      Objects.requireNonNull(policiesDir, "policiesDir");
      includes = List.copyOf(includes);
      excludes = List.copyOf(excludes);
      Objects.requireNonNull(scriptsDir, "scriptsDir");
      Objects.requireNonNull(sourcesDir, "sourcesDir");
      Objects.requireNonNull(resourcesDir, "resourcesDir");
      Objects.requireNonNull(packageName, "packageName");
      targets = words(targets);
      skipClassifierFor = words(skipClassifierFor);
      Objects.requireNonNull(toolVersion, "toolVersion");
    }

    /** The words of a list whose entries may hold several separated by commas (a property). */
    private static List<String> words(List<String> entries) {
      return entries.stream().flatMap(e -> Stream.of(e == null ? new String[0] : e.split(",")))
          .map(String::strip).filter(w -> !w.isEmpty()).toList();
    }

    /** Whether {@code compile} generates classifiers. */
    public boolean java() {
      return targets.isEmpty() || targets.contains("java");
    }
  }

  /** How much a message matters, for the build log. */
  public enum Level {
    INFO,
    WARNING,
    ERROR
  }

  /**
   * One line for the build log; a diagnostic's also carries its position ({@code file} null and
   * {@code line}, {@code column} 0 for the others), so that an IDE can mark the line.
   */
  public record Message(Level level, String text, String file, int line, int column) {
    public Message(Level level, String text) {
      this(level, text, null, 0, 0);
    }
  }

  /**
   * What a goal did: the lines to log, whether it failed (policy errors, or warnings with {@code
   * failOnWarning}; {@code summary} then says why), and the policies it looked at.
   */
  public record Outcome(List<Message> messages, boolean failed, String summary, int policies) {
    public Outcome {
      messages = List.copyOf(messages);
    }
  }

  // ------------------------------------------------------------------ check

  /** Reads each policy and runs every lint check; nothing is written. */
  public static Outcome check(Request request) {
    Found found = Found.find(request);
    List<Message> out = new ArrayList<>();
    Counts counts = new Counts();
    for (Path file : found.policies()) {
      PolicyCompiler.ReadResult read = PolicyCompiler.read(file);
      List<Diagnostic> ds = read.policy() == null ? read.diagnostics()
          : PolicyCompiler.check(read.policy(), CheckOptions.defaults()).diagnostics();
      ds.forEach(d -> out.add(counts.message(d)));
    }
    return counts.outcome(out, "check", found.policies().size(), request.failOnWarning(),
        "policyc: " + found.policies().size() + " " + plural(found.policies().size()) + " OK");
  }

  // ------------------------------------------------------------------ compile

  /**
   * Compiles each policy into {@code scriptsDir/NAME/} and, unless skipped, its classifier into
   * {@code sourcesDir} and {@code resourcesDir}, all or nothing; does nothing when the stamp
   * says the policies (every file under {@code policiesDir}) and the request are those of the
   * last compile and its outputs are there.
   */
  public static Outcome compile(Request request) {
    Found found = Found.find(request);
    String stamp = stamp(request, found);
    Path stampFile = request.scriptsDir().resolve(STAMP);
    if (upToDate(request, stampFile, stamp)) {
      int n = found.policies().size();
      return new Outcome(List.of(new Message(Level.INFO, "policyc: nothing to compile (" + n
          + " " + plural(n) + " up to date)")), false, "", n);
    }
    Targets scripts = scriptTargets(request);
    CompileOptions options = new CompileOptions(OptLevel.parse(String.valueOf(request.level())))
        .withRefuseLockout(true);
    List<Message> out = new ArrayList<>();
    Counts counts = new Counts();
    List<Compilation> results = new ArrayList<>();
    Map<String, String> sources = new LinkedHashMap<>();
    Map<String, String> resources = new LinkedHashMap<>();
    Map<String, Path> names = new LinkedHashMap<>();
    int classifiers = 0;
    for (Path file : found.policies()) {
      PolicyCompiler.ReadResult read = PolicyCompiler.read(file);
      if (read.policy() == null) {
        read.diagnostics().forEach(d -> out.add(counts.message(d)));
        continue;
      }
      Compilation c = PolicyCompiler.compile(read.policy(), options);
      c.diagnostics().forEach(d -> out.add(counts.message(d)));
      if (!c.ok()) {
        continue;
      }
      String name = c.ir().name();
      Path first = names.putIfAbsent(name, file);
      if (first != null) {
        out.add(counts.message(new Diagnostic(Code.PC1013, "two policies are named '" + name
            + "' (the other is " + first + "); each needs its own output folder",
            read.policy().source().at(PolicyPath.name()))));
        continue;
      }
      if (request.java() && !skipped(request, name, file)) {
        IpvsConfig ipvs = PolicyCompiler.ipvs(read.policy()).config();
        List<String> missing = Targets.classifierGaps(c, ipvs);
        for (String m : missing) {
          counts.errors++;
          out.add(new Message(Level.ERROR, file + ": the Java classifier does not model " + m
              + " (list '" + name + "' in skipClassifierFor to compile only its scripts)"));
        }
        if (missing.isEmpty()) {
          GeneratedClassifier g = ClassifierGenerator.generate(c.lowered(), ipvs,
              request.packageName(), Cli.version());
          // the runtime is the same for every policy, so the classifiers share one copy
          sources.putAll(g.sources());
          resources.putAll(g.resources());
          classifiers++;
        }
      }
      results.add(scripts == null
          ? new Compilation(c.lowered(), c.ir(), c.diagnostics(), Map.of(), c.passes())
          : scripts.apply(c, IpvsConfig.NONE, new ArrayList<>())); // no java target: no IPVS
    }
    Outcome failed = counts.outcome(out, "compile", found.policies().size(),
        request.failOnWarning(), "");
    if (failed.failed()) {
      return failed;
    }
    write(request, results, sources, resources, stampFile, stamp);
    for (Compilation r : results) {
      out.add(new Message(Level.INFO, "compiled " + r.ir().name() + ": "
          + r.ir().ipv4().ruleCount() + " IPv4 rules, " + r.ir().ipv6().ruleCount()
          + " IPv6 rules, " + r.ir().sets().size() + " "
          + Command.plural(r.ir().sets().size(), "set", "sets") + " -> "
          + request.scriptsDir().resolve(r.ir().name())));
    }
    int n = results.size();
    out.add(new Message(Level.INFO, "policyc: compiled " + n + " " + plural(n) + ", "
        + classifiers + " " + Command.plural(classifiers, "classifier", "classifiers")
        + (classifiers == 0 ? "" : " in package " + request.packageName())));
    return new Outcome(out, false, "", n);
  }

  /** The script targets of the request, or null when it asks for the classifier only. */
  private static Targets scriptTargets(Request request) {
    if (request.targets().isEmpty()) {
      return Targets.parse(Targets.DEFAULT, null);
    }
    List<String> scripts = request.targets().stream().map(String::strip)
        .filter(t -> !t.equals("java")).toList();
    // Targets' messages name the CLI's option; the plugin's parameter is <targets>
    try {
      return scripts.isEmpty() ? null : Targets.parse(String.join(",", scripts), null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("targets are iptables, ipset, report, ipvs and java, not "
          + request.targets());
    }
  }

  private static boolean skipped(Request request, String name, Path file) {
    String base = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
    return request.skipClassifierFor().stream().map(String::strip)
        .anyMatch(s -> s.equals(name) || s.equals(base));
  }

  private static boolean upToDate(Request request, Path stampFile, String stamp) {
    try {
      return Files.isRegularFile(stampFile)
          && Files.readString(stampFile, StandardCharsets.UTF_8).equals(stamp)
          && (!request.java() || Files.isDirectory(request.sourcesDir()));
    } catch (IOException e) {
      return false; // an unreadable stamp only costs a compile
    }
  }

  /**
   * Replaces the outputs of the last compile: the folders are emptied first, so a policy that was
   * removed or renamed leaves no scripts or classifier behind.
   */
  private static void write(Request request, List<Compilation> results,
      Map<String, String> sources, Map<String, String> resources, Path stampFile, String stamp) {
    try {
      for (Path dir : List.of(request.scriptsDir(), request.sourcesDir(),
          request.resourcesDir())) {
        deleteTree(dir);
      }
      if (request.java()) {
        // there even when every classifier is skipped: the up-to-date test looks for them
        Files.createDirectories(request.sourcesDir());
        Files.createDirectories(request.resourcesDir());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear the outputs of the last compile", e);
    }
    // with the classifier only, no policy gets a folder of scripts
    List<Compilation> withScripts = results.stream().filter(r -> !r.files().isEmpty()).toList();
    fail(OutputWriter.write(request.scriptsDir(), withScripts, true));
    sources.forEach((path, text) ->
        fail(OutputWriter.writeFile(request.sourcesDir().resolve(path), text)));
    resources.forEach((path, text) ->
        fail(OutputWriter.writeFile(request.resourcesDir().resolve(path), text)));
    fail(OutputWriter.writeFile(stampFile, stamp));
  }

  private static void fail(Optional<Diagnostic> failure) {
    if (failure.isPresent()) {
      throw new UncheckedIOException(new IOException(failure.get().toString()));
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * What the outputs depend on: policyc's and the plugin's versions, the request, and every file
   * under the policies folder (not only the policies: the files they include count too).
   */
  static String stamp(Request request, Found found) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      StringBuilder head = new StringBuilder();
      head.append("policyc ").append(Cli.version()).append('\n')
          .append("plugin ").append(request.toolVersion()).append('\n')
          .append(request).append('\n');
      md.update(head.toString().getBytes(StandardCharsets.UTF_8));
      for (Path f : found.all()) {
        md.update(request.policiesDir().relativize(f).toString()
            .getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(Files.readAllBytes(f));
        md.update((byte) 0);
      }
      return head + "sha256 " + HexFormat.of().formatHex(md.digest()) + "\n";
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ verify

  /**
   * Compiles each policy and proves, for every packet and exploring every table whole, that its
   * emitted files mean its IR and that the passes kept the lowered IR's meaning.
   */
  public static Outcome verify(Request request) {
    Found found = Found.find(request);
    List<Message> out = new ArrayList<>();
    Counts counts = new Counts();
    int unproved = 0;
    CompileOptions options = new CompileOptions(OptLevel.parse(String.valueOf(request.level())));
    for (Path file : found.policies()) {
      PolicyCompiler.ReadResult read = PolicyCompiler.read(file);
      if (read.policy() == null) {
        read.diagnostics().forEach(d -> out.add(counts.message(d)));
        continue;
      }
      Compilation c = PolicyCompiler.compile(read.policy(), options);
      if (!c.ok()) {
        c.diagnostics().stream().filter(Diagnostic::isError)
            .forEach(d -> out.add(counts.message(d)));
        continue;
      }
      try {
        for (Proofs.Proof p : Proofs.of(c, Equivalence.DEFAULT_BUDGET, true)) {
          Result r = p.result();
          String figures = " (" + r.regions() + " packet classes, " + p.millis() + " ms)";
          String head = file + ": " + p.claim() + ": ";
          switch (r.status()) {
            case EQUAL -> out.add(new Message(Level.INFO, head + "proved" + figures));
            case DIFFERENT -> {
              unproved++;
              out.add(new Message(Level.ERROR, head + "FALSE" + figures + "\n"
                  + DiffText.text(r).stripTrailing()));
            }
            case UNKNOWN -> {
              unproved++;
              out.add(new Message(Level.ERROR, head + "undecided: " + r.reason() + figures));
            }
          }
        }
      } catch (ParseException e) {
        unproved++;
        out.add(new Message(Level.ERROR, file + ": the emitted rules do not read back: "
            + e.getMessage()));
      }
    }
    counts.errors += unproved;
    int n = found.policies().size();
    return counts.outcome(out, "verify", n, false,
        "policyc: every output of " + n + " " + plural(n) + " proved");
  }

  // ------------------------------------------------------------------ helpers

  private static String plural(int n) {
    return Command.plural(n, "policy", "policies");
  }

  /** The diagnostic as the build log shows it: {@code file:line:column: CODE message}. */
  public static String line(Diagnostic d) {
    return d.pos() + ": " + d.code() + " " + d.message();
  }

  /** Errors and warnings seen so far. */
  private static final class Counts {
    int errors;
    int warnings;

    Message message(Diagnostic d) {
      Level level = d.isError() ? Level.ERROR : Level.WARNING;
      if (d.isError()) {
        errors++;
      } else {
        warnings++;
      }
      return d.pos() == null ? new Message(level, line(d))
          : new Message(level, line(d), d.pos().file(), d.pos().line(), d.pos().column());
    }

    Outcome outcome(List<Message> out, String goal, int policies, boolean failOnWarning,
        String ok) {
      String counted = errors + " " + Command.plural(errors, "error", "errors") + ", "
          + warnings + " " + Command.plural(warnings, "warning", "warnings");
      if (errors > 0) {
        return new Outcome(out, true, "policyc " + goal + ": " + counted, policies);
      }
      if (failOnWarning && warnings > 0) {
        return new Outcome(out, true, "policyc " + goal + ": " + counted
            + ", which failOnWarning makes errors", policies);
      }
      List<Message> all = new ArrayList<>(out);
      if (!ok.isEmpty()) {
        all.add(new Message(Level.INFO, ok + (warnings == 0 ? "" : ", " + counted)));
      }
      return new Outcome(all, false, "", policies);
    }
  }

  /**
   * The files under the policies folder: the policies (by the includes and excludes) and every
   * regular file, both sorted by path so the build does not depend on the file system's order.
   */
  record Found(List<Path> policies, List<Path> all) {
    static Found find(Request request) {
      Path root = request.policiesDir();
      if (!Files.isDirectory(root)) {
        return new Found(List.of(), List.of());
      }
      List<PathMatcher> in = matchers(request.includes().isEmpty() ? List.of("**/*.yaml")
          : request.includes());
      List<PathMatcher> ex = matchers(request.excludes());
      List<Path> all;
      try (Stream<Path> s = Files.walk(root)) {
        all = s.filter(Files::isRegularFile).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      List<Path> policies = all.stream().filter(f -> {
        Path rel = root.relativize(f);
        return matches(in, rel) && !matches(ex, rel);
      }).toList();
      return new Found(policies, all);
    }

    private static List<PathMatcher> matchers(List<String> globs) {
      List<PathMatcher> out = new ArrayList<>();
      for (String g : globs) {
        String glob = g.strip().replace('\\', '/');
        out.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
        if (glob.startsWith("**/")) {
          // as in Maven's includes, **/ also matches no folder at all
          out.add(FileSystems.getDefault().getPathMatcher("glob:" + glob.substring(3)));
        }
      }
      return out;
    }

    private static boolean matches(List<PathMatcher> ms, Path rel) {
      return ms.stream().anyMatch(m -> m.matches(rel));
    }
  }
}
