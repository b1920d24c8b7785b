package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.ChainGraph;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.PolicyPath;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A user chain that no built-in chain reaches, directly or through other chains: dead code,
 * usually a forgotten jump or a misspelt chain name. A table whose jumps loop is left alone (the
 * loop is an error of its own, and the chains on it are not also unused).
 */
final class UnusedChain implements Check {
  @Override
  public Code code() {
    return Code.PC7001;
  }

  @Override
  public boolean runsOnPartialIr() {
    return true;
  }

  @Override
  public void run(CheckContext ctx) {
    for (Table t : Table.values()) {
      // A chain exists in both families' IR; it is used when either family reaches it.
      Set<String> chains = new LinkedHashSet<>();
      Set<String> reached = new HashSet<>();
      boolean loops = false;
      for (Family f : Family.values()) {
        RuleTable rt = ctx.ir().ruleset(f).table(t).orElse(null);
        if (rt == null) {
          continue;
        }
        ChainGraph g = ChainGraph.of(rt);
        loops |= !g.findCycles().isEmpty();
        for (Chain c : rt.chains()) {
          chains.add(c.name());
          if (c.isBuiltin() || !g.hooksOf(c.name()).isEmpty()) {
            reached.add(c.name());
          }
        }
      }
      if (loops) {
        continue;
      }
      for (String c : chains) {
        // A user chain named like another table's hook chain is an error of its own (PC3007).
        if (!reached.contains(c) && !t.isBuiltin(c) && !Netfilter.HOOK_NAMES.contains(c)) {
          ctx.report(this, ctx.at(PolicyPath.chain(t, c)),
              "chain " + c + " is never jumped to from a built-in chain");
        }
      }
    }
  }
}
