package dev.policyc.compiler.verify;

/** A bound on the work of one comparison, so a pathological policy ends with an answer. */
final class Budget {
  private final long limit;
  private long spent;

  Budget(long limit) {
    this.limit = limit;
  }

  void spend() {
    if (++spent > limit) {
      throw new Unsupported("more than " + limit + " rule evaluations (the checker's budget)");
    }
  }

  long spent() {
    return spent;
  }
}
