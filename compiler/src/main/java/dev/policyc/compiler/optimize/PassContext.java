package dev.policyc.compiler.optimize;

import dev.policyc.compiler.ir.NameAllocator;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Reporter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a pass may use beside the IR: a name allocator for the chains and sets it creates (shared
 * by every pass of one run, so no two passes pick the same name), a reporter for what it finds,
 * and counters for its stats.
 */
public final class PassContext {
  private final NameAllocator names;
  private final Reporter reporter;
  private final int inputRules;
  private final Map<String, Long> counters = new LinkedHashMap<>();
  private final List<Removal> removals = new ArrayList<>();

  /**
   * A rule a pass removed, for the report: where it was, why it could go ({@code shadowed}: no
   * packet reaches it; {@code redundant}: the rules after it decide the same) and the rules that
   * take its packets instead (for a shadowed rule, the earlier rules that cover it).
   */
  public record Removal(Family family, Table table, String chain, Origin rule, String reason,
      List<Origin> by) {
    public Removal {
      by = List.copyOf(by);
    }
  }

  public PassContext(NameAllocator names, Reporter reporter) {
    this(names, reporter, -1);
  }

  /**
   * A context for a pipeline over a policy of {@code inputRules} rules as lowered (-1 when not
   * known): the size bounds of the passes are of that count (see {@link #inputRules()}).
   */
  public PassContext(NameAllocator names, Reporter reporter, int inputRules) {
    this.names = names;
    this.reporter = reporter;
    this.inputRules = inputRules;
  }

  /**
   * The rules of the policy as lowered, before any pass: a pass that may add rules (the decision
   * tree) bounds the output by a multiple of this count, the size of the input the user wrote;
   * -1 when not known (a pass then bounds by the rules it is given).
   */
  public int inputRules() {
    return inputRules;
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

  /** Records a rule the running pass removed (see {@link Removal}). */
  public void removed(Family family, Table table, String chain, Rule rule, String reason,
      List<Rule> by) {
    removals.add(new Removal(family, table, chain, rule.origin(), reason,
        by.stream().map(Rule::origin).toList()));
  }

  /** The removals since the last call, cleared for the next pass. */
  List<Removal> takeRemovals() {
    List<Removal> out = List.copyOf(removals);
    removals.clear();
    return out;
  }

  /** The counters since the last call, cleared for the next pass. */
  Map<String, Long> takeCounters() {
    Map<String, Long> out = new LinkedHashMap<>(counters);
    counters.clear();
    return out;
  }
}
