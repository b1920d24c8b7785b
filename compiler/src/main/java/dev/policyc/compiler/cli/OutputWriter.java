package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.IoReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes the files of compiled policies into an output folder, all or nothing: every file goes
 * to a temporary beside its destination first, and only when all are written are they renamed
 * into place. A failure removes the temporaries and the folders this run created, and becomes a
 * PC0011 diagnostic naming the path and the operating system's reason. One file ({@code policyc
 * import}'s policy) is written the same way.
 */
final class OutputWriter {
  private static final List<String> KNOWN = List.of(PolicyCompiler.IPTABLES,
      PolicyCompiler.IP6TABLES, PolicyCompiler.IPSET, PolicyCompiler.REPORT,
      PolicyCompiler.APPLY, PolicyCompiler.IPVS_RULES, PolicyCompiler.INTERFACES,
      PolicyCompiler.KEEPALIVED);

  /** Temporary → destination, in the order written. */
  private final Map<Path, Path> moves = new LinkedHashMap<>();
  /** Outputs of an earlier run that this one no longer produces. */
  private final List<Path> stale = new ArrayList<>();
  private final List<Path> createdDirs = new ArrayList<>();
  /** The path being worked on, named when something fails. */
  private Path current;

  private OutputWriter() {}

  /**
   * Writes every result into {@code outDir}, or into {@code outDir/NAME} for each when there are
   * several; returns the diagnostic of a failure, after which nothing new is left behind.
   */
  static Optional<Diagnostic> write(Path outDir, List<Compilation> results, boolean several) {
    OutputWriter w = new OutputWriter();
    try {
      w.stage(outDir, results, several);
      w.commit();
      return Optional.empty();
    } catch (IOException e) {
      w.rollBack();
      return Optional.of(new Diagnostic(Code.PC0011, "cannot write output: " + IoReason.of(e),
          new SourcePos(w.current.toString(), 0, 0)));
    }
  }

  /**
   * Writes {@code text} to {@code file} through a temporary beside it, creating its folder;
   * returns the diagnostic of a failure, after which nothing new is left behind.
   */
  static Optional<Diagnostic> writeFile(Path file, String text) {
    OutputWriter w = new OutputWriter();
    try {
      w.stageFile(file, text);
      w.commit();
      return Optional.empty();
    } catch (IOException e) {
      w.rollBack();
      return Optional.of(new Diagnostic(Code.PC0011, "cannot write output: " + IoReason.of(e),
          new SourcePos(w.current.toString(), 0, 0)));
    }
  }

  private void stageFile(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    current = file.getParent() != null ? file.getParent() : dir;
    createDirectories(dir);
    current = file;
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileSystemException(file.toString(), null, "is a directory");
    }
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    moves.put(tmp, file);
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    readableByAll(tmp);
  }

  private void stage(Path outDir, List<Compilation> results, boolean several)
      throws IOException {
    current = outDir;
    for (Compilation r : results) {
      Path dir = several ? folderOf(outDir, r.ir().name()) : outDir;
      current = dir;
      createDirectories(dir);
      for (Map.Entry<String, String> f : r.files().entrySet()) {
        Path dest = dir.resolve(f.getKey());
        current = dest;
        // Checked now, so that the renames below cannot fail on it after others were done.
        if (Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
          throw new FileSystemException(dest.toString(), null, "is a directory");
        }
        Path tmp = Files.createTempFile(dir, "." + f.getKey() + ".", ".tmp");
        moves.put(tmp, dest);
        Files.writeString(tmp, f.getValue(), StandardCharsets.UTF_8);
        readableByAll(tmp);
        if (f.getKey().equals(PolicyCompiler.APPLY)
            || f.getKey().equals(PolicyCompiler.INTERFACES)) {
          executable(tmp);
        }
      }
      for (String known : KNOWN) {
        if (!r.files().containsKey(known)) {
          // A stale ip6tables.rules must not outlive the IPv6 rules it held.
          stale.add(dir.resolve(known));
        }
      }
    }
  }

  /**
   * The folder of policy {@code name} directly under {@code outDir}. Lowering refuses a name that
   * is not one plain path segment (PC1012); this check keeps every write under {@code outDir}
   * even for an IR that did not come through lowering.
   */
  private static Path folderOf(Path outDir, String name) throws IOException {
    Path dir = outDir.resolve(name);
    if (name.isEmpty() || name.equals(".") || name.equals("..")
        || !outDir.equals(dir.getParent())) {
      throw new FileSystemException(dir.toString(), null,
          "policy name '" + name + "' is not one folder name");
    }
    return dir;
  }

  /**
   * Renames within one folder, onto files already checked not to be folders: once staging has
   * succeeded, nothing here fails short of the disk going away.
   */
  private void commit() throws IOException {
    for (Map.Entry<Path, Path> m : new ArrayList<>(moves.entrySet())) {
      current = m.getValue();
      try {
        Files.move(m.getKey(), m.getValue(), StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(m.getKey(), m.getValue(), StandardCopyOption.REPLACE_EXISTING);
      }
      moves.remove(m.getKey());
    }
    for (Path s : stale) {
      current = s;
      Files.deleteIfExists(s);
    }
  }

  /** Creates {@code dir} and its missing parents, remembering them for {@link #rollBack}. */
  private void createDirectories(Path dir) throws IOException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new NotDirectoryException(dir.toString());
    }
    for (Path p = dir.toAbsolutePath(); p != null && Files.notExists(p); p = p.getParent()) {
      createdDirs.add(p);
    }
    Files.createDirectories(dir);
  }

  /** Best effort: removes what this run left; an error here would hide the first one. */
  private void rollBack() {
    for (Path tmp : moves.keySet()) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // keep going: the failure being reported matters more
      }
    }
    // Deepest first, so that a folder is empty when its turn comes.
    createdDirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    for (Path d : createdDirs) {
      try {
        Files.deleteIfExists(d);
      } catch (IOException e) {
        // not empty (an earlier result was renamed into it) or not ours to remove: leave it
      }
    }
  }

  /** apply.sh is run as a program: rwxr-xr-x. */
  private static void executable(Path p) throws IOException {
    if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  /** Rule files are not secret; createTempFile makes them owner-only (0600), so open them up. */
  private static void readableByAll(Path p) throws IOException {
    if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  /**
   * Writes {@code files} (name to text) into {@code dir}, all or nothing, and removes the files
   * named in {@code stale} that this run does not write (the other mode's outputs of {@code
   * policyc kube}); returns the diagnostic of a failure.
   */
  static Optional<Diagnostic> writeFiles(Path dir, Map<String, String> files,
      List<String> stale) {
    OutputWriter w = new OutputWriter();
    try {
      for (Map.Entry<String, String> f : files.entrySet()) {
        w.stageFile(dir.resolve(f.getKey()), f.getValue());
        if (f.getKey().endsWith(".sh")) {
          executable(w.moves.keySet().stream().reduce((a, b) -> b).orElseThrow());
        }
      }
      for (String s : stale) {
        if (!files.containsKey(s)) {
          w.stale.add(dir.resolve(s));
        }
      }
      w.commit();
      return Optional.empty();
    } catch (IOException e) {
      w.rollBack();
      return Optional.of(new Diagnostic(Code.PC0011, "cannot write output: " + IoReason.of(e),
          new SourcePos(w.current.toString(), 0, 0)));
    }
  }
}
