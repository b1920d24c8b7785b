package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.ChainGraph;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.ChainPath;
import dev.policyc.dsl.path.PolicyPath;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The checks of chains as the kernel links them: names and default policies as each table's
 * chains are collected; once every rule is lowered, jump loops (PC1007), targets in chains
 * reached from hooks that refuse them (PC3002), and interface matches where packets have no such
 * interface (PC3004, PC3005). The lint warnings about chains live in {@code checks}.
 */
final class ChainChecks {
  /** One rule with what the placement checks need. */
  private record Placed(
      Table table, String chain, Action action, SourcePos actionPos, SourcePos inPos,
      SourcePos outPos) {}

  private final LowerContext ctx;
  private final List<Placed> placed = new ArrayList<>();

  ChainChecks(LowerContext ctx) {
    this.ctx = ctx;
  }

  /** Collects each table's chains and starts its jump graph with every built-in chain. */
  void collect() {
    for (Table t : Table.values()) {
      Map<String, ChainSpec> m = new LinkedHashMap<>();
      ChainGraph g = new ChainGraph();
      for (ChainSpec c : ctx.policy().chains(t)) {
        ChainPath p = PolicyPath.chain(t, c.name());
        SourcePos pos = ctx.at(p);
        if (m.containsKey(c.name())) {
          ctx.report(Code.PC1008, pos, "chain " + c.name() + " is declared twice in table "
              + t.iptablesName());
          continue;
        }
        m.put(c.name(), c);
        boolean builtin = t.isBuiltin(c.name());
        if (!builtin) {
          checkUserChainName(t, c.name(), pos);
          if (c.policy() != null) {
            ctx.report(Code.PC3006, p.policy(), "user chain " + c.name()
                + " cannot have a policy; only built-in chains do (a user chain returns at its"
                + " end)");
          }
        } else if (t == Table.NAT && c.policy() == Verdict.DROP) {
          ctx.report(Code.PC3003, p.policy(),
              "the nat table refuses a DROP policy; filter in the filter table");
        }
        g.addChain(c.name(), builtin);
      }
      // Built-in chains exist whether or not the policy lists them.
      for (String b : t.builtinChains()) {
        g.addChain(b, true);
      }
      ctx.addTable(t, m, g);
    }
  }

  private void checkUserChainName(Table t, String name, SourcePos pos) {
    if (Netfilter.HOOK_NAMES.contains(name)) {
      ctx.report(Code.PC3007, pos, "table " + t.iptablesName() + " has no " + name
          + " chain (it has " + String.join(", ", t.builtinChains()) + ")");
    } else if (name.length() > Netfilter.MAX_CHAIN_NAME) {
      ctx.report(Code.PC5001, pos, "chain name '" + name + "' is longer than "
          + Netfilter.MAX_CHAIN_NAME + " characters (the kernel's limit)");
    } else if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
      ctx.report(Code.PC1010, pos, "chain name '" + name
          + "' must start with a letter, digit or '_' and hold only letters, digits, '_', '.'"
          + " and '-'");
    } else if (Netfilter.RESERVED_TARGET_NAMES.contains(name)) {
      ctx.report(Code.PC1010, pos, "chain name '" + name + "' is the name of a target");
    }
  }

  /**
   * Records a rule for the placement checks: its action, and the positions of its 'in' and 'out'
   * matches (null when it has none).
   */
  void place(Table t, String chain, Action action, SourcePos actionPos, SourcePos inPos,
      SourcePos outPos) {
    placed.add(new Placed(t, chain, action, actionPos, inPos, outPos));
  }

  /** Once every rule is lowered and the jump graphs are complete: loops and placement. */
  void check() {
    for (Table t : Table.values()) {
      ChainGraph g = ctx.graph(t);
      List<ChainGraph.Edge[]> cycles = g.findCycles();
      for (ChainGraph.Edge[] cycle : cycles) {
        ctx.report(Code.PC1007, PolicyPath.rule(t, cycle[0].to(), cycle[0].rule()).action(),
            "jumping from " + cycle[0].to() + " to " + cycle[1].to()
                + " makes a loop; the kernel refuses chain loops");
      }
      if (cycles.isEmpty()) {
        depthCheck(t, g);
      }
      // Propagation is a fixpoint over growing hook sets, so it ends on a loop too; the target
      // and interface checks below then still see every hook a chain is reached from.
      g.propagate();
    }
    for (Placed p : placed) {
      Set<Hook> hooks = ctx.graph(p.table()).hooksOf(p.chain());
      if (hooks.isEmpty()) {
        continue;
      }
      Set<Hook> allowed = allowedHooks(p.table(), p.action());
      if (allowed != null && !allowed.containsAll(hooks)) {
        Set<Hook> bad = EnumSet.copyOf(hooks);
        bad.removeAll(allowed);
        ctx.report(Code.PC3002, p.actionPos(), targetName(p.action()) + " is only valid in "
            + hookList(allowed) + (p.table().isBuiltin(p.chain())
                ? ", not in " + p.chain()
                : "; chain " + p.chain() + " is reached from " + hookList(bad)));
      }
      ifaceCheck(p, hooks, p.inPos(), false);
      ifaceCheck(p, hooks, p.outPos(), true);
    }
  }

  /** A jump or goto that links a chain deeper below a built-in chain than nf_tables allows. */
  private void depthCheck(Table t, ChainGraph g) {
    int max = Netfilter.MAX_CHAIN_DEPTH;
    Map<String, Integer> depths = g.depths(max + 1);
    for (String from : g.chains()) {
      if (depths.getOrDefault(from, 0) < max) {
        continue;
      }
      for (ChainGraph.Edge e : g.edges(from)) {
        ctx.report(Code.PC5005, PolicyPath.rule(t, from, e.rule()).action(),
            "this links chain " + e.to() + " " + (max + 1) + " jumps below a built-in chain;"
                + " nf_tables (iptables-nft) refuses more than " + max);
      }
    }
  }

  /**
   * 'in' has nothing to match in OUTPUT and POSTROUTING, 'out' nothing in PREROUTING and INPUT.
   * iptables refuses them in those built-in chains; in a user chain reached only from them the
   * match is constant, which is a mistake (reached also from elsewhere, a lint check warns).
   */
  private void ifaceCheck(Placed p, Set<Hook> hooks, SourcePos pos, boolean out) {
    if (pos == null) {
      return;
    }
    Set<Hook> none = out ? EnumSet.of(Hook.PREROUTING, Hook.INPUT)
        : EnumSet.of(Hook.OUTPUT, Hook.POSTROUTING);
    Set<Hook> bad = EnumSet.noneOf(Hook.class);
    bad.addAll(hooks);
    bad.retainAll(none);
    if (bad.isEmpty()) {
      return;
    }
    String what = out ? "'out'" : "'in'";
    String why = out ? "packets there have no output interface yet"
        : "packets there have no input interface";
    Code code = out ? Code.PC3004 : Code.PC3005;
    if (p.table().isBuiltin(p.chain())) {
      ctx.report(code, pos, what + " cannot match in " + p.chain() + ": " + why);
    } else if (bad.size() == hooks.size()) {
      ctx.report(code, pos, what + " never changes the outcome in chain " + p.chain()
          + ", reached only from " + hookList(hooks) + ": " + why);
    }
    // reached also from hooks that have the interface: the lint check InterfaceOnSomePaths
  }

  private static String hookList(Set<Hook> hooks) {
    List<String> names = hooks.stream().sorted().map(Hook::name).toList();
    return String.join(" and ", names);
  }

  /** The hooks a target may run in; null when any (or when PC3001 already refused the table). */
  private static Set<Hook> allowedHooks(Table t, Action a) {
    boolean nat = a instanceof Action.Dnat || a instanceof Action.Redirect
        || a instanceof Action.Snat || a instanceof Action.Masquerade;
    if (nat && t != Table.NAT) {
      return null;
    } else if (a instanceof Action.Dnat || a instanceof Action.Redirect) {
      return EnumSet.of(Hook.PREROUTING, Hook.OUTPUT);
    } else if (a instanceof Action.Snat) {
      return EnumSet.of(Hook.POSTROUTING, Hook.INPUT);
    } else if (a instanceof Action.Masquerade) {
      return EnumSet.of(Hook.POSTROUTING);
    } else if (a instanceof Action.TcpMss) {
      return EnumSet.of(Hook.FORWARD, Hook.OUTPUT, Hook.POSTROUTING);
    }
    return null;
  }

  private static String targetName(Action a) {
    return a.getClass().getSimpleName().toUpperCase(Locale.ROOT);
  }
}
