package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.policy;
import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code policyc} program and what every command shares, driven in-process through {@link
 * Cli#capture}; each command has its own test class besides.
 */
class CliTest {
  // ------------------------------------------------------------------ program

  @Nested
  class Program {
    @Test
    void noArgumentsIsAUsageError() {
      Cli.Captured c = run();
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("usage: policyc"), c.err());
    }

    @Test
    void anUnknownCommandIsAUsageError() {
      Cli.Captured c = run("frobnicate");
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("unknown command 'frobnicate'"), c.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void helpListsTheCommands(String flag) {
      Cli.Captured c = run(flag);
      assertEquals(Cli.OK, c.code());
      for (String cmd : List.of("compile", "check", "explain")) {
        assertTrue(c.out().contains(cmd), c.out());
      }
      assertEquals("", c.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "-V"})
    void versionPrintsTheVersion(String flag) {
      Cli.Captured c = run(flag);
      assertEquals(Cli.OK, c.code());
      assertEquals("policyc " + Cli.version(), c.out().strip());
      assertNotEquals("unknown", Cli.version());
    }
  }

  @Nested
  class EveryCommand {
    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain"})
    void helpPrintsTheCommandsUsageAndSucceeds(String cmd) {
      Cli.Captured c = run(cmd, "--help");
      assertEquals(Cli.OK, c.code(), c.err());
      assertTrue(c.out().contains("policyc " + cmd), c.out());
      assertTrue(c.out().contains("--help"), c.out());
      assertEquals("", c.err());
      assertEquals(c.out(), run(cmd, "-h").out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain"})
    void versionPrintsTheVersionAndSucceeds(String cmd) {
      Cli.Captured c = run(cmd, "--version");
      assertEquals(Cli.OK, c.code(), c.err());
      assertEquals("policyc " + Cli.version(), c.out().strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain"})
    void anUnknownOptionIsAUsageError(String cmd) {
      Cli.Captured c = run(cmd, "--frobnicate", policy("nat-gateway"));
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("--frobnicate"), c.err());
      assertEquals("", c.out());
    }
  }

  // ------------------------------------------------------------------ compile
}
