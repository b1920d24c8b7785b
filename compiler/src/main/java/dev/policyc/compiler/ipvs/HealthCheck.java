package dev.policyc.compiler.ipvs;

/**
 * A health check keepalived runs against each real server of a virtual service.
 *
 * @param kind TCP connect or HTTP GET
 * @param path the URL path of an HTTP check (null for TCP)
 * @param status the HTTP status expected, or null for any 2xx (keepalived's default)
 * @param delay seconds between checks ({@code delay_loop})
 * @param timeout the connect timeout in seconds
 * @param retries failures before the server is taken out ({@code retry})
 */
public record HealthCheck(Kind kind, String path, Integer status, int delay, int timeout,
    int retries) {
  /** The checker. */
  public enum Kind {
    TCP,
    HTTP
  }
}
