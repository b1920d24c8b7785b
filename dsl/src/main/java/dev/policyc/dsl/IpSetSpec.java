package dev.policyc.dsl;

import java.util.List;
import java.util.Objects;

/**
 * An ipset declared by the policy and emitted into {@code ipset.rules}.
 *
 * @param type the set type: {@code hash:ip}, {@code hash:net}, {@code hash:ip,port},
 *     {@code hash:net,port} or {@code bitmap:port}
 * @param family the address family, IPv4 when not given (ignored for {@code bitmap:port})
 * @param entries the members, in ipset's syntax; address members may name network groups
 * @param range for {@code bitmap:port}: the port range {@code from-to}
 */
public record IpSetSpec(
    String name, String type, Family family, List<String> entries, String range, Integer maxelem) {
  public IpSetSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    family = family == null ? Family.IPV4 : family;
    entries = List.copyOf(entries);
  }
}
