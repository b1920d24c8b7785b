package dev.policyc.dsl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The host the rules run on: its interfaces, addresses and routes. The interpreter uses it for
 * the routing decision (INPUT or FORWARD, and the output interface), address types and the
 * addresses that MASQUERADE and REDIRECT pick.
 *
 * @param forwarding whether the host forwards packets ({@code net.ipv4.ip_forward})
 * @param interfaces interface name → its addresses with prefix length ({@code 192.0.2.10/24})
 * @param routes routes beyond the connected subnets, first match by longest prefix
 */
public record Host(boolean forwarding, Map<String, List<String>> interfaces, List<Route> routes) {
  public Host {
    Map<String, List<String>> m = new LinkedHashMap<>();
    interfaces.forEach((k, v) -> m.put(k, List.copyOf(v)));
    interfaces = Collections.unmodifiableMap(m);
    routes = List.copyOf(routes);
  }

  /**
   * A route: destination ({@code default} or a CIDR), optional gateway, and the output device.
   */
  public record Route(String to, String via, String dev) {
    public Route {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(dev, "dev");
    }
  }
}
