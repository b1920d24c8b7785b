package dev.policyc.compiler.interp;

import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IPVS state of a host: its virtual services with their schedulers, and the persistence
 * templates made so far. One instance lives as long as its interpreter, so that a sequence of
 * decisions sees the schedulers advance as the kernel's do; each packet decided that reaches a
 * service is the first packet of a new connection. See docs/ipvs.md, "Semantics".
 */
public final class IpvsState {
  private final IpvsConfig config;
  private final Map<VirtualService, IpvsScheduler> schedulers = new LinkedHashMap<>();
  /**
   * The masq connections scheduled so far: (protocol, client, client port, real server, its
   * port) → the hit, so that a reply from the real server is put back to the VIP.
   */
  private final Map<List<Object>, Hit> connections = new HashMap<>();
  /** Persistence templates: (service, client network) → the real server. */
  private final Map<List<Object>, RealServer> templates = new HashMap<>();

  public IpvsState(IpvsConfig config) {
    this.config = config;
    for (VirtualService vs : config.services()) {
      schedulers.put(vs, new IpvsScheduler(vs));
    }
  }

  public IpvsConfig config() {
    return config;
  }

  /** The scheduler of a service, for tests and sessions that set connection counts. */
  public IpvsScheduler scheduler(VirtualService vs) {
    return schedulers.get(vs);
  }

  /**
   * The service a packet at LOCAL_IN belongs to, as ip_vs_service_find looks: a fwmark service
   * of the packet's mark first, then protocol, address and port, then the same with port 0 (a
   * persistent all-ports service). Null when none.
   */
  public VirtualService find(Packet p) {
    if (p.mark() != 0) {
      for (VirtualService vs : config.services()) {
        if (vs.isFwmark() && vs.fwmark() == (p.mark() & 0xffffffffL)
            && vs.family() == p.family()) {
          return vs;
        }
      }
    }
    for (int pass = 0; pass < 2; pass++) {
      for (VirtualService vs : config.services()) {
        if (!vs.isFwmark() && vs.protocol().number() == p.proto() && vs.address().equals(p.dst())
            && (pass == 0 ? vs.port() == p.dport() && vs.port() != 0
                : vs.port() == 0 && vs.persistence() != null)) {
          return vs;
        }
      }
    }
    return null;
  }

  /**
   * Schedules a new connection of {@code p} to {@code vs}: a live persistence template's server,
   * else the scheduler's choice (which then makes a template when the service is persistent).
   */
  public Hit schedule(VirtualService vs, Packet p) {
    List<Object> key = null;
    if (vs.persistence() != null) {
      int full = p.family() == Family.IPV4 ? 32 : 128;
      IpAddr client = p.src().maskHost(full - vs.persistence().prefix());
      // the template's port is the service's (0 for fwmark and all-ports services)
      key = List.of(vs, client);
      RealServer r = templates.get(key);
      IpvsScheduler.Dest d = r == null ? null : schedulers.get(vs).dest(r);
      if (d != null && !d.unavailable()) {
        d.active++;
        return remember(p, new Hit(vs, r, true));
      }
    }
    IpvsScheduler.Dest d = schedulers.get(vs).schedule(p.src(), p.sport(), p.dst(), p.random());
    if (d == null) {
      return new Hit(vs, null, false);
    }
    if (key != null) {
      templates.put(key, d.server());
    }
    return remember(p, new Hit(vs, d.server(), false));
  }

  private Hit remember(Packet p, Hit h) {
    if (h.real() != null && h.real().method() == ForwardMethod.MASQ) {
      connections.put(List.of(p.proto(), p.src(), p.sport(), h.real().address(),
          h.real().port()), h);
    }
    return h;
  }

  /**
   * The connection a packet from a real server to a client answers (a masq connection
   * scheduled earlier), or null: ip_vs_reply4 at FORWARD then rewrites its source back to the
   * virtual address and port.
   */
  public Hit reply(Packet p) {
    return connections.get(List.of(p.proto(), p.dst(), p.dport(), p.src(), p.sport()));
  }

  /**
   * What IPVS did with a packet: its virtual service and the real server chosen (null when
   * none was available: the kernel answers port unreachable and drops it), and whether a
   * persistence template chose it.
   */
  public record Hit(VirtualService service, RealServer real, boolean persistent) {}
}
