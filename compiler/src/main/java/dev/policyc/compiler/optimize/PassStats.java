package dev.policyc.compiler.optimize;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one pass did: rules before and after (both families, all tables), the time it took and
 * its own counters (rules removed, merged, sets made…), in the order it counted them.
 */
public record PassStats(
    String name, Pass.Kind kind, int rulesBefore, int rulesAfter, long nanos,
    Map<String, Long> counters) {
  public PassStats {
    counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
  }
}
