package dev.policyc.compiler;

import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.optimize.PassManager;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.verify.ChainEdits;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.compiler.verify.Result;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code policyc verify} proves of a compilation with the equivalence engine: the emitted
 * files, read back as the kernel would load them, mean the IR they came from; and when passes
 * changed the IR, the optimized IR means what lowering built.
 */
public final class Proofs {
  private Proofs() {}

  /** One claim and the engine's answer, with the time it took. */
  public record Proof(String claim, Result result, long millis) {
    public boolean holds() {
      return result.equal();
    }
  }

  /** The proofs of a successful compilation, with the engine's default budget. */
  public static List<Proof> of(Compilation c) throws ParseException {
    return of(c, Equivalence.DEFAULT_BUDGET);
  }

  /** The proofs of a successful compilation, within {@code budget} rule evaluations each. */
  public static List<Proof> of(Compilation c, long budget) throws ParseException {
    return of(c, budget, false);
  }

  /**
   * The proofs of a successful compilation; {@code exhaustive} explores every table whole (see
   * {@link Equivalence#compareExhaustively}).
   */
  public static List<Proof> of(Compilation c, long budget, boolean exhaustive)
      throws ParseException {
    if (!c.ok()) {
      throw new IllegalArgumentException("the compilation failed");
    }
    List<Proof> out = new ArrayList<>();
    if (!c.lowered().equals(c.ir())) {
      out.add(prove("the optimized IR means the lowered IR", c.lowered(), c.ir(), budget,
          exhaustive));
    }
    out.add(prove("the emitted files mean the IR", c.ir(), readBack(c), budget, exhaustive));
    return out;
  }

  /**
   * For rules read from an iptables-save or iptables-restore text ({@code policyc verify RULES},
   * such as {@code policyc kube}'s output): the text policyc's emitter writes for them, read back,
   * decides every packet as the rules read. The sets are the given ones on both sides.
   */
  public static Proof reEmitted(IrPolicy read, long budget, boolean exhaustive)
      throws ParseException {
    Ruleset v4 = read.ipv4().tables().isEmpty() ? read.ipv4()
        : IptablesSaveReader.read("(re-emitted iptables rules)",
            IptablesEmitter.emit(read.ipv4(), read.name()), Family.IPV4);
    Ruleset v6 = read.ipv6().tables().isEmpty() ? read.ipv6()
        : IptablesSaveReader.read("(re-emitted ip6tables rules)",
            IptablesEmitter.emit(read.ipv6(), read.name()), Family.IPV6);
    return prove("the rules policyc emits for them mean the rules read", read,
        new IrPolicy(read.name(), read.host(), read.sets(), v4, v6), budget, exhaustive);
  }

  /**
   * The pass manager's verifier ({@code compile --verify}): null when a pass kept the meaning,
   * else the first difference or why the engine could not decide.
   */
  static String passVerifier(IrPolicy before, IrPolicy after) {
    return passVerifier(before, after, Equivalence.DEFAULT_BUDGET);
  }

  /**
   * Rules (of both policies together) up to which a pass the edit-by-edit proof does not prove
   * is compared whole, which finds the packet it changes.
   */
  static final int WHOLE_CHECK_RULES = 4000;

  /**
   * {@link #passVerifier(IrPolicy, IrPolicy)} with a budget of rule evaluations: first edit by
   * edit ({@link ChainEdits}); what that does not prove is compared whole ({@link Equivalence})
   * when the policies are small, which either proves it, finds a packet the pass changes, or
   * runs out of budget; a large policy it does not prove is not proved.
   */
  static String passVerifier(IrPolicy before, IrPolicy after, long budget) {
    Result local = ChainEdits.prove(before, after, budget);
    if (local.equal()) {
      return null;
    }
    if (rules(before) + rules(after) > WHOLE_CHECK_RULES) {
      return PassManager.UNPROVED + local.reason();
    }
    Result r = Equivalence.compare(before, after, budget, 1);
    return switch (r.status()) {
      case EQUAL -> null;
      case DIFFERENT -> "changes the decision of some packets: " + r.differences().get(0);
      case UNKNOWN -> PassManager.UNPROVED + r.reason();
    };
  }

  private static int rules(IrPolicy p) {
    return p.ipv4().ruleCount() + p.ipv6().ruleCount();
  }

  private static Proof prove(String claim, IrPolicy a, IrPolicy b, long budget,
      boolean exhaustive) {
    long t0 = System.nanoTime();
    Result r = exhaustive ? Equivalence.compareExhaustively(a, b, budget, 100)
        : Equivalence.compare(a, b, budget, 100);
    return new Proof(claim, r, (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * The policy the emitted files describe, as {@link #readBack}, with each rule given the origin
   * of the IR rule it was emitted from (same table, chain and position), so a decision on it
   * names the policy rules as a decision on the IR does. Throws {@link IllegalStateException}
   * when the files do not have the IR's shape, which would be an emitter bug.
   */
  public static IrPolicy readBackWithOrigins(Compilation c) throws ParseException {
    IrPolicy back = readBack(c);
    return new IrPolicy(back.name(), back.host(), back.sets(),
        withOrigins(back.ipv4(), c.ir().ipv4()), withOrigins(back.ipv6(), c.ir().ipv6()));
  }

  private static Ruleset withOrigins(Ruleset back, Ruleset ir) {
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : back.tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain ch : t.chains()) {
        List<Rule> from = ir.table(t.table()).flatMap(x -> x.chain(ch.name()))
            .map(Chain::rules).orElse(List.of());
        if (from.size() != ch.rules().size()) {
          throw new IllegalStateException("the emitted " + t.table().iptablesName() + "/"
              + ch.name() + " has " + ch.rules().size() + " rules, the IR " + from.size());
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < from.size(); i++) {
          Rule r = ch.rules().get(i);
          rules.add(new Rule(r.matches(), r.target(), r.comment(), from.get(i).origin()));
        }
        chains.add(new Chain(ch.name(), ch.policy(), rules));
      }
      tables.add(new RuleTable(t.table(), chains));
    }
    return new Ruleset(back.family(), tables);
  }

  /**
   * The policy the emitted files describe: {@code iptables.rules}, {@code ip6tables.rules} (none:
   * no IPv6 rules) and {@code ipset.rules} read back; the host model is the compiled policy's,
   * which the files do not carry.
   */
  public static IrPolicy readBack(Compilation c) throws ParseException {
    IrPolicy ir = c.ir();
    Ruleset v4 = IptablesSaveReader.read(PolicyCompiler.IPTABLES,
        c.files().get(PolicyCompiler.IPTABLES), Family.IPV4);
    String six = c.files().get(PolicyCompiler.IP6TABLES);
    Ruleset v6 = six == null ? new Ruleset(Family.IPV6, List.of())
        : IptablesSaveReader.read(PolicyCompiler.IP6TABLES, six, Family.IPV6);
    String sets = c.files().get(PolicyCompiler.IPSET);
    List<IpSet> ipsets = sets == null ? List.of() : IpsetReader.read(PolicyCompiler.IPSET, sets);
    return new IrPolicy(ir.name(), ir.host(), ipsets, v4, v6);
  }
}
