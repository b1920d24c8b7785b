package dev.policyc.compiler.cli;

import dev.policyc.compiler.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/** What the command-line tests share: example policies, goldens, bad policies and helpers. */
final class CliFixtures {
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** A published web server behind the gateway: DNATed in nat PREROUTING, accepted in FORWARD. */
  static final String WEB_PACKET =
      "tcp 198.51.100.7:40000 -> 203.0.113.2:443 in wan0 state new";

  /** A policy with an unknown key (line 5) that the reader refuses. */
  static final String BAD_KEY = """
      policy: bad-key
      filter:
        INPUT:
          rules:
            - { match: { dports: "22" }, action: accept }
      """;

  /** A policy that reads but does not lower: a jump to a chain that does not exist (line 5). */
  static final String BAD_JUMP = """
      policy: bad-jump
      filter:
        INPUT:
          rules:
            - { action: { jump: nowhere } }
      """;

  private CliFixtures() {}

  static String policy(String name) {
    return Repo.policies().resolve(name + ".yaml").toString();
  }

  static String golden(String policy, String file) throws IOException {
    return Files.readString(
        Repo.root().resolve("compiler/src/test/resources/golden").resolve(policy).resolve(file),
        StandardCharsets.UTF_8);
  }

  static Cli.Captured run(String... args) {
    return Cli.capture(args);
  }

  static Path write(Path dir, String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  static List<String> listing(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      // Sorted so the comparison does not depend on the file system's order.
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted()
          .toList();
    }
  }
}
