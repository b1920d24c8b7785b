package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * iptables mode against kube-proxy's own expectation: the manifests of TestOverallIPTablesRules
 * (pkg/proxy/iptables/proxier_test.go) with the facts of its fake proxier give its expected
 * restore text line for line.
 */
class KubeIptablesModeTest {
  @Test
  void overallRulesEqualKubeProxysExpectedText() {
    KubeCompiler.Result r = KubeFiles.compile(KubeFiles.DIR.resolve("overall/manifests.yaml"),
        KubeCompiler.Mode.IPTABLES);
    assertTrue(r.ok(), r.diagnostics().toString());
    String expected = KubeFiles.text(KubeFiles.DIR.resolve("overall/kube-proxy-expected.rules"));
    assertEquals(expected, r.files().get("iptables.rules"));
    assertEquals(10, r.counts().filterRules());
    assertEquals(55, r.counts().natRules());
  }

  @Test
  void chainNamesAreKubeProxysHashes() {
    // The worked examples of the reference (ipvs-and-kube-proxy.md §6.2).
    assertEquals("KUBE-SVC-XPGD46QRK7WJZT7O", ChainNames.svc("ns1/svc1:p80", "tcp"));
    assertEquals("KUBE-SEP-SXIVWICOYRO3J4NJ",
        ChainNames.sep("ns1/svc1:p80", "tcp", "10.180.0.1:80"));
    assertEquals("KUBE-SVC-NPX46M4PTMTKRN6Y", ChainNames.svc("default/kubernetes:https", "tcp"));
    assertEquals("KUBE-SVC-TCOU7JCQXEZGVUNU", ChainNames.svc("kube-system/kube-dns:dns", "udp"));
    assertEquals("KUBE-SVC-ERIFXISQEP7F7OF4",
        ChainNames.svc("kube-system/kube-dns:dns-tcp", "tcp"));
  }

  @Test
  void probabilitiesArePrintedAsGoPrintsThem() {
    assertEquals("0.3333333333", IptablesProxier.probability(3));
    assertEquals("0.5000000000", IptablesProxier.probability(2));
    assertEquals("0.1428571429", IptablesProxier.probability(7));
    // 1/2048 = 0.00048828125 exactly: Go rounds the tie to even, Java's %f would round up.
    assertEquals("0.0004882812", IptablesProxier.probability(2048));
  }
}
