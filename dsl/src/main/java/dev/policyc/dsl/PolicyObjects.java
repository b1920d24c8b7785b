package dev.policyc.dsl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named objects a policy's rules refer to.
 *
 * @param networks address groups: CIDRs, ranges, addresses and names of other groups
 * @param services service groups: {@code tcp/443}, {@code udp/1000-2000}, {@code icmp}, or
 *     names of other groups
 * @param interfaces interface groups: names, {@code +} wildcards, or names of other groups
 * @param sets ipsets, in declaration order
 */
public record PolicyObjects(
    Map<String, List<String>> networks,
    Map<String, List<String>> services,
    Map<String, List<String>> interfaces,
    List<IpSetSpec> sets) {
  public static final PolicyObjects NONE = new PolicyObjects(Map.of(), Map.of(), Map.of(), List.of());

  public PolicyObjects {
    networks = copy(networks);
    services = copy(services);
    interfaces = copy(interfaces);
    sets = List.copyOf(sets);
  }

  // Insertion order is kept: it is the order the user wrote, and the writer reproduces it.
  private static Map<String, List<String>> copy(Map<String, List<String>> m) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(out);
  }

  public boolean isEmpty() {
    return networks.isEmpty() && services.isEmpty() && interfaces.isEmpty() && sets.isEmpty();
  }
}
