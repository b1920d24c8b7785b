package dev.policyc.compiler.checks;

/**
 * The tunable limits of the checks.
 *
 * @param maxExpansion the most kernel rules one policy rule may become before {@link
 *     LargeExpansion} warns
 * @param managementPort the TCP port administrators reach the host on, for {@link LockoutRisk}
 * @param compareRules whether the checks that compare rules with each other run (see {@link
 *     Check#comparesRules()})
 */
public record CheckSettings(int maxExpansion, int managementPort, boolean compareRules) {
  public static final int DEFAULT_MAX_EXPANSION = 1000;
  public static final int DEFAULT_MANAGEMENT_PORT = 22;

  public CheckSettings {
    if (maxExpansion < 1) {
      throw new IllegalArgumentException("expansion threshold " + maxExpansion + " below 1");
    }
    if (managementPort < 1 || managementPort > 65535) {
      throw new IllegalArgumentException("management port " + managementPort);
    }
  }

  public static CheckSettings defaults() {
    return new CheckSettings(DEFAULT_MAX_EXPANSION, DEFAULT_MANAGEMENT_PORT, true);
  }
}
