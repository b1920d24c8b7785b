package dev.policyc.dsl.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/**
 * The operating system's reasons in words. The tests run as root, for whom permissions do not
 * fail, so the exceptions are made here the way the JDK makes them.
 */
class IoReasonTest {
  @Test
  void theJdksErrnoClassesBecomeWords() {
    assertEquals("no such file", IoReason.of(new NoSuchFileException("p.yaml")));
    assertEquals("permission denied", IoReason.of(new AccessDeniedException("p.yaml")));
  }

  @Test
  void otherReasonsAreStrerrorsTextInLowerCase() {
    assertEquals("read-only file system",
        IoReason.of(new FileSystemException("out", null, "Read-only file system")));
    assertEquals("is a directory", IoReason.of(new IOException("Is a directory")));
    assertEquals("EOF reached", IoReason.of(new IOException("EOF reached")));
  }

  @Test
  void undecodableTextIsNotUtf8() {
    assertEquals("not UTF-8 text", IoReason.of(new MalformedInputException(1)));
  }
}
