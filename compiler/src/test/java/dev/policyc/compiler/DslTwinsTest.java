package dev.policyc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.testing.Repo;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.yaml.PolicyYamlReader;
import dev.policyc.dsl.yaml.PolicyYamlWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every example policy written in YAML has a twin written with the Java DSL: the two are the
 * same model, compile to byte-identical files, and the DSL policy survives DSL → YAML → model.
 */
class DslTwinsTest {
  @TestFactory
  Stream<DynamicTest> yamlAndDslAreTheSamePolicy() {
    return ExamplePolicies.all().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
          Path file = Repo.policies().resolve(e.getKey() + ".yaml");
          Policy yaml = PolicyYamlReader.read(file);
          Policy dsl = e.getValue();
          assertEquals(yaml, dsl, "the DSL twin differs from " + file);
          Compilation yamlResult = PolicyCompiler.compile(yaml);
          Compilation dslResult = PolicyCompiler.compile(dsl);
          // two failed compilations have equal (empty) files: both must compile first
          assertTrue(yamlResult.ok(), () -> e.getKey() + ".yaml: " + yamlResult.diagnostics());
          assertTrue(dslResult.ok(), () -> e.getKey() + " (DSL): " + dslResult.diagnostics());
          Map<String, String> fromYaml = yamlResult.files();
          Map<String, String> fromDsl = dslResult.files();
          assertFalse(fromYaml.isEmpty());
          assertEquals(fromYaml.keySet(), fromDsl.keySet());
          for (String name : fromYaml.keySet()) {
            assertEquals(withoutSource(fromYaml.get(name)), withoutSource(fromDsl.get(name)),
                name + " of " + e.getKey());
          }
          Policy again = PolicyYamlReader.read("written.yaml", PolicyYamlWriter.write(dsl));
          assertEquals(dsl, again, "DSL -> YAML -> model changed " + e.getKey());
        }));
  }

  @Test
  void everyExamplePolicyHasADslTwin() throws Exception {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(Repo.policies())) {
      s.filter(p -> p.toString().endsWith(".yaml"))
          .forEach(p -> names.add(p.getFileName().toString().replace(".yaml", "")));
    }
    assertTrue(names.size() >= 6, "policies/ should hold at least six examples");
    assertEquals(names.stream().sorted().toList(),
        ExamplePolicies.all().keySet().stream().sorted().toList());
  }

  /**
   * report.json names the source file and positions, which a DSL policy does not have: in
   * fields, and in the origins of the rules the optimizer removed ({@code "file:3:7 (what)"},
   * {@code "what"} from the DSL).
   */
  private static String withoutSource(String text) {
    return text.replaceAll("\"(source|file)\": \"[^\"]*\"", "\"$1\": \"\"")
        .replaceAll("\"(line|column)\": [0-9]+", "\"$1\": 0")
        .replaceAll("\"[^\"]*:[0-9]+:[0-9]+ \\(([^\"]*)\\)( and [0-9]+ more merged)?\"",
            "\"$1$2\"");
  }
}
