package dev.policyc.compiler.ipvs;

import dev.policyc.compiler.ir.IpAddr;
import java.util.Objects;

/**
 * A real server of a virtual service.
 *
 * @param address its address
 * @param port its port (the virtual port unless masq maps it; 0 for a fwmark or port-0 service
 *     when none is given)
 * @param weight 0 to 65535; 0 quiesces it (no new connections)
 * @param method how packets reach it
 * @param upper the upper connection threshold (0: none)
 * @param lower the lower connection threshold (0: none)
 */
public record RealServer(
    IpAddr address, int port, int weight, ForwardMethod method, int upper, int lower) {
  public RealServer {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(method, "method");
    if (port < 0 || port > 65535 || weight < 0 || weight > 65535 || upper < 0 || upper > 65535
        || lower < 0 || lower > 65535) {
      throw new IllegalArgumentException("real server " + address + " out of range");
    }
  }

  /** {@code address:port} as ipvsadm prints it ({@code [v6]:port}). */
  public String endpoint() {
    return IpvsText.endpoint(address, port);
  }
}
