package dev.policyc.compiler.optimize;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one pass did: rules before and after (both families, all tables), the time it took, its
 * own counters (rules removed, merged, sets made…) in the order it counted them, the ipsets it
 * created, and the rules it removed with why.
 */
public record PassStats(
    String name, Pass.Kind kind, int rulesBefore, int rulesAfter, long nanos,
    Map<String, Long> counters, List<String> setsCreated, List<PassContext.Removal> removals) {
  public PassStats {
    counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
    setsCreated = List.copyOf(setsCreated);
    removals = List.copyOf(removals);
  }
}
