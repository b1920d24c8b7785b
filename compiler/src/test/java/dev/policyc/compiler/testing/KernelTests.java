package dev.policyc.compiler.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * Whether kernel tests may be skipped. On a developer machine without root or tools they skip
 * with the reason; where they are required ({@code -Dpolicyc.kernel=required}, or the
 * environment variable {@code POLICYC_KERNEL_REQUIRED} set to anything but empty or {@code 0},
 * as {@code .ci/run} does) a missing tool fails the test, so CI can never turn green with the
 * kernel tests skipped.
 */
public final class KernelTests {
  private KernelTests() {}

  /** True when kernel tests must run here. */
  public static boolean required() {
    String env = System.getenv("POLICYC_KERNEL_REQUIRED");
    return "required".equals(System.getProperty("policyc.kernel"))
        || (env != null && !env.isEmpty() && !env.equals("0"));
  }

  /**
   * Skips the calling test when {@code unavailable} (a reason, or null when the kernel tests can
   * run) says so, or fails it when they are required.
   */
  public static void assume(String unavailable) {
    assume(unavailable, required());
  }

  /** {@link #assume(String)} with the requirement given. */
  static void assume(String unavailable, boolean required) {
    if (unavailable == null) {
      return;
    }
    if (required) {
      throw new AssertionError("kernel tests are required here (policyc.kernel=required or"
          + " POLICYC_KERNEL_REQUIRED) but cannot run: " + unavailable);
    }
    Assumptions.assumeTrue(false, "skipped: " + unavailable);
  }
}
