package dev.policyc.compiler.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository checkout from tests (the folder holding {@code policies/}). */
public final class Repo {
  private Repo() {}

  public static Path root() {
    String prop = System.getProperty("policyc.root");
    if (prop != null && Files.isDirectory(Path.of(prop, "policies"))) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    Path p = Path.of("").toAbsolutePath();
    while (p != null) {
      if (Files.isDirectory(p.resolve("policies")) && Files.exists(p.resolve("pom.xml"))) {
        return p;
      }
      p = p.getParent();
    }
    throw new IllegalStateException("cannot find the repository root (no policies/ above "
        + Path.of("").toAbsolutePath() + ")");
  }

  public static Path policies() {
    return root().resolve("policies");
  }
}
