package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.MatchPath;
import dev.policyc.dsl.path.PolicyPath;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A rule that names no family and whose addresses and protocol allow both, but that exists in
 * one family only because of a part that does not show its family: a reject type of one family
 * ({@code host-prohibited}, iptables' {@code icmp-…} names), an ipset whose declaration leaves
 * the family to its IPv4 default, the address type {@code BROADCAST} beside others, or {@code
 * fragment: false}. The packets of the other family silently go on to the next rules. Parts that
 * show their family (an IPv4 address, {@code proto: icmp}, an ICMPv6 service, a NAT address) are
 * the documented way to write a one-family rule and are not reported.
 */
final class OneFamilyOnly implements Check {
  @Override
  public Code code() {
    return Code.PC7009;
  }

  @Override
  public boolean runsOnPartialIr() {
    return false;
  }

  @Override
  public void run(CheckContext ctx) {
    Map<String, Set<Family>> families = new HashMap<>();
    for (Family f : Family.values()) {
      for (RuleTable rt : ctx.ir().ruleset(f).tables()) {
        for (Chain c : rt.chains()) {
          for (Rule r : c.rules()) {
            r.origin().path().ifPresent(p -> families.computeIfAbsent(p.key(),
                k -> EnumSet.noneOf(Family.class)).add(f));
          }
        }
      }
    }
    for (PolicyRules.Entry e : PolicyRules.of(ctx.policy())) {
      Set<Family> fams = families.getOrDefault(e.key(), Set.of());
      MatchSpec m = e.spec().match();
      if (fams.size() != 1 || m.family() != null) {
        continue;
      }
      Family only = fams.iterator().next();
      Family other = only == Family.IPV4 ? Family.IPV6 : Family.IPV4;
      if (!Families.addressesAllow(ctx.policy(), m.src(), other)
          || !Families.addressesAllow(ctx.policy(), m.dst(), other)
          || !Families.protocolAllows(ctx.policy(), m, other)) {
        continue; // the rule shows its family
      }
      reason(ctx, e, only, other);
    }
  }

  private void reason(CheckContext ctx, PolicyRules.Entry e, Family only, Family other) {
    MatchSpec m = e.spec().match();
    MatchPath mp = e.path().match();
    String one = PolicyRules.family(only);
    String two = PolicyRules.family(other);
    String lost = two + " packets it would match go on to the next rules";
    if (e.spec().action() instanceof Action.Reject rj && !rejectExists(rj.with(), other)) {
      report(ctx, ctx.source().atOrEnclosing(e.path().action().reject()), only,
          "reject type '" + (rj.with() == null ? "port-unreachable" : rj.with())
              + "' has no " + two + " form, so " + lost + "; use a type of both families"
              + " (port-unreachable, admin-prohibited, tcp-reset…) or say family: "
              + only.yamlName());
      return;
    }
    if (m.sets() != null) {
      for (int i = 0; i < m.sets().size(); i++) {
        String name = m.sets().get(i).value().name();
        IpSetSpec set = set(ctx.policy(), name);
        if (set != null && !set.type().equals("bitmap:port") && set.family() == only
            && ctx.source().has(PolicyPath.objects().sets(name))
            && !ctx.source().has(PolicyPath.objects().sets(name).family())) {
          report(ctx, ctx.at(mp.set(i)), only, "ipset '" + name + "' is " + one
              + " because its declaration names no family, so " + lost + "; declare its family"
              + " (and an " + two + " twin for the other one), or say family: "
              + only.yamlName());
          return;
        }
      }
    }
    for (boolean src : new boolean[] {true, false}) {
      Negatable<List<AddressType>> t = src ? m.srcType() : m.dstType();
      if (t != null && t.value().contains(AddressType.BROADCAST)
          && (t.negated() || t.value().size() > 1)) {
        report(ctx, ctx.at(src ? mp.srcType() : mp.dstType()), only, "address type BROADCAST"
            + " exists only in IPv4, so " + lost + "; write the BROADCAST test as a rule of"
            + " its own");
        return;
      }
    }
    if (Boolean.FALSE.equals(m.fragment())) {
      report(ctx, ctx.at(mp.fragment()), only, "'fragment: false' exists only in IPv4, so "
          + lost + "; leave it out to match the packets of both families");
    }
  }

  private void report(CheckContext ctx, SourcePos pos, Family only, String why) {
    ctx.report(this, pos, "this rule exists only in " + PolicyRules.family(only) + ": " + why);
  }

  /** Whether the policy language's reject type (null: the default) exists in a family. */
  static boolean rejectExists(String with, Family f) {
    String w = with == null ? "port-unreachable" : with.toLowerCase(Locale.ROOT);
    List<String> names = Netfilter.REJECT_TYPES.get(w);
    if (names != null) {
      return names.get(f.ordinal()) != null;
    }
    for (List<String> pair : Netfilter.REJECT_TYPES.values()) {
      if (w.equals(pair.get(f.ordinal()))) {
        return true;
      }
    }
    return false;
  }

  private static IpSetSpec set(Policy p, String name) {
    for (IpSetSpec s : p.objects().sets()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  /** Family inference from the policy as written, for the parts that show their family. */
  static final class Families {
    private Families() {}

    /** Whether an address list (null: none) leaves the rule in {@code f}. */
    static boolean addressesAllow(Policy p, Negatable<List<String>> list, Family f) {
      if (list == null || list.negated()) {
        return true;
      }
      Set<Family> found = EnumSet.noneOf(Family.class);
      for (String ref : list.value()) {
        networkFamilies(p, ref, found, new HashSet<>());
      }
      return found.contains(f);
    }

    private static void networkFamilies(Policy p, String ref, Set<Family> out,
        Set<String> seen) {
      List<String> members = p.objects().networks().get(ref);
      if (members == null) {
        out.add(ref.indexOf(':') >= 0 ? Family.IPV6 : Family.IPV4);
      } else if (seen.add(ref)) {
        for (String m : members) {
          networkFamilies(p, m, out, seen);
        }
      }
    }

    /** Whether the protocol or the services leave the rule in {@code f}. */
    static boolean protocolAllows(Policy p, MatchSpec m, Family f) {
      if (m.proto() != null && !m.proto().negated()) {
        Family only = icmpFamily(m.proto().value());
        return only == null || only == f;
      }
      if (m.services() == null) {
        return true;
      }
      Set<Family> found = EnumSet.noneOf(Family.class);
      for (String s : m.services()) {
        serviceFamilies(p, s, found, new HashSet<>());
      }
      return found.contains(f);
    }

    private static void serviceFamilies(Policy p, String ref, Set<Family> out,
        Set<String> seen) {
      List<String> members = p.objects().services().get(ref);
      if (members == null) {
        int slash = ref.indexOf('/');
        Family only = icmpFamily(slash < 0 ? ref : ref.substring(0, slash));
        if (only == null) {
          out.addAll(EnumSet.allOf(Family.class));
        } else {
          out.add(only);
        }
      } else if (seen.add(ref)) {
        for (String m : members) {
          serviceFamilies(p, m, out, seen);
        }
      }
    }

    /** The family of an ICMP protocol name or number; null for the others. */
    private static Family icmpFamily(String proto) {
      String w = proto.trim().toLowerCase(Locale.ROOT);
      if (w.equals("icmp") || w.equals("1")) {
        return Family.IPV4;
      } else if (w.equals("icmpv6") || w.equals("icmp6") || w.equals("ipv6-icmp")
          || w.equals("58")) {
        return Family.IPV6;
      }
      return null;
    }
  }
}
