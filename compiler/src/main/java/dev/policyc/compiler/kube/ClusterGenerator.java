package dev.policyc.compiler.kube;

import java.util.Random;

/**
 * Generated clusters for the report and the benchmark: {@code services} Services in
 * namespaces of 100, of which a seeded tenth are NodePorts, each with {@code endpoints}
 * endpoints (a third on this node), written as manifests so they take the reader's path.
 */
public final class ClusterGenerator {
  private ClusterGenerator() {}

  /**
   * Prints a generated cluster's manifests: {@code --services N --endpoints E --seed S}
   * (bench/kube.sh).
   */
  public static void main(String[] args) {
    int services = 10000;
    int endpoints = 10;
    long seed = 1;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--services" -> services = Integer.parseInt(args[i + 1]);
        case "--endpoints" -> endpoints = Integer.parseInt(args[i + 1]);
        case "--seed" -> seed = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.print(manifests(services, endpoints, seed));
  }

  /** The ClusterIP of Service {@code i}: 10.96.0.0/12 in order from 10.96.0.1. */
  static String clusterIP(int i) {
    return Ipv4.format(Ipv4.parse("10.96.0.1") + i);
  }

  static String manifests(int services, int endpoints, long seed) {
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder(services * (300 + 60 * endpoints));
    int nodePort = 30000;
    for (int i = 0; i < services; i++) {
      String ns = "ns" + i / 100;
      String name = "svc" + i;
      boolean np = rnd.nextInt(10) == 0 && nodePort < 32767;
      int port = 80 + rnd.nextInt(4) * 1000;
      sb.append("---\nkind: Service\nmetadata: {namespace: ").append(ns).append(", name: ")
          .append(name).append("}\nspec:\n  type: ").append(np ? "NodePort" : "ClusterIP")
          .append("\n  clusterIP: ").append(clusterIP(i)).append("\n  ports: [{name: p, port: ")
          .append(port);
      if (np) {
        sb.append(", nodePort: ").append(nodePort++);
      }
      sb.append("}]\n---\nkind: EndpointSlice\nmetadata: {namespace: ").append(ns)
          .append(", name: ").append(name).append("-1, labels: {kubernetes.io/service-name: ")
          .append(name).append("}}\naddressType: IPv4\nendpoints:\n");
      for (int e = 0; e < endpoints; e++) {
        long ip = Ipv4.parse("10.128.0.0") + (long) i * endpoints + e;
        sb.append("  - addresses: [").append(Ipv4.format(ip)).append("]\n");
        if (rnd.nextInt(3) == 0) {
          sb.append("    nodeName: test-node\n");
        }
      }
      sb.append("ports: [{name: p, port: 8080}]\n");
    }
    return sb.toString();
  }
}
