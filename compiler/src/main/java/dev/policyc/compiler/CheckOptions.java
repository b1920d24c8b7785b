package dev.policyc.compiler;

import dev.policyc.compiler.checks.CheckSettings;

/**
 * How to check a policy: the tunable limits of the lint checks (docs/checks.md).
 *
 * @param maxExpansion the most kernel rules one policy rule may become without a warning (PC7007)
 * @param managementPort the TCP port administrators reach the host on, for the lockout check
 *     (PC7008)
 * @param compareRules whether the checks that compare the rules of a chain with each other run
 *     (shadowed, redundant and conflicting rules, chains only such rules reach: PC7002,
 *     PC7004–PC7006); their work grows with the square of a chain's length, so {@code policyc
 *     compile} leaves them to {@code policyc check}
 */
public record CheckOptions(int maxExpansion, int managementPort, boolean compareRules) {
  public static final int DEFAULT_MAX_EXPANSION = CheckSettings.DEFAULT_MAX_EXPANSION;
  public static final int DEFAULT_MANAGEMENT_PORT = CheckSettings.DEFAULT_MANAGEMENT_PORT;

  public CheckOptions {
    if (maxExpansion < 1) {
      throw new IllegalArgumentException("the expansion threshold must be at least 1, not "
          + maxExpansion);
    }
    if (managementPort < 1 || managementPort > 65535) {
      throw new IllegalArgumentException("the management port must be 1-65535, not "
          + managementPort);
    }
  }

  /** The defaults of {@code policyc check}: every check. */
  public static CheckOptions defaults() {
    return new CheckOptions(DEFAULT_MAX_EXPANSION, DEFAULT_MANAGEMENT_PORT, true);
  }

  /** The checks {@code policyc compile} runs: those that do not compare rules. */
  public static CheckOptions forCompile() {
    return new CheckOptions(DEFAULT_MAX_EXPANSION, DEFAULT_MANAGEMENT_PORT, false);
  }
}
