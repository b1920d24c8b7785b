package dev.policyc.compiler;

import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.testing.Property;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Reading a broken policy ends in diagnostics, never in an exception: the reader's problems and
 * the errors of lowering what it could read (issue 13, defect 5) hold on random small edits of
 * the example policies, which break keys, types, indentation and values in every place.
 */
class MutatedPolicyReadTest {
  /** Characters that matter to YAML, and controls it refuses (NUL, a C1) or passes (U+202E). */
  private static final String PALETTE =
      " \n:-#{}[],'\"&*!|.0a~\\x/" + '\0' + (char) 0x86 + (char) 0x202e;

  @Test
  void aMutatedPolicyIsReadOrRefusedWithDiagnostics() throws IOException {
    List<String> bases = new ArrayList<>();
    try (Stream<Path> s = Files.list(Repo.policies())) {
      for (Path p : s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        bases.add(Files.readString(p, StandardCharsets.UTF_8));
      }
    }
    Property.forAll("mutated policies read or refuse with diagnostics",
        Property.seed(13L), Property.trials(1500),
        rnd -> mutate(bases.get(rnd.nextInt(bases.size())), rnd, 1 + rnd.nextInt(4)),
        text -> {
          PolicyCompiler.ReadResult r = PolicyCompiler.read("mutated.yaml", text);
          return r.policy() == null && r.diagnostics().isEmpty() ? "no policy, no diagnostic"
              : null;
        },
        text -> List.of(), text -> text);
  }

  private static String mutate(String text, Random rnd, int edits) {
    StringBuilder b = new StringBuilder(text);
    for (int e = 0; e < edits; e++) {
      int at = b.length() == 0 ? 0 : rnd.nextInt(b.length());
      int start = b.lastIndexOf("\n", at) + 1;
      int end = b.indexOf("\n", at);
      end = end < 0 ? b.length() : end + 1;
      switch (rnd.nextInt(4)) {
        case 0 -> b.insert(at, PALETTE.charAt(rnd.nextInt(PALETTE.length())));
        case 1 -> {
          if (b.length() > 0) {
            b.deleteCharAt(at);
          }
        }
        case 2 -> b.insert(start, b.substring(start, end));
        default -> b.delete(start, end);
      }
    }
    return b.toString();
  }
}
