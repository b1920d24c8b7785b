package dev.policyc.compiler.kube;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** The Kubernetes objects kube-proxy reads, with the positions they were written at. */
final class KubeObjects {
  private KubeObjects() {}

  /** A Service port's protocol; {@link #lower} is how kube-proxy writes it in rules. */
  enum Protocol {
    TCP,
    UDP,
    SCTP;

    String lower() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** {@code spec.type}. */
  enum ServiceType {
    CLUSTER_IP("ClusterIP"),
    NODE_PORT("NodePort"),
    LOAD_BALANCER("LoadBalancer"),
    EXTERNAL_NAME("ExternalName");

    final String word;

    ServiceType(String word) {
      this.word = word;
    }
  }

  /** One port of a Service. {@code nodePort} and {@code name} are 0 and "" when not set. */
  record ServicePort(String name, Protocol protocol, int port, int nodePort, SourcePos pos,
      SourcePos namePos) {
    ServicePort {
      Objects.requireNonNull(name);
    }
  }

  /**
   * A Service: the parts kube-proxy uses. {@code clusterIP} is null for a headless Service
   * ("None") and for ExternalName, else the primary cluster IP; {@code clusterIPs} holds every
   * cluster IP (the primary first) and {@code ipFamilies} their families when written (a
   * dual-stack Service has two). {@code affinityTimeout} is 0 without ClientIP affinity.
   */
  record Service(String namespace, String name, ServiceType type, String clusterIP,
      List<String> clusterIPs, List<String> ipFamilies, List<ServicePort> ports,
      List<String> externalIPs, List<String> ingressIPs, List<String> sourceRanges,
      boolean externalLocal, boolean internalLocal, int affinityTimeout,
      int healthCheckNodePort, SourcePos pos) {
    Service {
      clusterIPs = List.copyOf(clusterIPs);
      ipFamilies = List.copyOf(ipFamilies);
      ports = List.copyOf(ports);
      externalIPs = List.copyOf(externalIPs);
      ingressIPs = List.copyOf(ingressIPs);
      sourceRanges = List.copyOf(sourceRanges);
    }

    String key() {
      return namespace + "/" + name;
    }

    /** kube-proxy's ExternallyAccessible: a NodePort, an external IP or a LoadBalancer IP. */
    boolean externallyAccessible(ServicePort p) {
      return p.nodePort() != 0 || !externalIPs.isEmpty() || !ingressIPs.isEmpty();
    }

    /**
     * The cluster IP the proxier of {@code family} takes (kube-proxy's GetClusterIPByFamily):
     * without ipFamilies the primary one when it is of the family; with them, the one at the
     * family's index. Null when the Service has none of the family: that proxier skips it.
     */
    String clusterIPOf(Family family) {
      if (clusterIP == null) {
        return null;
      }
      if (ipFamilies.isEmpty()) {
        return Addrs.family(clusterIP) == family ? clusterIP : null;
      }
      int i = ipFamilies.indexOf(Addrs.word(family));
      return i >= 0 && i < clusterIPs.size() ? clusterIPs.get(i) : null;
    }

    /**
     * The Service as the proxier of {@code family} sees it (kube-proxy's newBaseServiceInfo):
     * that family's cluster IP, external IPs, load balancer IPs and source ranges, in the form
     * Go prints them; a zero source range is no range. Null when it has no cluster IP of the
     * family. IPv4 texts are kept as written (the reader took only canonical ones).
     */
    Service forFamily(Family family) {
      String ip = clusterIPOf(family);
      if (ip == null) {
        return null;
      }
      List<String> ranges = new ArrayList<>();
      for (String r : sourceRanges) {
        Addrs.Net n = Addrs.net(r, false);
        if (n != null && n.family() == family) {
          ranges.add(family == Family.IPV4 ? r : n.network());
        }
      }
      if (ranges.stream().anyMatch(r -> r.endsWith("/0"))) {
        ranges.clear(); // a zero-masked CIDR means "allow any", as no ranges do
      }
      return new Service(namespace, name, type, Addrs.canonical(ip), clusterIPs, ipFamilies,
          ports, ofFamily(externalIPs, family), ofFamily(ingressIPs, family), ranges,
          externalLocal, internalLocal, affinityTimeout, healthCheckNodePort, pos);
    }

    private static List<String> ofFamily(List<String> ips, Family family) {
      List<String> out = new ArrayList<>(ips.size());
      for (String ip : ips) {
        if (Addrs.family(ip) == family) {
          out.add(Addrs.canonical(ip));
        }
      }
      return out;
    }
  }

  /** One endpoint address of an EndpointSlice with its conditions (null condition: unset). */
  record Endpoint(String address, String nodeName, boolean ready, boolean serving,
      boolean terminating, SourcePos pos) {}

  /** A named port of an EndpointSlice. */
  record SlicePort(String name, Protocol protocol, int port, SourcePos pos) {}

  /** An EndpointSlice of a Service (label kubernetes.io/service-name). */
  record EndpointSlice(String namespace, String name, String service, String addressType,
      List<Endpoint> endpoints, List<SlicePort> ports, SourcePos pos) {
    EndpointSlice {
      endpoints = List.copyOf(endpoints);
      ports = List.copyOf(ports);
    }

    String serviceKey() {
      return namespace + "/" + service;
    }
  }
}
