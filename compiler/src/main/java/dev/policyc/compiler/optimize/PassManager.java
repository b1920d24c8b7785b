package dev.policyc.compiler.optimize;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.IrValidator;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.NameAllocator;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.dsl.diag.Reporter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs passes in order over a policy: validates the IR before the first pass and after every
 * pass (so a pass that builds what the kernel would refuse fails at once, named), checks each
 * pass with the verifier when one is given, and records each pass's stats. The IR that comes out
 * is valid for the emitters.
 */
public final class PassManager {
  /**
   * How a verifier's answer starts when it could neither prove the pass nor find a packet it
   * changes (the checker's budget ran out).
   */
  public static final String UNPROVED = "cannot be proved: ";

  /** Checks that a pass kept the meaning of a policy. */
  @FunctionalInterface
  public interface Verifier {
    /**
     * Null when {@code after} means what {@code before} means, else what differs, or {@link
     * #UNPROVED} and why when that is not known.
     */
    String check(IrPolicy before, IrPolicy after);
  }

  /**
   * A pass the verifier did not let through: it changed the meaning of the policy, or (with the
   * equivalence checker) could not be proved within the checker's budget.
   */
  public static final class NotProved extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String pass;

    NotProved(String pass, String message) {
      super(message);
      this.pass = pass;
    }

    /** The name of the pass. */
    public String pass() {
      return pass;
    }
  }

  /** The policy after every pass, and what each pass did. */
  public record Result(IrPolicy ir, List<PassStats> stats) {
    public Result {
      stats = List.copyOf(stats);
    }
  }

  private final List<Pass> passes;
  private final Verifier verifier;

  /** The manager of the passes of a level (see {@link Passes#forLevel}), without verification. */
  public static PassManager forLevel(OptLevel level) {
    return new PassManager(Passes.forLevel(level), null);
  }

  /** A manager of the given passes; {@code verifier} may be null. */
  public PassManager(List<Pass> passes, Verifier verifier) {
    this.passes = List.copyOf(passes);
    this.verifier = verifier;
  }

  public List<Pass> passes() {
    return passes;
  }

  /** Runs every pass; diagnostics the passes report go to {@code reporter}. */
  public Result run(IrPolicy ir, Reporter reporter) {
    IrValidator.validate(ir, false);
    PassContext ctx = new PassContext(NameAllocator.of(ir), reporter, rules(ir));
    List<PassStats> stats = new ArrayList<>();
    IrPolicy cur = ir;
    boolean legal = false;
    for (Pass p : passes) {
      legal |= p.kind() == Pass.Kind.LEGALIZATION;
      int before = rules(cur);
      long t0 = System.nanoTime();
      IrPolicy next = p.run(cur, ctx);
      long nanos = System.nanoTime() - t0;
      // A pass that changed nothing hands back the IR it was given, which is valid already.
      List<String> problems = next == cur ? List.of() : IrValidator.problems(next, false);
      if (!problems.isEmpty()) {
        throw new IllegalStateException("pass " + p.name() + " built invalid IR:\n  "
            + String.join("\n  ", problems));
      }
      if (verifier != null) {
        String diff = verifier.check(cur, next);
        if (diff != null) {
          throw new NotProved(p.name(), diff.startsWith(UNPROVED)
              ? "pass " + p.name() + " of policy " + ir.name() + " " + diff
              : "pass " + p.name() + " changed the meaning of policy " + ir.name() + ": " + diff);
        }
      }
      stats.add(new PassStats(p.name(), p.kind(), before, rules(next), nanos,
          ctx.takeCounters(), created(cur, next), ctx.takeRemovals()));
      cur = next;
    }
    cur = withoutUnusedSets(ir, cur);
    if (legal) {
      // cur passed the full validation already (before the passes or after its pass); what is
      // left is what the emitters need of it
      List<String> problems = IrValidator.emittableProblems(cur);
      if (!problems.isEmpty()) {
        throw new IllegalStateException("invalid IR for policy " + cur.name() + ":\n  "
            + String.join("\n  ", problems));
      }
    }
    return new Result(cur, stats);
  }

  /**
   * {@code out} without the sets a pass made ({@code in} had none of that name) that no rule
   * looks up any more: a set the decision tree's leaves test as header matches in every place
   * (optimize/SetAtoms) would be loaded for nothing. A set of the policy as written stays, looked
   * up or not. No rule reads a set left out, so the meaning is the same without a proof.
   */
  static IrPolicy withoutUnusedSets(IrPolicy in, IrPolicy out) {
    if (out.sets() == in.sets()) {
      return out;
    }
    Set<String> declared = new HashSet<>();
    in.sets().forEach(s -> declared.add(s.name()));
    Set<String> used = new HashSet<>();
    for (Ruleset rs : List.of(out.ipv4(), out.ipv6())) {
      for (RuleTable t : rs.tables()) {
        for (Chain c : t.chains()) {
          for (Rule r : c.rules()) {
            for (Match m : r.matches()) {
              if (m instanceof Match.InSet s) {
                used.add(s.name());
              }
            }
          }
        }
      }
    }
    List<IpSet> sets = out.sets().stream()
        .filter(s -> declared.contains(s.name()) || used.contains(s.name())).toList();
    return sets.size() == out.sets().size() ? out
        : new IrPolicy(out.name(), out.host(), sets, out.ipv4(), out.ipv6());
  }

  /** The names of the sets {@code after} has and {@code before} had not, in order. */
  private static List<String> created(IrPolicy before, IrPolicy after) {
    if (after.sets() == before.sets()) {
      return List.of();
    }
    Set<String> had = new HashSet<>();
    before.sets().forEach(s -> had.add(s.name()));
    return after.sets().stream().map(s -> s.name()).filter(n -> !had.contains(n)).toList();
  }

  static int rules(IrPolicy p) {
    return p.ipv4().ruleCount() + p.ipv6().ruleCount();
  }
}
