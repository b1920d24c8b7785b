package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.ChainGraph;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.MatchPath;
import dev.policyc.dsl.path.SourcePath;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An {@code in} or {@code out} match in a user chain reached both from hooks where packets have
 * that interface and from hooks where they have none ({@code in} in OUTPUT and POSTROUTING,
 * {@code out} in PREROUTING and INPUT): there it only tells the hooks apart, which is rarely what
 * was meant. Reached only from hooks without the interface, the match is an error of lowering.
 */
final class InterfaceOnSomePaths implements Check {
  private static final Set<Hook> NO_IN = EnumSet.of(Hook.OUTPUT, Hook.POSTROUTING);
  private static final Set<Hook> NO_OUT = EnumSet.of(Hook.PREROUTING, Hook.INPUT);

  @Override
  public Code code() {
    return Code.PC7003;
  }

  @Override
  public boolean runsOnPartialIr() {
    return true;
  }

  @Override
  public void run(CheckContext ctx) {
    for (Table t : Table.values()) {
      // The hooks that reach each chain, in either family: one policy rule becomes rules of
      // both families, and its chain is reached from the union.
      Map<String, Set<Hook>> hooks = new HashMap<>();
      for (Family f : Family.values()) {
        RuleTable rt = ctx.ir().ruleset(f).table(t).orElse(null);
        if (rt != null) {
          ChainGraph g = ChainGraph.of(rt);
          for (Chain c : rt.chains()) {
            hooks.computeIfAbsent(c.name(), k -> EnumSet.noneOf(Hook.class))
                .addAll(g.hooksOf(c.name()));
          }
        }
      }
      Set<SourcePath> reported = new HashSet<>();
      for (Family f : Family.values()) {
        RuleTable rt = ctx.ir().ruleset(f).table(t).orElse(null);
        if (rt == null) {
          continue;
        }
        for (Chain c : rt.chains()) {
          if (c.isBuiltin()) {
            continue; // iptables refuses the match there: an error of lowering
          }
          for (Rule r : c.rules()) {
            check(ctx, c.name(), hooks.get(c.name()), r, reported);
          }
        }
      }
    }
  }

  private void check(CheckContext ctx, String chain, Set<Hook> hooks, Rule r,
      Set<SourcePath> reported) {
    for (Match m : r.matches()) {
      if (!(m instanceof Match.Iface i) || r.origin().path().isEmpty()) {
        continue;
      }
      MatchPath match = r.origin().path().get().match();
      Set<Hook> bad = EnumSet.noneOf(Hook.class);
      bad.addAll(hooks);
      bad.retainAll(i.out() ? NO_OUT : NO_IN);
      if (bad.isEmpty() || bad.size() == hooks.size()) {
        continue;
      }
      SourcePath path = i.out() ? match.out() : match.in();
      if (!reported.add(path)) {
        continue; // one policy rule, several IR rules
      }
      String what = i.out() ? "'out'" : "'in'";
      String why = i.out() ? "packets there have no output interface yet"
          : "packets there have no input interface";
      ctx.report(this, ctx.at(path), what + " in chain " + chain + " sees no interface for"
          + " packets from " + hookList(bad) + " (" + why + "); it only tells apart packets"
          + " from the other hooks");
    }
  }

  private static String hookList(Set<Hook> hooks) {
    List<String> names = hooks.stream().sorted().map(Hook::name).toList();
    return String.join(" and ", names);
  }
}
