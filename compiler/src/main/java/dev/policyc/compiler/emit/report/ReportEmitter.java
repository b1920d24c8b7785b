package dev.policyc.compiler.emit.report;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code report.json}: what was compiled, rule counts per family, table and chain, the
 * sets, the files written and the warnings. No timestamps or absolute paths, so the report is as
 * deterministic as the scripts.
 */
public final class ReportEmitter {
  private ReportEmitter() {}

  /** The most removed rules the report lists per pass; the rest are counted. */
  public static final int MAX_REMOVALS = 1000;

  /**
   * What one optimization pass did, for the report.
   *
   * @param counters the pass's own counters, in the order it counted them
   * @param sets the ipsets the pass created
   * @param removed the rules it removed: where, why and what takes their packets
   * @param millis the time it took, or null to leave time out (the default, so the report is
   *     the same on every run)
   */
  public record PassSummary(String name, int rulesBefore, int rulesAfter,
      Map<String, Long> counters, List<String> sets, List<Removed> removed, Long millis) {}

  /** A removed rule, for the report. */
  public record Removed(String family, String chain, String rule, String reason,
      List<String> by) {}

  /**
   * The report of a compiled policy: {@code level} and {@code passes} say which optimization
   * passes ran and what each did.
   */
  public static String emit(IrPolicy ir, String sourceName, List<String> files,
      List<Diagnostic> warnings, int level, List<PassSummary> passes) {
    return emit(ir, sourceName, List.of(), files, warnings, level, passes);
  }

  /**
   * As {@link #emit(IrPolicy, String, List, List, int, List)}, for a policy that includes the
   * files {@code included} (relative to its folder), listed as {@code "included"} after {@code
   * "source"} when there are any.
   */
  public static String emit(IrPolicy ir, String sourceName, List<String> included,
      List<String> files, List<Diagnostic> warnings, int level, List<PassSummary> passes) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("policy", ir.name());
    root.put("source", sourceName);
    if (!included.isEmpty()) {
      root.put("included", included);
    }
    root.put("files", files);
    Map<String, Object> fams = new LinkedHashMap<>();
    for (Family f : Family.values()) {
      fams.put(f.yamlName(), ruleset(ir.ruleset(f)));
    }
    root.put("families", fams);
    List<Object> sets = new ArrayList<>();
    for (IpSet s : ir.sets()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", s.name());
      m.put("type", s.type().ipsetName());
      m.put("family", s.type().hasAddress() ? s.family().yamlName() : "any");
      m.put("members", s.entries().size());
      sets.add(m);
    }
    root.put("sets", sets);
    Map<String, Object> opt = new LinkedHashMap<>();
    opt.put("level", level);
    List<Object> ran = new ArrayList<>();
    for (PassSummary p : passes) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("name", p.name());
      pm.put("rulesBefore", p.rulesBefore());
      pm.put("rulesAfter", p.rulesAfter());
      if (p.millis() != null) {
        pm.put("millis", p.millis());
      }
      pm.put("counters", p.counters());
      pm.put("setsCreated", p.sets());
      List<Object> removed = new ArrayList<>();
      for (Removed r : p.removed().subList(0, Math.min(MAX_REMOVALS, p.removed().size()))) {
        Map<String, Object> rm = new LinkedHashMap<>();
        rm.put("family", r.family());
        rm.put("chain", r.chain());
        rm.put("rule", r.rule());
        rm.put("reason", r.reason());
        rm.put("by", r.by());
        removed.add(rm);
      }
      pm.put("removed", removed);
      if (p.removed().size() > MAX_REMOVALS) {
        pm.put("removedNotListed", p.removed().size() - MAX_REMOVALS);
      }
      ran.add(pm);
    }
    opt.put("passes", ran);
    root.put("optimizer", opt);
    List<Object> diags = new ArrayList<>();
    for (Diagnostic d : warnings) {
      diags.add(diagnostic(d));
    }
    root.put("warnings", diags);
    return Json.pretty(root);
  }

  private static Map<String, Object> ruleset(Ruleset rs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rules", rs.ruleCount());
    m.put("emitted", !rs.isTrivial());
    Map<String, Object> tables = new LinkedHashMap<>();
    for (RuleTable t : rs.tables()) {
      Map<String, Object> chains = new LinkedHashMap<>();
      for (Chain c : t.chains()) {
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("policy", c.policy() == null ? "-" : c.policy().name());
        cm.put("rules", c.rules().size());
        chains.put(c.name(), cm);
      }
      tables.put(t.table().iptablesName(), chains);
    }
    m.put("tables", tables);
    return m;
  }

  /** A diagnostic as a JSON object (also used by {@code policyc check --format json}). */
  public static Map<String, Object> diagnostic(Diagnostic d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("code", d.code().name());
    m.put("severity", d.severity().name().toLowerCase(java.util.Locale.ROOT));
    m.put("message", d.message());
    m.put("file", d.pos().file());
    m.put("line", d.pos().line());
    m.put("column", d.pos().column());
    return m;
  }
}
