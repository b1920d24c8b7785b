package dev.policyc.compiler.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** The {@code policyc} program: {@code main} only runs {@link Cli#run} and exits with its code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Cli.run flushes both writers before it returns.
    System.exit(Cli.run(System.in, new PrintWriter(System.out, false, StandardCharsets.UTF_8),
        new PrintWriter(System.err, false, StandardCharsets.UTF_8), args));
  }
}
