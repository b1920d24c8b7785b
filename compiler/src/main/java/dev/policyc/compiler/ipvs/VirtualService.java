package dev.policyc.compiler.ipvs;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;
import java.util.List;
import java.util.Objects;

/**
 * An IPVS virtual service, checked: {@code protocol address:port}, or a firewall mark.
 *
 * @param protocol the protocol; null for a fwmark service
 * @param address the virtual IP; null for a fwmark service
 * @param port the virtual port (0: every port, persistent services); 0 for a fwmark service
 * @param fwmark the mark, 1 to 2^32-1; 0 for an address service
 * @param family the service's family
 * @param scheduler its scheduler
 * @param flags scheduler flags ({@link SchedFlags})
 * @param persistence persistence, or null
 * @param onePacket one-packet scheduling
 * @param reals the real servers in the order they were added (the kernel's list is the reverse)
 * @param check the health check, or null
 */
public record VirtualService(
    IpvsProtocol protocol,
    IpAddr address,
    int port,
    long fwmark,
    Family family,
    Scheduler scheduler,
    int flags,
    Persistence persistence,
    boolean onePacket,
    List<RealServer> reals,
    HealthCheck check) {
  public VirtualService {
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(scheduler, "scheduler");
    reals = List.copyOf(reals);
    if ((protocol == null) != (address == null) || (address == null) == (fwmark == 0)) {
      throw new IllegalArgumentException("a virtual service is protocol address:port or fwmark");
    }
    if (address != null && address.family() != family) {
      throw new IllegalArgumentException("family " + family + " of " + address);
    }
  }

  public boolean isFwmark() {
    return fwmark != 0;
  }

  /**
   * The service as ipvsadm's rule format names it: {@code -t 10.0.0.1:80}, {@code -u
   * [2001:db8::1]:53}, {@code -f 7} or {@code -f 7 -6}.
   */
  public String ipvsadmName() {
    if (isFwmark()) {
      return "-f " + fwmark + (family == Family.IPV6 ? " -6" : "");
    }
    return protocol.option() + " " + IpvsText.endpoint(address, port);
  }

  /** This service with other real servers (in add order). */
  public VirtualService withReals(List<RealServer> newReals) {
    return new VirtualService(protocol, address, port, fwmark, family, scheduler, flags,
        persistence, onePacket, newReals, check);
  }

  /** This service without its health check (which ipvsadm's text does not carry). */
  public VirtualService withoutCheck() {
    return new VirtualService(protocol, address, port, fwmark, family, scheduler, flags,
        persistence, onePacket, reals, null);
  }
}
