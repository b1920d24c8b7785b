package dev.policyc.compiler.kube;

import dev.policyc.dsl.SourcePos;
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
   * ("None") and for ExternalName; {@code affinityTimeout} is 0 without ClientIP affinity.
   */
  record Service(String namespace, String name, ServiceType type, String clusterIP,
      List<ServicePort> ports, List<String> externalIPs, List<String> ingressIPs,
      List<String> sourceRanges, boolean externalLocal, boolean internalLocal,
      int affinityTimeout, int healthCheckNodePort, SourcePos pos) {
    Service {
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
