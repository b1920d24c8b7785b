package dev.policyc.dsl.yaml;

import dev.policyc.dsl.Policy;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.List;
import java.util.Optional;

/**
 * A policy file could not be read; carries every problem found, in document order, and when the
 * document's structure could be read, the {@link #partial()} policy: what the reader could make
 * of it, for the compiler to find the problems a reader cannot see (unknown groups, bad
 * addresses) in the same run.
 */
public final class PolicyParseException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<Diagnostic> diagnostics;
  private final transient Policy partial;

  public PolicyParseException(List<Diagnostic> diagnostics) {
    this(diagnostics, null);
  }

  /** Problems of a document whose structure was read into {@code partial} (may be null). */
  public PolicyParseException(List<Diagnostic> diagnostics, Policy partial) {
    super(diagnostics.isEmpty() ? "invalid policy" : diagnostics.get(0).toString());
    this.diagnostics = List.copyOf(diagnostics);
    this.partial = partial;
  }

  /**
   * The policy as far as it could be read: every element the reader found a problem in is left
   * out or, for a rule, replaced by a rule that matches everything and only counts (so that the
   * other rules keep their numbers, and nothing is judged by a half-read rule). Not a policy to
   * compile: only to look for more problems in.
   */
  public Optional<Policy> partial() {
    return Optional.ofNullable(partial);
  }

  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }
}
