package dev.policyc.compiler.testing;

import java.nio.file.Files;
import java.nio.file.Path;
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

  /**
   * Skips the calling test, even where kernel tests are required, when this kernel has no IPVS
   * ({@code /proc/net/ip_vs} absent): IPVS is a kernel feature, not a tool CI can install, and
   * the machines here are built without it. Where it exists, the test runs and a missing
   * {@code ipvsadm} fails it as any missing tool does.
   */
  public static void assumeIpvs() {
    Assumptions.assumeTrue(Files.exists(Path.of("/proc/net/ip_vs")),
        "skipped: the kernel has no IPVS here (/proc/net/ip_vs is absent; modprobe ip_vs)");
  }
}
