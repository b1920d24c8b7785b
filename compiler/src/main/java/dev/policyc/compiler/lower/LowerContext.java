package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.ChainGraph;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.path.SourcePath;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the lowering classes share while one policy is lowered: the policy and where it was
 * written, the reporter, the resolved groups and ipsets, each table's chains and jump graph, and
 * whether the rule being lowered uses a group whose errors are already reported.
 */
final class LowerContext {
  private final Policy policy;
  private final SourceMap src;
  private final Reporter rep = new Reporter();
  private final Groups groups;
  private final Map<String, IpSet> sets = new LinkedHashMap<>();
  private final Map<Table, Map<String, ChainSpec>> chains = new EnumMap<>(Table.class);
  private final Map<Table, ChainGraph> graphs = new EnumMap<>(Table.class);
  /**
   * Set while lowering a rule that uses a group whose own errors are already reported: the rule
   * is then not judged further, so one mistake does not also read as an empty rule (PC4003).
   */
  private boolean ruleUsesBrokenGroup;

  /** Starts lowering {@code policy}; its groups are resolved (and their errors reported) here. */
  LowerContext(Policy policy) {
    this.policy = policy;
    this.src = policy.source();
    this.groups = new Groups(policy.objects(), policy.host(), src, rep);
  }

  Policy policy() {
    return policy;
  }

  Groups groups() {
    return groups;
  }

  /** The ipsets that lowered, by name; a set with errors is missing. */
  Map<String, IpSet> sets() {
    return sets;
  }

  /** The chains of a table, by name, once collected. */
  Map<String, ChainSpec> chains(Table t) {
    return chains.get(t);
  }

  /** The jump graph of a table, once its chains are collected. */
  ChainGraph graph(Table t) {
    return graphs.get(t);
  }

  void addTable(Table t, Map<String, ChainSpec> tableChains, ChainGraph graph) {
    chains.put(t, tableChains);
    graphs.put(t, graph);
  }

  /** Where the element at {@code path} was written (see {@link SourceMap#at}). */
  SourcePos at(SourcePath path) {
    return src.at(path);
  }

  /** For an element that may have no position of its own (see {@link SourceMap#atOrEnclosing}). */
  SourcePos atOrEnclosing(SourcePath path) {
    return src.atOrEnclosing(path);
  }

  void report(Code code, SourcePos pos, String message) {
    rep.report(code, pos, message);
  }

  void report(Code code, SourcePath path, String message) {
    rep.report(code, src.at(path), message);
  }

  int errorCount() {
    return rep.errorCount();
  }

  boolean hasErrors() {
    return rep.hasErrors();
  }

  List<Diagnostic> diagnostics() {
    return rep.diagnostics();
  }

  /** Called as each rule starts. */
  void startRule() {
    ruleUsesBrokenGroup = false;
  }

  /** The rule being lowered uses a group with errors of its own. */
  void markRuleUsesBrokenGroup() {
    ruleUsesBrokenGroup = true;
  }

  boolean ruleUsesBrokenGroup() {
    return ruleUsesBrokenGroup;
  }

  static String familyWord(Family f) {
    return f == Family.IPV4 ? "IPv4" : "IPv6";
  }
}
