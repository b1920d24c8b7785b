package dev.policyc.dsl.diag;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * The operating system's reason for an I/O failure, in words ({@code no such file}, {@code
 * permission denied}, {@code is a directory}). Java's own messages are often just the path
 * ({@code NoSuchFileException: out.yaml}), which says where but not why.
 */
public final class IoReason {
  private IoReason() {}

  /** The reason for {@code e}, in lower-case words. */
  public static String of(IOException e) {
    // The JDK maps ENOENT, EACCES, EEXIST, ENOTDIR and ENOTEMPTY to these classes and leaves
    // their reason null; every other errno keeps strerror's text as the reason.
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "file exists";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    if (e instanceof CharacterCodingException) {
      return "not UTF-8 text";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return words(f.getReason());
    }
    // Reading a directory fails with a bare IOException whose message is strerror(EISDIR).
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : words(m);
  }

  /** "Is a directory" → "is a directory"; an acronym such as "EOF" stays as it is. */
  private static String words(String reason) {
    String r = reason.strip();
    if (r.length() > 1 && Character.isUpperCase(r.charAt(0))
        && !Character.isUpperCase(r.charAt(1))) {
      return r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1);
    }
    return r;
  }
}
