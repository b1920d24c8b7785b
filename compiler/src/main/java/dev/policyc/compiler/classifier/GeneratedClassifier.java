package dev.policyc.compiler.classifier;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The generated classifier of one policy: Java sources and the table resource, by their paths
 * relative to a source root (and resource root), such as {@code com/example/fw/Packet.java}.
 *
 * @param packageName the Java package of every file
 * @param className the classifier class's simple name
 * @param sources the Java sources, in a fixed order
 * @param resources the resources the classes load (text: the tables are MIME base64), in a
 *     fixed order
 */
public record GeneratedClassifier(String packageName, String className,
    Map<String, String> sources, Map<String, String> resources) {
  public GeneratedClassifier {
    sources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    resources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(resources));
  }

  /** The classifier class's binary name. */
  public String qualifiedName() {
    return packageName.isEmpty() ? className : packageName + "." + className;
  }
}
