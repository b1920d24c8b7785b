package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.path.PolicyPath;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lowers a {@link Policy} to an {@link IrPolicy}: resolves names, expands groups into disjoint
 * matches (so a packet never matches two rules made from one), splits rules by address family,
 * and validates everything the kernel would refuse or silently misread. Every problem is reported
 * with its position; lowering goes on after an error so one run reports them all.
 *
 * <p>Each concern has its class, around a shared {@link LowerContext}: {@link Groups}, {@link
 * HostLowering}, {@link SetLowering}, {@link ChainChecks}, and per rule {@link RuleLowering}
 * with the address, protocol, port, match and target lowerings and {@link RuleExpansion}.
 */
public final class Lowering {
  /**
   * The outcome: the IR and every diagnostic. Without errors the IR is complete. With errors it is
   * partial, for the lint checks only: it holds the rules that lowered, and each rule with errors
   * that jumps or goes to a chain keeps that jump without its matches, so the chain structure
   * (which chain is reached from where) is the one the policy wrote.
   */
  public record Result(IrPolicy ir, boolean complete, List<Diagnostic> diagnostics) {
    public boolean ok() {
      return complete;
    }
  }

  private final LowerContext ctx;
  private final ChainChecks chainChecks;
  /** table → chain → family → rules. */
  private final Map<Table, Map<String, Map<Family, List<Rule>>>> lowered =
      new EnumMap<>(Table.class);

  private Lowering(Policy policy) {
    this.ctx = new LowerContext(policy);
    this.chainChecks = new ChainChecks(ctx);
  }

  /** Lowers a policy; the result holds the IR only when there were no errors. */
  public static Result lower(Policy policy) {
    Lowering l = new Lowering(policy);
    IrPolicy ir = l.run();
    return new Result(ir, !l.ctx.hasErrors(), l.ctx.diagnostics());
  }

  private IrPolicy run() {
    Policy policy = ctx.policy();
    Policy.nameProblem(policy.name())
        .ifPresent(m -> ctx.report(Code.PC1012, PolicyPath.name(), m));
    HostModel host = policy.host() == null ? null : new HostLowering(ctx).lower(policy.host());
    SetLowering sets = new SetLowering(ctx);
    for (IpSetSpec s : policy.objects().sets()) {
      IpSet set = sets.lower(s);
      if (set != null) {
        ctx.sets().put(set.name(), set);
      }
    }
    chainChecks.collect();
    RuleLowering rules = new RuleLowering(ctx, chainChecks);
    for (Table t : Table.values()) {
      for (ChainSpec c : policy.chains(t)) {
        Map<Family, List<Rule>> perFamily = new EnumMap<>(Family.class);
        perFamily.put(Family.IPV4, new ArrayList<>());
        perFamily.put(Family.IPV6, new ArrayList<>());
        for (int i = 0; i < c.rules().size(); i++) {
          rules.lower(t, c, i, c.rules().get(i))
              .forEach((f, rs) -> perFamily.get(f).addAll(rs));
        }
        lowered.computeIfAbsent(t, k -> new LinkedHashMap<>())
            .merge(c.name(), perFamily, (a, b) -> {
              b.forEach((f, rs) -> a.get(f).addAll(rs));
              return a;
            });
      }
    }
    chainChecks.check();
    return new IrPolicy(policy.name(), host, List.copyOf(ctx.sets().values()),
        ruleset(Family.IPV4), ruleset(Family.IPV6));
  }

  private Ruleset ruleset(Family f) {
    List<RuleTable> tables = new ArrayList<>();
    for (Table t : Table.values()) {
      Map<String, ChainSpec> specs = ctx.chains(t);
      if (specs.isEmpty()) {
        continue;
      }
      List<Chain> out = new ArrayList<>();
      Map<String, Map<Family, List<Rule>>> rules = lowered.getOrDefault(t, Map.of());
      for (String b : t.builtinChains()) {
        ChainSpec spec = specs.get(b);
        Verdict pol = spec == null || spec.policy() == null ? Verdict.ACCEPT : spec.policy();
        out.add(new Chain(b, pol, rulesOf(rules, b, f)));
      }
      // iptables-save lists user chains by name; sorting here makes the IR match it.
      new TreeMap<>(specs).forEach((name, spec) -> {
        if (!t.isBuiltin(name)) {
          out.add(new Chain(name, null, rulesOf(rules, name, f)));
        }
      });
      tables.add(new RuleTable(t, out));
    }
    return new Ruleset(f, tables);
  }

  private static List<Rule> rulesOf(
      Map<String, Map<Family, List<Rule>>> rules, String chain, Family f) {
    Map<Family, List<Rule>> m = rules.get(chain);
    return m == null ? List.of() : m.get(f);
  }
}
