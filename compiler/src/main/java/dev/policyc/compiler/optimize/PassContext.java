package dev.policyc.compiler.optimize;

import dev.policyc.compiler.ir.NameAllocator;
import dev.policyc.dsl.diag.Reporter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a pass may use beside the IR: a name allocator for the chains and sets it creates (shared
 * by every pass of one run, so no two passes pick the same name), a reporter for what it finds,
 * and counters for its stats.
 */
public final class PassContext {
  private final NameAllocator names;
  private final Reporter reporter;
  private final Map<String, Long> counters = new LinkedHashMap<>();

  public PassContext(NameAllocator names, Reporter reporter) {
    this.names = names;
    this.reporter = reporter;
  }

  public NameAllocator names() {
    return names;
  }

  public Reporter reporter() {
    return reporter;
  }

  /** Adds {@code n} to the counter {@code key} of the running pass. */
  public void count(String key, long n) {
    counters.merge(key, n, Long::sum);
  }

  /** The counters since the last call, cleared for the next pass. */
  Map<String, Long> takeCounters() {
    Map<String, Long> out = new LinkedHashMap<>(counters);
    counters.clear();
    return out;
  }
}
