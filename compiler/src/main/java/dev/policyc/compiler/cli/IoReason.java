package dev.policyc.compiler.cli;

import java.io.IOException;

/**
 * The operating system's reason for an I/O failure, in words: {@link
 * dev.policyc.dsl.diag.IoReason}, which the YAML reader and the compiler's API use too. Kept under
 * this name for the commands that still call it here.
 */
final class IoReason {
  private IoReason() {}

  static String of(IOException e) {
    return dev.policyc.dsl.diag.IoReason.of(e);
  }
}
