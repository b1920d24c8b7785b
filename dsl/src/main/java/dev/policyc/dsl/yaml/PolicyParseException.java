package dev.policyc.dsl.yaml;

import java.util.List;

/** A policy file could not be read; carries every problem found, in document order. */
public final class PolicyParseException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<YamlProblem> problems;

  public PolicyParseException(List<YamlProblem> problems) {
    super(problems.isEmpty() ? "invalid policy" : problems.get(0).toString());
    this.problems = List.copyOf(problems);
  }

  public List<YamlProblem> problems() {
    return problems;
  }
}
