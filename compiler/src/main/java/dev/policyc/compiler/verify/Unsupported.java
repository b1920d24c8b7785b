package dev.policyc.compiler.verify;

/** A construct the engine cannot decide exactly; the result says so instead of guessing. */
final class Unsupported extends RuntimeException {
  private static final long serialVersionUID = 1L;

  Unsupported(String reason) {
    super(reason, null, false, false);
  }
}
