package dev.policyc.compiler.kube;

import dev.policyc.compiler.kube.KubeObjects.Endpoint;
import dev.policyc.compiler.kube.KubeObjects.EndpointSlice;
import dev.policyc.compiler.kube.KubeObjects.Service;
import dev.policyc.compiler.kube.KubeObjects.ServicePort;
import dev.policyc.compiler.kube.KubeObjects.SlicePort;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * kube-proxy's service port map joined with its endpoints map: one {@link SvcPort} per port of
 * every Service that has a cluster IP, with the endpoints its EndpointSlices give that port
 * (matched by port name and protocol), deduplicated and sorted as kube-proxy sorts them (by the
 * text {@code ip:port}).
 */
final class ServiceMap {
  private ServiceMap() {}

  /**
   * One endpoint of one service port; {@code endpoint} is {@code ip:port}, kube-proxy's
   * Endpoint.String(), made once since it names chains and orders endpoints.
   */
  record Ep(String ip, int port, boolean local, boolean ready, boolean serving,
      boolean terminating, String endpoint) {
    Ep(String ip, int port, boolean local, boolean ready, boolean serving, boolean terminating) {
      this(ip, port, local, ready, serving, terminating, Addrs.hostPort(ip, port));
    }
  }

  /** One Service port and its endpoints. */
  record SvcPort(Service svc, ServicePort port, List<Ep> endpoints) {
    /** kube-proxy's ServicePortName.String(): {@code ns/name:port}, no colon when unnamed. */
    String name() {
      return svc.key() + (port.name().isEmpty() ? "" : ":" + port.name());
    }

    String protocol() {
      return port.protocol().lower();
    }

    boolean externallyAccessible() {
      return svc.externallyAccessible(port);
    }

    boolean externalPolicyLocal() {
      return externallyAccessible() && svc.externalLocal();
    }

    boolean internalPolicyLocal() {
      return svc.internalLocal();
    }

    boolean usesClusterEndpoints() {
      return !internalPolicyLocal() || externallyAccessible() && !externalPolicyLocal();
    }

    boolean usesLocalEndpoints() {
      return internalPolicyLocal() || externalPolicyLocal();
    }

    /** kube-proxy's CategorizeEndpoints (pkg/proxy/topology.go), without topology hints. */
    Categories categorize() {
      List<Ep> cluster = List.of();
      boolean any = false;
      if (usesClusterEndpoints()) {
        cluster = endpoints.stream().filter(Ep::ready).toList();
        if (cluster.isEmpty()) {
          // No ready endpoint anywhere: serving-and-terminating ones take the traffic.
          cluster = endpoints.stream().filter(e -> e.serving() && e.terminating()).toList();
        }
        any = !cluster.isEmpty();
      }
      if (!usesLocalEndpoints()) {
        return new Categories(cluster, List.of(), cluster, any);
      }
      boolean localReady = false;
      boolean localTerminating = false;
      for (Ep e : endpoints) {
        if (e.ready()) {
          any = true;
          localReady |= e.local();
        } else if (e.serving() && e.terminating()) {
          any = true;
          localTerminating |= e.local();
        }
      }
      List<Ep> local = List.of();
      if (localReady) {
        local = endpoints.stream().filter(e -> e.local() && e.ready()).toList();
      } else if (localTerminating) {
        local = endpoints.stream().filter(e -> e.local() && e.serving() && e.terminating())
            .toList();
      }
      if (!usesClusterEndpoints()) {
        return new Categories(List.of(), local, local, any);
      }
      Map<String, Ep> all = new TreeMap<>();
      cluster.forEach(e -> all.put(e.endpoint(), e));
      local.forEach(e -> all.put(e.endpoint(), e));
      return new Categories(cluster, local, List.copyOf(all.values()), any);
    }
  }

  /** The endpoints for each traffic policy, and whether the Service has any usable one. */
  record Categories(List<Ep> cluster, List<Ep> local, List<Ep> reachable, boolean hasAny) {}

  /**
   * The service ports the proxier of {@code family} has, sorted by Service (namespace/name)
   * with ports in the order written, each with the endpoints of that family's EndpointSlices;
   * checks the port names of every Service against its EndpointSlices.
   */
  static List<SvcPort> build(List<Service> services, List<EndpointSlice> slices,
      String nodeName, Family family, List<Diagnostic> problems) {
    Map<String, List<EndpointSlice>> byService = new HashMap<>();
    Map<String, Service> seen = new HashMap<>();
    for (Service s : services) {
      if (seen.putIfAbsent(s.key(), s) != null) {
        problems.add(new Diagnostic(Code.PC8108, "Service " + s.key() + " is defined twice"
            + " (first at " + seen.get(s.key()).pos() + ")", s.pos()));
      }
    }
    Map<String, EndpointSlice> seenSlices = new HashMap<>();
    for (EndpointSlice es : slices) {
      String key = es.namespace() + "/" + es.name();
      if (seenSlices.putIfAbsent(key, es) != null) {
        problems.add(new Diagnostic(Code.PC8108, "EndpointSlice " + key + " is defined twice"
            + " (first at " + seenSlices.get(key).pos() + ")", es.pos()));
      }
      byService.computeIfAbsent(es.serviceKey(), k -> new ArrayList<>()).add(es);
    }
    for (EndpointSlice es : slices) {
      Service s = seen.get(es.serviceKey());
      if (s == null) {
        continue; // kube-proxy keeps slices of Services it has not seen; they make no rules
      }
      for (SlicePort sp : es.ports()) {
        boolean known = s.ports().stream().anyMatch(p -> p.name().equals(sp.name())
            && p.protocol() == sp.protocol());
        if (!known) {
          problems.add(new Diagnostic(Code.PC8107, "Service " + s.key() + " has no "
              + sp.protocol() + " port named '" + sp.name() + "'", sp.pos()));
        }
      }
    }
    List<Service> sorted = new ArrayList<>(seen.values());
    sorted.sort(Comparator.comparing(Service::key));
    List<SvcPort> out = new ArrayList<>();
    String addressType = Addrs.word(family);
    for (Service s : sorted) {
      List<EndpointSlice> mine = byService.getOrDefault(s.key(), List.of());
      Service view = s.forFamily(family); // null: headless, ExternalName or another family
      for (ServicePort p : s.ports()) {
        boolean carried = mine.stream().anyMatch(es -> es.ports().stream()
            .anyMatch(sp -> sp.name().equals(p.name()) && sp.protocol() == p.protocol()));
        if (!mine.isEmpty() && !carried) {
          problems.add(new Diagnostic(Code.PC8107, "no EndpointSlice of " + s.key()
              + " carries the " + p.protocol() + " port "
              + (p.name().isEmpty() ? "(unnamed)" : "'" + p.name() + "'"), p.namePos()));
        }
        if (view == null) {
          continue;
        }
        Map<String, Ep> eps = new LinkedHashMap<>();
        for (EndpointSlice es : mine) {
          if (!es.addressType().equals(addressType)) {
            continue;
          }
          for (SlicePort sp : es.ports()) {
            if (!sp.name().equals(p.name()) || sp.protocol() != p.protocol()) {
              continue;
            }
            for (Endpoint e : es.endpoints()) {
              Ep ep = new Ep(e.address(), sp.port(), nodeName.equals(e.nodeName()), e.ready(),
                  e.serving(), e.terminating());
              eps.putIfAbsent(ep.endpoint(), ep);
            }
          }
        }
        List<Ep> list = new ArrayList<>(eps.values());
        list.sort(Comparator.comparing(Ep::endpoint));
        out.add(new SvcPort(view, p, list));
      }
    }
    return out;
  }
}
