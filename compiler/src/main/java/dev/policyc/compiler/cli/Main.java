package dev.policyc.compiler.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** The {@code policyc} program: {@code main} only runs {@link Cli#run} and exits with its code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, false, StandardCharsets.UTF_8);
    int code = Cli.run(out, err, args);
    out.flush();
    err.flush();
    System.exit(code);
  }
}
