package dev.policyc.compiler.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespace's shell runs each command as {@link Netns#exec} would: every argument one word
 * whatever it holds, its own exit status, output and error, nothing read from the test's input.
 */
class NetnsTest {
  @Test
  void eachArgumentIsOneWordAndEachCommandItsOwnResult(@TempDir Path dir) throws Exception {
    KernelTests.assume(Netns.unavailableReason());
    Path marker = dir.resolve("marker");
    try (Netns ns = Netns.create("shell")) {
      String awkward = "it's \"quoted\"; touch " + marker + " $(touch " + marker + ")\n`x` \\ *";
      assertEquals(awkward, ns.run("printf", "%s", awkward));
      assertTrue(Files.notExists(marker), "an argument ran as a command");
      Netns.Result r = ns.tryRun("sh", "-c", "echo out; echo err >&2; exit 3");
      assertEquals(new Netns.Result(3, "out\n", "err\n"), r);
      assertEquals(new Netns.Result(0, "", ""), ns.tryRun("cat"), "cat reads /dev/null");
      IOException e = assertThrows(IOException.class, () -> ns.run("ls", "/no/such/path"));
      assertTrue(e.getMessage().contains("failed (2)"), e.getMessage());
      // the namespace's own loopback, set up by create(), as every command sees it
      assertTrue(ns.run("ip", "-o", "link", "show", "lo").contains("UP"));
    }
  }
}
