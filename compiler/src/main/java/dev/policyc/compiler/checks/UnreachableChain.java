package dev.policyc.compiler.checks;

import dev.policyc.compiler.analysis.ChainAnalysis.Answer;
import dev.policyc.compiler.analysis.ChainAnalysis;
import dev.policyc.compiler.analysis.ChainEffects;
import dev.policyc.compiler.analysis.RuleView;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.ChainGraph;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.PolicyPath;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A user chain that rules jump or go to, but only rules no packet reaches (shadowed ones), or
 * only rules of chains that are themselves never reached: dead code that {@link UnusedChain}
 * cannot see, because the jumps are there. A chain reached in either family is reached.
 */
final class UnreachableChain implements Check {
  @Override
  public Code code() {
    return Code.PC7005;
  }

  @Override
  public boolean runsOnPartialIr() {
    return false;
  }

  @Override
  public boolean comparesRules() {
    return true;
  }

  @Override
  public void run(CheckContext ctx) {
    PacketAnalysis a = ctx.analysis();
    for (Table t : Table.values()) {
      Set<String> live = new HashSet<>();
      Set<String> structural = new HashSet<>(); // the others are UnusedChain's
      // the jumps into each chain that is not reached, for the message
      Map<String, List<Origin>> deadJumps = new LinkedHashMap<>();
      for (Family f : Family.values()) {
        RuleTable rt = ctx.ir().ruleset(f).table(t).orElse(null);
        if (rt != null) {
          live.addAll(reached(a, f, rt));
          ChainGraph g = ChainGraph.of(rt);
          for (Chain c : rt.chains()) {
            if (!g.hooksOf(c.name()).isEmpty()) {
              structural.add(c.name());
            }
          }
        }
      }
      for (Family f : Family.values()) {
        RuleTable rt = ctx.ir().ruleset(f).table(t).orElse(null);
        if (rt == null) {
          continue;
        }
        for (Chain c : rt.chains()) {
          for (Rule r : c.rules()) {
            String to = ChainEffects.jumpTarget(r.target());
            if (to != null && !live.contains(to)) {
              deadJumps.computeIfAbsent(to, k -> new ArrayList<>()).add(r.origin());
            }
          }
        }
      }
      for (Map.Entry<String, List<Origin>> e : deadJumps.entrySet()) {
        String chain = e.getKey();
        if (t.isBuiltin(chain) || !structural.contains(chain)
            || !ctx.policy().chain(t, chain).isPresent()) {
          continue;
        }
        ctx.report(this, ctx.at(PolicyPath.chain(t, chain)), "chain " + chain + " is never"
            + " reached: no packet reaches the rules that jump to it ("
            + PolicyRules.describe(e.getValue(), true) + ")");
      }
    }
  }

  /**
   * The chains of a table that packets reach in a family: the built-in ones, and those a rule
   * not known to be shadowed, in a reached chain, jumps or goes to.
   */
  private static Set<String> reached(PacketAnalysis a, Family f, RuleTable rt) {
    Set<String> live = new HashSet<>();
    List<String> work = new ArrayList<>();
    for (Chain c : rt.chains()) {
      if (c.isBuiltin()) {
        live.add(c.name());
        work.add(c.name());
      }
    }
    while (!work.isEmpty()) {
      String name = work.remove(work.size() - 1);
      PacketAnalysis.ChainKey key = new PacketAnalysis.ChainKey(f, rt.table(), name);
      ChainAnalysis ca = a.chain(key);
      if (ca == null) {
        continue;
      }
      for (RuleView v : ca.rules()) {
        String to = ChainEffects.jumpTarget(v.rule().target());
        if (to != null && ca.result(v.index()).shadowed() != Answer.YES && live.add(to)) {
          work.add(to);
        }
      }
    }
    return live;
  }
}
