package dev.policyc.compiler.ipvs;

import java.util.List;

/** The IPVS part of a compiled policy: its virtual services in the order written. */
public record IpvsConfig(List<VirtualService> services) {
  public static final IpvsConfig NONE = new IpvsConfig(List.of());

  public IpvsConfig {
    services = List.copyOf(services);
  }

  public boolean isEmpty() {
    return services.isEmpty();
  }
}
