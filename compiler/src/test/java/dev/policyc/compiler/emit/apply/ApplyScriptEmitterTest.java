package dev.policyc.compiler.emit.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.testing.Netns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apply.sh}: POSIX shell that shellcheck accepts, and nothing in it from the policy. */
class ApplyScriptEmitterTest {
  @TempDir
  Path tmp;

  private static final boolean[][] VARIANTS = {{false, false, false}, {false, true, false},
      {true, false, false}, {true, true, false}, {false, false, true}, {true, true, true}};

  @Test
  void everyVariantPassesShellcheckAsPosixSh() throws IOException {
    String shellcheck = which("shellcheck");
    Assumptions.assumeTrue(shellcheck != null,
        "skipped: shellcheck is not installed (apt-get install -y shellcheck)");
    for (boolean[] v : VARIANTS) {
      Path script = write(ApplyScriptEmitter.emit(v[0], v[1], v[2]));
      Netns.Result r = Netns.exec(List.of(shellcheck, "--shell=sh", "--severity=style",
          script.toString()), true);
      assertEquals(0, r.code(), "shellcheck of the variant ip6tables=" + v[0] + " ipset=" + v[1]
          + " owns chains=" + v[2]
          + ":\n" + r.out() + r.err());
    }
  }

  @Test
  void everyVariantParsesInDash() throws IOException {
    String dash = which("dash");
    Assumptions.assumeTrue(dash != null, "skipped: dash is not installed");
    for (boolean[] v : VARIANTS) {
      Path script = write(ApplyScriptEmitter.emit(v[0], v[1], v[2]));
      Netns.Result r = Netns.exec(List.of(dash, "-n", script.toString()), true);
      assertEquals(0, r.code(), r.err());
    }
  }

  @Test
  void theFlagsAreWrittenInAndNoPlaceholderIsLeft() {
    String s = ApplyScriptEmitter.emit(true, false, true);
    assertTrue(s.contains("\nhas_ip6tables=1\n"), s);
    assertTrue(s.contains("\nhas_ipset=0\n"), s);
    assertTrue(s.contains("\nowns_chains=1\n"), s);
    assertTrue(ApplyScriptEmitter.emit(true, false).contains("\nowns_chains=0\n"));
    assertFalse(s.matches("(?s).*@[A-Z0-9]+@.*"), "a placeholder is left");
    assertTrue(s.startsWith("#!/bin/sh\n"));
    assertFalse(s.contains("\r"));
  }

  /**
   * Quotes, command substitutions, backticks and semicolons in a policy's comments and LOG
   * prefixes never reach the script: its text depends only on which files exist.
   */
  @Test
  void nothingOfThePolicyReachesTheScript() {
    String yaml = """
        policy: hostile
        filter:
          INPUT:
            policy: DROP
            rules:
              - match: { proto: tcp, dport: "22" }
                action: accept
                comment: "x'; touch /tmp/owned; $(reboot) `id`"
              - action: { log: { prefix: "$(id);" } }
        """;
    PolicyCompiler.ReadResult read = PolicyCompiler.read("hostile.yaml", yaml);
    assertTrue(read.diagnostics().stream().noneMatch(d -> d.isError()),
        read.diagnostics().toString());
    Compilation c = PolicyCompiler.compile(read.policy());
    assertTrue(c.ok(), c.diagnostics().toString());
    String script = c.files().get(PolicyCompiler.APPLY);
    assertEquals(ApplyScriptEmitter.emit(c.files().containsKey(PolicyCompiler.IP6TABLES),
        c.files().containsKey(PolicyCompiler.IPSET)), script);
    assertFalse(script.contains("hostile"));
    assertFalse(script.contains("/tmp/owned") || script.contains("reboot"));
  }

  private Path write(String text) throws IOException {
    Path p = Files.createTempFile(tmp, "apply", ".sh");
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  private static String which(String tool) {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return dir + "/" + tool;
      }
    }
    return null;
  }
}
