package dev.policyc.compiler.cli;

import static dev.policyc.compiler.cli.CliFixtures.BAD_KEY;
import static dev.policyc.compiler.cli.CliFixtures.WEB_PACKET;
import static dev.policyc.compiler.cli.CliFixtures.golden;
import static dev.policyc.compiler.cli.CliFixtures.policy;
import static dev.policyc.compiler.cli.CliFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.yaml.InputText;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code policyc} program and what every command shares, driven in-process through {@link
 * Cli#capture}; each command has its own test class besides.
 */
class CliTest {
  private static String policyText(String name) throws IOException {
    return Files.readString(Path.of(policy(name)));
  }

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
      for (String cmd : List.of("compile", "check", "explain", "import")) {
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
    @ValueSource(strings = {"compile", "check", "explain", "import"})
    void helpPrintsTheCommandsUsageAndSucceeds(String cmd) {
      Cli.Captured c = run(cmd, "--help");
      assertEquals(Cli.OK, c.code(), c.err());
      assertTrue(c.out().contains("policyc " + cmd), c.out());
      assertTrue(c.out().contains("--help"), c.out());
      assertEquals("", c.err());
      assertEquals(c.out(), run(cmd, "-h").out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain", "import"})
    void versionPrintsTheVersionAndSucceeds(String cmd) {
      Cli.Captured c = run(cmd, "--version");
      assertEquals(Cli.OK, c.code(), c.err());
      assertEquals("policyc " + Cli.version(), c.out().strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain", "import"})
    void anUnknownOptionIsAUsageError(String cmd) {
      Cli.Captured c = run(cmd, "--frobnicate", policy("nat-gateway"));
      assertEquals(Cli.USAGE, c.code());
      assertTrue(c.err().contains("--frobnicate"), c.err());
      assertEquals("", c.out());
    }
  }

  // ------------------------------------------------------------------ compile

  // ------------------------------------------------------------------ standard input

  @Nested
  class StandardInput {
    @Test
    void checkReadsDashFromStandardInput() throws IOException {
      Cli.Captured c = Cli.captureWithStdin(policyText("host-firewall"), "check", "-");
      assertEquals(Cli.OK, c.code(), c.out());
      assertEquals("1 policy OK", c.out().strip());
    }

    @Test
    void diagnosticsOfStandardInputNameItAndGiveTheLine() {
      Cli.Captured c = Cli.captureWithStdin(BAD_KEY, "check", "-");
      assertEquals(Cli.POLICY_ERRORS, c.code());
      assertTrue(c.out().startsWith("<stdin>:5:"), c.out());
      assertTrue(c.out().contains("PC0002"), c.out());
    }

    @Test
    void compileReadsDashFromStandardInput() throws IOException {
      Cli.Captured c =
          Cli.captureWithStdin(policyText("nat-gateway"), "compile", "-", "-o", "-");
      assertEquals(Cli.OK, c.code(), c.err());
      assertTrue(c.out().startsWith("# ==> iptables.rules <==\n" + golden("nat-gateway",
          "iptables.rules")), c.out());
    }

    @Test
    void explainReadsTheDashPolicyFromStandardInput() throws IOException {
      Cli.Captured c = Cli.captureWithStdin(policyText("nat-gateway"), "explain", "-",
          "--packet", WEB_PACKET);
      assertEquals(Cli.OK, c.code(), c.err());
      assertTrue(c.out().contains("verdict: ACCEPT: forwarded out dmz0"), c.out());
    }

    /** Standard input is read once: a second '-' is the same policy, so its name is taken. */
    @Test
    void dashTwiceIsTheSamePolicyTwice() throws IOException {
      Cli.Captured c =
          Cli.captureWithStdin(policyText("nat-gateway"), "compile", "-", "-", "-o", "-");
      assertEquals(Cli.POLICY_ERRORS, c.code());
      assertTrue(c.err().contains("two policies are named 'nat-gateway'"), c.err());
      assertEquals("", c.out());
    }

    /** Issue 13, defect 2: an endless input is read to the limit, not to the end of memory. */
    @Test
    void standardInputLongerThanTheLimitIsPc0007OnceTheLimitIsRead() {
      long[] read = {0};
      InputStream endless = new InputStream() {
        @Override
        public int read() {
          read[0]++;
          return 'a';
        }

        @Override
        public int read(byte[] b, int off, int len) {
          Arrays.fill(b, off, off + len, (byte) 'a');
          read[0] += len;
          return len;
        }
      };
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Cli.run(endless, new PrintWriter(out), new PrintWriter(err), "check", "-");
      assertEquals(Cli.POLICY_ERRORS, code);
      assertEquals("<stdin>:1:" + (InputText.MAX_BYTES + 1) + ": error PC0007: the input is"
          + " longer than 64 MiB; policyc reads no further\n1 error\n", out.toString());
      assertEquals(InputText.MAX_BYTES + 1, read[0]);
    }

    @Test
    void standardInputThatCannotBeReadIsPc0010WithTheReason() {
      InputStream broken = new InputStream() {
        @Override
        public int read() throws IOException {
          throw new IOException("Input/output error");
        }
      };
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Cli.run(broken, new PrintWriter(out), new PrintWriter(err), "check", "-");
      assertEquals(Cli.POLICY_ERRORS, code);
      assertTrue(out.toString().startsWith(
          "<stdin>: error PC0010: cannot read policy: input/output error\n"), out.toString());
    }
  }

  // ------------------------------------------------------------------ unreadable policies

  @Nested
  class UnreadablePolicy {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"compile", "check", "explain"})
    void aMissingFileIsPc0010SayingSo(String cmd) {
      String missing = tmp.resolve("missing.yaml").toString();
      Cli.Captured c = run(switch (cmd) {
        case "compile" -> new String[] {cmd, missing, "-o", "-"};
        case "explain" -> new String[] {cmd, missing, "--packet", WEB_PACKET};
        default -> new String[] {cmd, missing};
      });
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      // The position is the file alone: no line or column.
      String line = missing + ": error PC0010: cannot read policy: no such file";
      assertTrue((c.out() + c.err()).lines().anyMatch(line::equals), c.out() + c.err());
    }

    @Test
    void aSideOfDiffThatCannotBeReadIsPc0010SayingWhy() throws IOException {
      Path good = CliFixtures.write(tmp, "p.yaml", "policy: p\n");
      String missing = tmp.resolve("missing.yaml").toString();
      Cli.Captured c = run("diff", good.toString(), missing);
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      assertEquals(missing + ": error PC0010: cannot read policy or iptables-save file: no such"
          + " file\n", c.err());
      Cli.Captured dir = run("diff", tmp.toString(), good.toString());
      assertEquals(Cli.POLICY_ERRORS, dir.code(), dir.err());
      assertEquals(tmp + ": error PC0010: cannot read policy or iptables-save file: is a"
          + " directory without iptables.rules or ip6tables.rules (a folder side is what policyc"
          + " kube or compile -o wrote)\n", dir.err());
    }

    @Test
    void aDirectoryIsPc0010SayingSo() {
      Cli.Captured c = run("check", tmp.toString());
      assertEquals(Cli.POLICY_ERRORS, c.code());
      assertTrue(c.out().startsWith(
          tmp + ": error PC0010: cannot read policy: is a directory\n"), c.out());
    }

    @Test
    void aPathThroughAFileIsPc0010SayingSo() throws IOException {
      Path file = CliFixtures.write(tmp, "file", "");
      Cli.Captured c = run("check", file.resolve("p.yaml").toString());
      assertEquals(Cli.POLICY_ERRORS, c.code());
      assertTrue(c.out().contains("cannot read policy: not a directory"), c.out());
    }
  }
}
