package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.path.PolicyPath;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The refusal of {@code policyc compile} (PC0013, unless {@code --allow-lockout}) to emit a
 * policy that cuts its administrators off: no declared admin source can open a session to the
 * management service. The policy declares both by name ({@code docs/apply.md}): the network
 * group {@code admins} holds the admin sources (without it, any source), the service group
 * {@code management} the management service's TCP ports (without it, SSH, tcp/22).
 *
 * <p>It asks {@link LockoutRisk}'s analysis, restricted to the admin sources, in each family
 * that has admin sources (and a host address, when the host model lists addresses): refused when
 * in every one of them no port of the service gets a session through (INPUT takes the new
 * connection and its established packets, OUTPUT lets the replies out). The analysis counts
 * what may accept as accepting, so a refusal is certain; a rule that rewrites packets on the way
 * makes it conclude nothing, and nothing is refused.
 */
public final class LockoutGuard {
  /** The network group that declares the admin sources. */
  public static final String ADMINS = "admins";
  /** The service group that declares the management service. */
  public static final String MANAGEMENT = "management";

  private LockoutGuard() {}

  /** The PC0013 error when {@code ir} (lowered from {@code policy}) locks the admins out. */
  public static Optional<Diagnostic> check(Policy policy, IrPolicy ir) {
    Map<Family, ValueSet> admins = admins(policy);
    List<Integer> ports = managementPorts(policy);
    List<Family> families = new ArrayList<>();
    for (Family f : LockoutRisk.families(ir)) {
      if (admins == null || admins.containsKey(f)) {
        families.add(f);
      }
    }
    if (families.isEmpty() || ports.isEmpty()) {
      return Optional.empty();
    }
    LockoutRisk.Stage worst = null;
    boolean outputOnly = true;
    for (int port : ports) {
      for (Family f : families) {
        LockoutRisk.Stage s = LockoutRisk.stage(ir, f, port,
            admins == null ? null : admins.get(f));
        if (s == LockoutRisk.Stage.OPEN || s == LockoutRisk.Stage.UNKNOWN) {
          return Optional.empty();
        }
        outputOnly &= s == LockoutRisk.Stage.NO_REPLY;
        worst = worst == null || s.ordinal() < worst.ordinal() ? s : worst;
      }
    }
    String chain = outputOnly ? "OUTPUT" : "INPUT";
    if (policy.chain(Table.FILTER, chain).isEmpty()) {
      return Optional.empty(); // a drop needs the chain: not reached
    }
    String who = admins == null ? "any source" : "the admin sources (network group '" + ADMINS
        + "')";
    String what = policy.objects().services().containsKey(MANAGEMENT)
        ? "the management service (service group '" + MANAGEMENT + "', tcp " + ports + ")"
        : "SSH (tcp port 22)";
    return Optional.of(new Diagnostic(Code.PC0013, "this policy locks the administrators out:"
        + " no session to " + what + " from " + who + " gets through (" + worst.words
        + "); fix the policy, or give --allow-lockout to compile it anyway",
        policy.source().at(PolicyPath.chain(Table.FILTER, chain))));
  }

  /** The admin sources by family, or null when the policy declares none. */
  private static Map<Family, ValueSet> admins(Policy policy) {
    if (!policy.objects().networks().containsKey(ADMINS)) {
      return null;
    }
    Map<Family, List<IpRange>> ranges = new EnumMap<>(Family.class);
    collect(policy, ADMINS, ranges, new HashSet<>());
    Map<Family, ValueSet> out = new EnumMap<>(Family.class);
    ranges.forEach((f, rs) -> out.put(f, IntervalSet.of(f, rs)));
    return out;
  }

  private static void collect(Policy p, String ref, Map<Family, List<IpRange>> out,
      Set<String> seen) {
    List<String> members = p.objects().networks().get(ref);
    if (members == null) {
      try {
        IpRange r = IpRange.parse(ref);
        out.computeIfAbsent(r.family(), k -> new ArrayList<>()).add(r);
      } catch (IllegalArgumentException e) {
        // lowering reports a bad address; the guard only needs the good ones
      }
    } else if (seen.add(ref)) {
      for (String m : members) {
        collect(p, m, out, seen);
      }
    }
  }

  /** The TCP ports of the management service (each range by its first port), or 22. */
  private static List<Integer> managementPorts(Policy policy) {
    if (!policy.objects().services().containsKey(MANAGEMENT)) {
      return List.of(22);
    }
    List<Integer> out = new ArrayList<>();
    ports(policy, MANAGEMENT, out, new HashSet<>());
    return out;
  }

  private static void ports(Policy p, String ref, List<Integer> out, Set<String> seen) {
    List<String> members = p.objects().services().get(ref);
    if (members == null) {
      if (ref.startsWith("tcp/")) {
        String port = ref.substring(4).split("-", 2)[0];
        try {
          int n = Integer.parseInt(port);
          if (n >= 1 && n <= 65535 && !out.contains(n)) {
            out.add(n);
          }
        } catch (NumberFormatException e) {
          // lowering reports a bad port
        }
      }
    } else if (seen.add(ref)) {
      for (String m : members) {
        ports(p, m, out, seen);
      }
    }
  }
}
