package dev.policyc.compiler.classbench;

import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.Dsl;
import dev.policyc.dsl.MatchBuilder;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyBuilder;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a ClassBench filter set into a policy: one filter chain, {@code filter INPUT} with policy
 * DROP, whose rules accept in the set's order, so that the first rule to match is the first
 * filter to match. Each rule's comment is its filter's label (1-based position in the set), so
 * the kernel's rule listing and {@code policyc explain} name the filter that matched.
 *
 * <p>A filter becomes one rule, except a filter of any protocol that restricts ports: netfilter
 * matches ports only with a protocol that has them, so it becomes one rule per protocol whose
 * ports the policy language matches (tcp, udp, dccp and sctp, all with the same label), and
 * matches no packet of another protocol. A filter whose one protocol has no ports but that
 * restricts them matches nothing ({@link ClassBenchFilter#matchesNothing()}) and is left out.
 */
public final class ClassBenchImporter {
  /** The chain the rules go into, and the hook every trace packet passes. */
  public static final String CHAIN = Dsl.INPUT;

  /**
   * The interface trace packets arrive on. A policy from this importer has no host model, so a
   * packet that names no output interface is for the host itself: it passes PREROUTING and then
   * filter INPUT, with no routing check (martian source, no route) that could drop it before
   * the rules. The rules match no interface, so any name would do.
   */
  public static final String INTERFACE = "eth0";

  /** The protocols the policy language matches ports of, in protocol-number order. */
  static final List<Integer> PORT_PROTOCOLS = portProtocols();

  private ClassBenchImporter() {}

  /**
   * The policy and its size.
   *
   * @param rules the number of rules it has (a filter may give several, or none)
   * @param leftOut the number of filters that match nothing and were left out
   */
  public record Imported(Policy policy, int rules, int leftOut) {}

  /** The policy named {@code name} of {@code filters}, in their order. */
  public static Imported toPolicy(String name, String description, List<ClassBenchFilter> filters) {
    PolicyBuilder b = Policy.named(name).description(description);
    int[] counts = new int[2];
    b.filter(CHAIN, c -> {
      c.policy(Verdict.DROP);
      for (ClassBenchFilter f : filters) {
        List<MatchBuilder> matches = matches(f);
        if (matches.isEmpty()) {
          counts[1]++;
        }
        for (MatchBuilder m : matches) {
          c.rule(m, Action.accept(), Integer.toString(f.label()));
          counts[0]++;
        }
      }
    });
    return new Imported(b.build(), counts[0], counts[1]);
  }

  /** The matches of the rules a filter becomes, in order; none when it matches nothing. */
  static List<MatchBuilder> matches(ClassBenchFilter f) {
    if (f.matchesNothing()) {
      return List.of();
    }
    if (!f.anyProtocol()) {
      return List.of(match(f, f.proto()));
    }
    if (!f.restrictsPorts()) {
      return List.of(match(f, 0));
    }
    List<MatchBuilder> out = new ArrayList<>();
    for (int p : PORT_PROTOCOLS) {
      out.add(match(f, p));
    }
    return out;
  }

  /** The match of a filter for protocol {@code proto} (0: any). */
  private static MatchBuilder match(ClassBenchFilter f, int proto) {
    MatchBuilder m = Dsl.match();
    if (f.srcLen() > 0) {
      m.src(ClassBenchFilter.cidr(f.src(), f.srcLen()));
    }
    if (f.dstLen() > 0) {
      m.dst(ClassBenchFilter.cidr(f.dst(), f.dstLen()));
    }
    if (f.srcLen() == 0 && f.dstLen() == 0) {
      m.ipv4(); // the addresses say so otherwise; without them a rule would be IPv6's too
    }
    if (proto != 0) {
      m.proto(Protocols.name(proto));
    }
    if (Protocols.hasPorts(proto)) {
      if (f.sportLo() != 0 || f.sportHi() != ClassBenchFilter.MAX_PORT) {
        m.sport(ports(f.sportLo(), f.sportHi()));
      }
      if (f.dportLo() != 0 || f.dportHi() != ClassBenchFilter.MAX_PORT) {
        m.dport(ports(f.dportLo(), f.dportHi()));
      }
    }
    return m;
  }

  private static String ports(int lo, int hi) {
    // Port 0 alone is refused as a slip (PC2002); the range 0:0 says that it is meant.
    return lo == hi && lo != 0 ? Integer.toString(lo) : lo + ":" + hi;
  }

  private static List<Integer> portProtocols() {
    List<Integer> out = new ArrayList<>();
    for (int p = 1; p <= 255; p++) {
      if (Protocols.hasPorts(p)) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }
}
