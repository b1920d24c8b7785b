package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A compiled policy: one rule set per family, the ipsets they use, and the host model. */
public record IrPolicy(
    String name, HostModel host, List<IpSet> sets, Ruleset ipv4, Ruleset ipv6) {
  public IrPolicy {
    Objects.requireNonNull(name, "name");
    sets = List.copyOf(sets);
    Objects.requireNonNull(ipv4, "ipv4");
    Objects.requireNonNull(ipv6, "ipv6");
  }

  public Ruleset ruleset(Family f) {
    return f == Family.IPV4 ? ipv4 : ipv6;
  }

  public Optional<IpSet> set(String setName) {
    return sets.stream().filter(s -> s.name().equals(setName)).findFirst();
  }

  public Optional<HostModel> hostModel() {
    return Optional.ofNullable(host);
  }
}
