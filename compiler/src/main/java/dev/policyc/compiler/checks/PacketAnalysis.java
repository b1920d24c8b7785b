package dev.policyc.compiler.checks;

import dev.policyc.compiler.analysis.ChainAnalysis;
import dev.policyc.compiler.analysis.ChainEffects;
import dev.policyc.compiler.analysis.RuleView;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.space.Coverage.Budget;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link ChainAnalysis} of every chain of a complete IR, computed once for the checks that
 * read it, and the IR rules of each policy rule.
 */
final class PacketAnalysis {
  /** Work units for the whole policy; beyond them the analyses answer nothing more. */
  static final long POLICY_BUDGET = 250_000_000;

  /** A chain of one family. */
  record ChainKey(Family family, Table table, String chain) {}

  /** One IR rule: its chain and index. */
  record Ref(ChainKey chain, int index) {}

  private final IrPolicy ir;
  private final Map<ChainKey, ChainAnalysis> chains = new LinkedHashMap<>();
  private final Map<String, List<Ref>> byPolicyRule = new LinkedHashMap<>();

  private PacketAnalysis(IrPolicy ir) {
    this.ir = ir;
  }

  static PacketAnalysis of(IrPolicy ir) {
    return of(ir, POLICY_BUDGET);
  }

  static PacketAnalysis of(IrPolicy ir, long budget) {
    PacketAnalysis a = new PacketAnalysis(ir);
    Budget total = new Budget(budget);
    for (Family f : Family.values()) {
      for (RuleTable rt : ir.ruleset(f).tables()) {
        a.table(f, rt, total);
      }
    }
    return a;
  }

  private void table(Family f, RuleTable rt, Budget total) {
    Map<String, Set<Field>> modifies = ChainEffects.modifiedFields(rt);
    Map<String, List<Cube>> entries = new HashMap<>();
    Map<String, List<RuleView>> views = new LinkedHashMap<>();
    for (Chain c : rt.chains()) {
      ChainKey key = new ChainKey(f, rt.table(), c.name());
      Map<String, Integer> groups = new HashMap<>();
      List<RuleView> vs = new ArrayList<>();
      for (int i = 0; i < c.rules().size(); i++) {
        Rule r = c.rules().get(i);
        Optional<String> path = r.origin().path().map(p -> p.key());
        int group = path.isPresent() ? groups.computeIfAbsent(path.get(), k -> groups.size())
            : -1 - i;
        String to = ChainEffects.jumpTarget(r.target());
        RuleView v = RuleView.of(i, r, f, ir, to == null ? Set.of()
            : modifies.getOrDefault(to, Set.of()), group);
        vs.add(v);
        if (to != null) {
          entries.computeIfAbsent(to, k -> new ArrayList<>()).add(v.cube());
        }
        path.ifPresent(p -> byPolicyRule.computeIfAbsent(p, k -> new ArrayList<>())
            .add(new Ref(key, v.index())));
      }
      views.put(c.name(), vs);
    }
    for (Chain c : rt.chains()) {
      List<Cube> entry = c.isBuiltin() ? null : entries.getOrDefault(c.name(), List.of());
      chains.put(new ChainKey(f, rt.table(), c.name()),
          new ChainAnalysis(views.get(c.name()), c.policy(), entry, total));
    }
  }

  /** Every analysed chain, families in order, tables and chains in IR order. */
  Map<ChainKey, ChainAnalysis> chains() {
    return chains;
  }

  ChainAnalysis chain(ChainKey key) {
    return chains.get(key);
  }

  RuleView view(Ref ref) {
    return chains.get(ref.chain()).rules().get(ref.index());
  }

  ChainAnalysis.Result result(Ref ref) {
    return chains.get(ref.chain()).result(ref.index());
  }

  /** The IR rules of a policy rule (by its path key), in both families; empty when none. */
  List<Ref> refs(String policyRuleKey) {
    return byPolicyRule.getOrDefault(policyRuleKey, List.of());
  }
}
