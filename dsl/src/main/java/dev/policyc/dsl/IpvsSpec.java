package dev.policyc.dsl;

import java.util.List;

/**
 * The IPVS part of a policy: the virtual services the host balances, each with its scheduler,
 * persistence, real servers and health check, as written. Values that need checking against the
 * kernel's rules (addresses, families, ranges, scheduler names) are kept as written and checked
 * by the compiler ({@code docs/ipvs.md}).
 *
 * @param services the virtual services in the order written
 */
public record IpvsSpec(List<VirtualService> services) {
  /** A policy without IPVS. */
  public static final IpvsSpec NONE = new IpvsSpec(List.of());

  public IpvsSpec {
    services = List.copyOf(services);
  }

  public boolean isEmpty() {
    return services.isEmpty();
  }

  /**
   * A virtual service: {@code protocol address:port} ({@code tcp}, {@code udp} or {@code sctp}),
   * or a firewall mark ({@code fwmark}, with its family).
   *
   * @param protocol {@code tcp}, {@code udp} or {@code sctp}; null for a fwmark service
   * @param address the virtual IP; null for a fwmark service
   * @param port the virtual port (0: every port, persistent services only); null when absent
   * @param fwmark the mark, decimal or {@code 0x} hex; null for an address service
   * @param family the family of a fwmark service (null: IPv4)
   * @param scheduler the scheduler's name (null: {@code wlc}, ipvsadm's default)
   * @param flags scheduler flags ({@code sh-port}, {@code mh-fallback}, {@code flag-1}, …)
   * @param persistence persistence, or null
   * @param onePacket one-packet scheduling ({@code ops}, UDP)
   * @param realServers the real servers, in the order they are added
   * @param check the health check of every real server (keepalived), or null
   */
  public record VirtualService(
      String protocol,
      String address,
      Integer port,
      String fwmark,
      Family family,
      String scheduler,
      List<String> flags,
      Persistence persistence,
      boolean onePacket,
      List<RealServer> realServers,
      HealthCheck check) {
    public VirtualService {
      flags = List.copyOf(flags);
      realServers = List.copyOf(realServers);
    }
  }

  /**
   * Persistence: connections of one client (address masked by {@code netmask}) go to one real
   * server while its template lives.
   *
   * @param timeout seconds (null: 300, ipvsadm's default)
   * @param netmask an IPv4 netmask ({@code 255.255.255.0}) or a prefix length ({@code 64});
   *     null for a whole address
   */
  public record Persistence(Integer timeout, String netmask) {}

  /**
   * A real server.
   *
   * @param address its address
   * @param port its port (null: the virtual port)
   * @param weight 0 to 65535 (null: 1)
   * @param method {@code masq}, {@code gate} or {@code ipip} (null: {@code gate}, ipvsadm's
   *     default)
   * @param upperThreshold connections at which it counts as overloaded (null or 0: none)
   * @param lowerThreshold connections below which it is available again (null or 0: none)
   */
  public record RealServer(
      String address,
      Integer port,
      Integer weight,
      String method,
      Integer upperThreshold,
      Integer lowerThreshold) {}

  /**
   * A health check keepalived runs against each real server.
   *
   * @param type {@code tcp} (connect) or {@code http} (GET)
   * @param path the URL path of an HTTP check
   * @param status the HTTP status expected (null: any 2xx)
   * @param delay seconds between checks (keepalived's {@code delay_loop})
   * @param timeout connect timeout in seconds
   * @param retries failures before the server is taken out
   */
  public record HealthCheck(
      String type, String path, Integer status, Integer delay, Integer timeout,
      Integer retries) {}
}
