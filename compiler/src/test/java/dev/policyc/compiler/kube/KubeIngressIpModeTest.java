package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoadBalancer {@code status.loadBalancer.ingress[].ipMode} (kube-proxy 1.30 and later, {@code
 * IsVIPMode}): an ingress IP is programmed when its ipMode is unset or VIP, and left alone when
 * it is Proxy, in both modes; the Service's other addresses stay.
 */
class KubeIngressIpModeTest {
  @TempDir
  Path tmp;

  private String run(String ingress, String mode) throws IOException {
    Path m = Files.writeString(tmp.resolve("m.yaml"), String.join("\n",
        "apiVersion: v1",
        "kind: Service",
        "metadata: {namespace: shop, name: checkout}",
        "spec:",
        "  type: LoadBalancer",
        "  clusterIP: 10.96.1.20",
        "  ports: [{name: https, port: 443, protocol: TCP, nodePort: 31443}]",
        "status:",
        "  loadBalancer:",
        "    ingress: " + ingress,
        "---",
        "apiVersion: discovery.k8s.io/v1",
        "kind: EndpointSlice",
        "metadata: {namespace: shop, name: checkout-1, labels: {kubernetes.io/service-name:"
            + " checkout}}",
        "addressType: IPv4",
        "endpoints:",
        "  - addresses: [10.180.4.1]",
        "ports: [{name: https, port: 8443, protocol: TCP}]", ""));
    Path out = tmp.resolve("out-" + mode);
    Cli.Captured c = Cli.capture("kube", m.toString(), "--node",
        KubeFiles.DIR.resolve("node.yaml").toString(), "-o", out.toString(), "--mode", mode);
    assertEquals(Cli.OK, c.code(), c.err());
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(out)) {
      for (Path p : files.sorted().toList()) {
        all.append(Files.readString(p));
      }
    }
    return all.toString();
  }

  @Test
  void onlyUnsetAndVipIngressIpsAreProgrammedInBothModes() throws IOException {
    for (String mode : new String[] {"iptables", "ipvs"}) {
      String text = run("[{ip: 198.51.100.20}, {ip: 198.51.100.21, ipMode: VIP},"
          + " {ip: 198.51.100.22, ipMode: Proxy}]", mode);
      assertTrue(text.contains("198.51.100.20"), mode + "\n" + text);
      assertTrue(text.contains("198.51.100.21"), mode + "\n" + text);
      assertFalse(text.contains("198.51.100.22"), mode + "\n" + text);
      assertTrue(text.contains("10.96.1.20"), mode + "\n" + text);
      // VIP is the same as unset: the output of an unset ingress IP, the address swapped
      assertEquals(run("[{ip: 198.51.100.20}]", mode),
          run("[{ip: 198.51.100.20, ipMode: VIP}]", mode));
      // Proxy alone: no ingress IP anywhere, the same as a Service with no ingress
      String proxy = run("[{ip: 198.51.100.22, ipMode: Proxy}]", mode);
      assertFalse(proxy.contains("198.51.100.22"), proxy);
      assertEquals(run("[]", mode), proxy);
    }
  }
}
