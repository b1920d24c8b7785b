package dev.policyc.dsl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds one IPVS virtual service fluently; start with {@link PolicyBuilder#virtualService} or
 * {@link PolicyBuilder#fwmarkService}. The compiler checks the values ({@code docs/ipvs.md}).
 */
public final class VirtualServiceBuilder {
  private final String protocol;
  private final String address;
  private final Integer port;
  private final String fwmark;
  private final Family family;
  private String scheduler;
  private final List<String> flags = new ArrayList<>();
  private IpvsSpec.Persistence persistence;
  private boolean onePacket;
  private final List<IpvsSpec.RealServer> reals = new ArrayList<>();
  private IpvsSpec.HealthCheck check;

  VirtualServiceBuilder(String protocol, String address, Integer port, String fwmark,
      Family family) {
    this.protocol = protocol;
    this.address = address;
    this.port = port;
    this.fwmark = fwmark;
    this.family = family;
  }

  /** The scheduler: rr, wrr, lc, wlc (the default), lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos. */
  public VirtualServiceBuilder scheduler(String name) {
    this.scheduler = name;
    return this;
  }

  /** Scheduler flags: {@code sh-fallback}, {@code sh-port}, {@code mh-fallback}, {@code mh-port}, {@code flag-1}…. */
  public VirtualServiceBuilder flags(String... names) {
    flags.addAll(List.of(names));
    return this;
  }

  /** Persistence for {@code timeout} seconds, by whole client address. */
  public VirtualServiceBuilder persistence(int timeout) {
    return persistence(timeout, null);
  }

  /** Persistence for {@code timeout} seconds by client network ({@code 255.255.255.0}, or a prefix length for IPv6). */
  public VirtualServiceBuilder persistence(int timeout, String netmask) {
    this.persistence = new IpvsSpec.Persistence(timeout, netmask);
    return this;
  }

  /** One-packet scheduling (UDP): every datagram is scheduled on its own. */
  public VirtualServiceBuilder onePacket() {
    this.onePacket = true;
    return this;
  }

  /** A real server at the virtual port, weight 1, by the default method (gate). */
  public VirtualServiceBuilder real(String addr) {
    return real(addr, null, r -> { });
  }

  /** A real server; {@code port} null for the virtual port. */
  public VirtualServiceBuilder real(String addr, Integer rport, Consumer<RealServerBuilder> spec) {
    RealServerBuilder b = new RealServerBuilder(addr, rport);
    spec.accept(b);
    reals.add(b.build());
    return this;
  }

  /** A TCP connect check every {@code delay} seconds. */
  public VirtualServiceBuilder tcpCheck(int delay, int timeout, int retries) {
    this.check = new IpvsSpec.HealthCheck("tcp", null, null, delay, timeout, retries);
    return this;
  }

  /** An HTTP GET of {@code path} expecting {@code status} (null: any 2xx). */
  public VirtualServiceBuilder httpCheck(String path, Integer status, int delay, int timeout,
      int retries) {
    this.check = new IpvsSpec.HealthCheck("http", path, status, delay, timeout, retries);
    return this;
  }

  IpvsSpec.VirtualService build() {
    return new IpvsSpec.VirtualService(protocol, address, port, fwmark, family, scheduler, flags,
        persistence, onePacket, reals, check);
  }

  /** Builds one real server. */
  public static final class RealServerBuilder {
    private final String address;
    private final Integer port;
    private Integer weight;
    private String method;
    private Integer upper;
    private Integer lower;

    RealServerBuilder(String address, Integer port) {
      this.address = address;
      this.port = port;
    }

    public RealServerBuilder weight(int w) {
      this.weight = w;
      return this;
    }

    /** Forwarding by NAT ({@code -m}). */
    public RealServerBuilder masq() {
      this.method = "masq";
      return this;
    }

    /** Direct routing ({@code -g}, the default). */
    public RealServerBuilder gate() {
      this.method = "gate";
      return this;
    }

    /** IP-in-IP tunnelling ({@code -i}). */
    public RealServerBuilder ipip() {
      this.method = "ipip";
      return this;
    }

    /** Upper and lower connection thresholds (0: none). */
    public RealServerBuilder thresholds(int upperThreshold, int lowerThreshold) {
      this.upper = upperThreshold;
      this.lower = lowerThreshold;
      return this;
    }

    IpvsSpec.RealServer build() {
      return new IpvsSpec.RealServer(address, port, weight, method, upper, lower);
    }
  }
}
