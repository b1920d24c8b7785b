package dev.policyc.compiler.interp;

import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.IpvsText;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IPVS state of a host: its virtual services with their schedulers, the persistence
 * templates and the connection entries made so far. One instance lives as long as its
 * interpreter (or flow session), so that a sequence of decisions sees the schedulers advance as
 * the kernel's do. A single decision schedules every packet that reaches a service as the first
 * packet of a new connection; a flow session first looks the packet's connection up, as {@code
 * ip_vs_in} does, and schedules only packets of none. See docs/ipvs.md, "Semantics".
 */
public final class IpvsState {
  private final IpvsConfig config;
  private final Map<VirtualService, IpvsScheduler> schedulers = new LinkedHashMap<>();
  /** The connection entries, oldest first (never expired: no IPVS timeouts are modelled). */
  private final List<Conn> conns = new ArrayList<>();
  /** Persistence templates: (service, client network) → the real server. */
  private final Map<List<Object>, RealServer> templates = new HashMap<>();
  /** Whether packets are looked up in the connection table before scheduling (flows). */
  private final boolean lookUp;

  public IpvsState(IpvsConfig config) {
    this(config, false);
  }

  /**
   * The state of {@code config}; with {@code lookUp} a packet that belongs to a connection entry
   * goes to its real server without scheduling (a flow session's packets).
   */
  public IpvsState(IpvsConfig config, boolean lookUp) {
    this.config = config;
    this.lookUp = lookUp;
    for (VirtualService vs : config.services()) {
      schedulers.put(vs, new IpvsScheduler(vs));
    }
  }

  /** Whether packets are looked up in the connection table before scheduling (flows). */
  public boolean looksUp() {
    return lookUp;
  }

  public IpvsConfig config() {
    return config;
  }

  /** The scheduler of a service, for tests and sessions that set connection counts. */
  public IpvsScheduler scheduler(VirtualService vs) {
    return schedulers.get(vs);
  }

  /**
   * The service a packet at LOCAL_IN or LOCAL_OUT belongs to, as ip_vs_service_find looks: a
   * fwmark service of the packet's mark first, then protocol, address and port, then the same
   * with port 0 (a persistent all-ports service). Null when none, and for protocols IPVS has no
   * handler for here (TCP, UDP and SCTP only: {@code ip_vs_in} leaves the others alone).
   */
  public VirtualService find(Packet p) {
    if (!hasPorts(p.proto())) {
      return null;
    }
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

  private static boolean hasPorts(int proto) {
    return proto == Protocols.TCP || proto == Protocols.UDP || proto == Protocols.SCTP;
  }

  /**
   * Whether a packet of no connection entry may start one ({@code tcp_conn_schedule}: a TCP
   * segment only with SYN and without RST). Asked in flows, where connections are looked up.
   */
  public static boolean schedulable(Packet p) {
    return p.proto() != Protocols.TCP || (p.tcpFlags() & 0x06) == 0x02;
  }

  /**
   * The connection entry of a packet in its original direction ({@code ip_vs_conn_in_get}:
   * protocol, client address and port, virtual address and port), newest first; null when
   * none, and always null outside a flow.
   */
  public Conn in(Packet p) {
    if (!lookUp) {
      return null;
    }
    for (int i = conns.size() - 1; i >= 0; i--) {
      Conn c = conns.get(i);
      if (c.proto() == p.proto() && c.caddr().equals(p.src()) && c.cport() == p.sport()
          && c.vaddr().equals(p.dst()) && c.vport() == p.dport()) {
        return c;
      }
    }
    return null;
  }

  /**
   * The connection entry a packet from a real server answers ({@code ip_vs_conn_out_get}: the
   * packet's source is the real server of a masq entry, or the virtual address of another, and
   * its destination the client), newest first; null when none.
   */
  public Conn out(Packet p) {
    return outLookup(p.proto(), p.src(), p.sport(), p.dst(), p.dport());
  }

  /**
   * The connection entry {@code -m ipvs} finds for a packet ({@code xt_ipvs} calls {@code
   * conn_out_get} with the header inverted): the packet as IPVS sent it on, from the client to
   * the real server (masq) or to the virtual address (gate, ipip).
   */
  public Conn outInverse(Packet p) {
    return outLookup(p.proto(), p.dst(), p.dport(), p.src(), p.sport());
  }

  /** {@code ip_vs_conn_out_get} of a parameter {@code (caddr:cport -> vaddr:vport)}. */
  private Conn outLookup(int proto, IpAddr caddr, int cport, IpAddr vaddr, int vport) {
    if (!hasPorts(proto)) {
      return null;
    }
    for (int i = conns.size() - 1; i >= 0; i--) {
      Conn c = conns.get(i);
      boolean masq = c.hit().real().method() == ForwardMethod.MASQ;
      if (c.proto() == proto && vport == c.cport() && vaddr.equals(c.caddr())
          && cport == (masq ? c.dport() : c.vport())
          && caddr.equals(masq ? c.daddr() : c.vaddr())) {
        return c;
      }
    }
    return null;
  }

  /**
   * Schedules a new connection of {@code p} to {@code vs}: a live persistence template's server,
   * else the scheduler's choice (which then makes a template when the service is persistent),
   * and records its connection entry.
   */
  public Hit schedule(VirtualService vs, Packet p) {
    List<Object> key = null;
    Integer control = null;
    if (vs.persistence() != null) {
      int full = p.family() == Family.IPV4 ? 32 : 128;
      IpAddr client = p.src().maskHost(full - vs.persistence().prefix());
      // the template's port is the service's (0 for fwmark and all-ports services, and FTP's)
      key = List.of(vs, client);
      control = !vs.isFwmark() && vs.port() == p.dport() && vs.port() != 21 ? vs.port() : 0;
      RealServer r = templates.get(key);
      IpvsScheduler.Dest d = r == null ? null : schedulers.get(vs).dest(r);
      if (d != null && !d.unavailable()) {
        d.active++;
        return remember(p, new Hit(vs, r, true, Hit.Via.SCHEDULED, p.dst(), p.dport()),
            control);
      }
    }
    IpvsScheduler.Dest d = schedulers.get(vs).schedule(p.src(), p.sport(), p.dst(), p.random());
    if (d == null) {
      return new Hit(vs, null, false);
    }
    if (key != null) {
      templates.put(key, d.server());
    }
    return remember(p, new Hit(vs, d.server(), false, Hit.Via.SCHEDULED, p.dst(), p.dport()),
        control);
  }

  private Hit remember(Packet p, Hit h, Integer control) {
    RealServer r = h.real();
    // ip_vs_schedule: the entry's virtual address and port are the packet's destination, its
    // server's port the real server's (the virtual port when the server has none)
    conns.add(new Conn(p.proto(), p.src(), p.sport(), p.dst(), p.dport(), r.address(),
        r.port() == 0 ? p.dport() : r.port(), h, control));
    return h;
  }

  /**
   * An IPVS connection entry: protocol, client, virtual address and port (the first packet's
   * destination), real server, and the virtual port of its persistence template ({@code
   * cp->control}; null without one).
   */
  public record Conn(int proto, IpAddr caddr, int cport, IpAddr vaddr, int vport, IpAddr daddr,
      int dport, Hit hit, Integer controlVport) {
    /** The hit of a later packet of the connection. */
    Hit again() {
      return hit.as(Hit.Via.CONNECTION);
    }
  }

  /**
   * What IPVS did with a packet: its virtual service and the real server chosen (null when
   * none was available: the kernel answers port unreachable and drops it), whether a
   * persistence template chose it, how the packet met IPVS, and the connection's virtual
   * address and port (null and 0 when none was made).
   */
  public record Hit(VirtualService service, RealServer real, boolean persistent, Via via,
      IpAddr vaddr, int vport) {
    public Hit(VirtualService service, RealServer real, boolean persistent) {
      this(service, real, persistent, Via.SCHEDULED, null, 0);
    }

    Hit as(Via v) {
      return new Hit(service, real, persistent, v, vaddr, vport);
    }

    /**
     * What IPVS did, in the words of {@code policyc explain} (and of the generated classifier's
     * decision): {@code -t 192.0.2.80:80 (wrr) -> 10.1.0.1:8080 masq}, with {@code (persistence
     * template)} or {@code (connection)}; no real server available; or an answer whose source
     * went back.
     */
    public String text() {
      String svc = service.ipvsadmName() + " (" + service.scheduler().word() + ")";
      if (real == null) {
        return svc + ": no real server available";
      }
      if (via == Via.REPLY) {
        return "answer from " + real.endpoint() + " of " + svc + ", source back to "
            + IpvsText.endpoint(vaddr, vport);
      }
      return svc + " -> " + real.endpoint() + " " + real.method().word()
          + (persistent ? " (persistence template)" : "")
          + (via == Via.CONNECTION ? " (connection)" : "");
    }

    /** How a packet met IPVS. */
    public enum Via {
      /** The first packet of a connection: the scheduler (or a template) chose the server. */
      SCHEDULED,
      /** A later packet of a connection entry: its server. */
      CONNECTION,
      /** An answer from a masq real server: its source put back to the virtual service. */
      REPLY
    }
  }
}
