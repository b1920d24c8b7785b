package dev.policyc.dsl.yaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON Schema (draft 2020-12) of the YAML policy format, shipped in this jar for editors and
 * tools.
 *
 * <p>It describes the structure that {@link PolicyYamlReader} accepts; values that need the rest
 * of the policy (addresses, ports, group names) are checked by the compiler, so a document valid
 * against the schema may still be refused there. See {@code docs/policy-format.md}.
 */
public final class PolicySchema {
  /** The schema's {@code $id}, the address an editor can be pointed at. */
  public static final String ID = "https://policyc.dev/schema/policy.schema.json";

  private static final String RESOURCE = "dev/policyc/dsl/policy.schema.json";

  private PolicySchema() {}

  /** Where the schema lies on the class path, for {@link ClassLoader#getResource(String)}. */
  public static String resourcePath() {
    return RESOURCE;
  }

  /** The schema's JSON text. */
  public static String text() {
    try (InputStream in = PolicySchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
