package dev.policyc.compiler.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** Kernel tests skip where they may and fail where they are required. */
class KernelTestsTest {
  @Test
  void aMissingToolSkipsOnADeveloperMachine() {
    TestAbortedException e = assertThrows(TestAbortedException.class,
        () -> KernelTests.assume("kernel tests need root", false));
    assertTrue(e.getMessage().contains("kernel tests need root"), e.getMessage());
  }

  @Test
  void aMissingToolFailsWhereKernelTestsAreRequired() {
    AssertionError e = assertThrows(AssertionError.class,
        () -> KernelTests.assume("kernel tests need 'ipset'", true));
    assertTrue(e.getMessage().contains("need 'ipset'"), e.getMessage());
  }

  @Test
  void nothingHappensWhenTheKernelTestsCanRun() {
    assertDoesNotThrow(() -> KernelTests.assume(null, true));
  }
}
