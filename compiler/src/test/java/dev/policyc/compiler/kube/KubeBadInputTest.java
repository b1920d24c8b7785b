package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.policyc.compiler.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad manifests: each is reported with its code at file:line:column, the run exits 1, and
 * nothing is written.
 */
public class KubeBadInputTest {
  @TempDir
  Path tmp;

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "unknown-kind.yaml, 2:7: error PC8102: unknown kind 'Deployment'",
      "missing-ports.yaml, 5:3: error PC8103: spec.ports is missing",
      "port-name.yaml, 7:13: error PC8107: no EndpointSlice of a/web carries the TCP port 'http'",
      "malformed-ip.yaml, 5:14: error PC8105: spec.clusterIP '10.96.0.300' is not an IPv4",
      "nodeport-range.yaml, 7:32: error PC8106: nodePort 70000 is out of range 1..65535",
      "not-yaml.yaml, 3:1: error PC8101:",
      "ingress-ipmode.yaml, 10:43: error PC8104: an ingress ipMode must be VIP or Proxy, not 'vip'",
  })
  void reportedWhereWrittenAndNothingWritten(String file, String expected) {
    Path manifest = KubeFiles.DIR.resolve("bad").resolve(file);
    Path out = tmp.resolve("out");
    for (String mode : new String[] {"ipvs", "iptables"}) {
      Cli.Captured c = Cli.capture("kube", manifest.toString(), "--node",
          KubeFiles.DIR.resolve("node.yaml").toString(), "-o", out.toString(), "--mode", mode);
      assertEquals(Cli.POLICY_ERRORS, c.code(), c.err());
      assertEquals(true, c.err().contains(manifest + ":" + expected), c.err());
      assertEquals(true, c.err().contains("nothing written"), c.err());
      assertFalse(Files.exists(out), "nothing written");
    }
  }

  @Test
  void aSlicePortTheServiceDoesNotHaveIsReportedToo() {
    Cli.Captured c = Cli.capture("kube", KubeFiles.DIR.resolve("bad/port-name.yaml").toString(),
        "--node", KubeFiles.DIR.resolve("node.yaml").toString(), "-o", "-");
    assertEquals(true, c.err().contains("port-name.yaml:15:16: error PC8107: Service a/web has"
        + " no TCP port named 'web'"), c.err());
  }

  @Test
  void badNodeFactsAreReportedInTheNodeFile() throws IOException {
    Path node = Files.writeString(tmp.resolve("node.yaml"), "nodeName: n\nnodeIP: 1.2.3\n");
    Cli.Captured c = Cli.capture("kube", KubeFiles.DIR.resolve("golden/clusterip/manifests.yaml")
        .toString(), "--node", node.toString(), "-o", tmp.resolve("o").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(true, c.err().startsWith(node + ":2:9: error PC8105"), c.err());
  }

  @Test
  void aMissingFileCannotBeRead() {
    Cli.Captured c = Cli.capture("kube", tmp.resolve("none.yaml").toString(), "--node",
        KubeFiles.DIR.resolve("node.yaml").toString(), "-o", "-");
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(true, c.err().contains("error PC8110: cannot read"), c.err());
  }

  @Test
  void theCliWritesTheFilesOfTheMode() throws IOException {
    Path out = tmp.resolve("out");
    String m = KubeFiles.DIR.resolve("golden/clusterip/manifests.yaml").toString();
    String node = KubeFiles.DIR.resolve("node.yaml").toString();
    Cli.Captured c = Cli.capture("kube", m, "--node", node, "-o", out.toString());
    assertEquals(Cli.OK, c.code(), c.err());
    assertEquals(true, Files.exists(out.resolve("ipvs.rules")));
    c = Cli.capture("kube", m, "--node", node, "-o", out.toString(), "--mode", "iptables");
    assertEquals(Cli.OK, c.code(), c.err());
    // The other mode's files go: the folder holds one mode's output.
    assertFalse(Files.exists(out.resolve("ipvs.rules")));
    assertEquals(KubeFiles.text(KubeFiles.DIR.resolve("golden/clusterip/iptables/iptables.rules")),
        Files.readString(out.resolve("iptables.rules")));
  }

  @Test
  void aNodePortOutsideTheNodesRangeIsReported() throws IOException {
    Path node = Files.writeString(tmp.resolve("node.yaml"),
        KubeFiles.text(KubeFiles.DIR.resolve("node.yaml")) + "nodePortRange: 30000-32767\n");
    Cli.Captured c = Cli.capture("kube", KubeFiles.DIR.resolve("overall/manifests.yaml")
        .toString(), "--node", node.toString(), "-o", tmp.resolve("o").toString());
    assertEquals(Cli.POLICY_ERRORS, c.code());
    assertEquals(true, c.err().contains("manifests.yaml:19:15: error PC8106: nodePort 3001 is"
        + " outside the node's NodePort range 30000-32767"), c.err());
  }

  @Test
  void aLargeFileParsedInPiecesReportsTheLineOfTheWholeFile() {
    String big = ClusterGenerator.manifests(3000, 2, 1L);
    assertEquals(true, big.length() > (1 << 20));
    String text = big + "---\nkind: Pod\n";
    long line = text.lines().count();
    java.util.List<dev.policyc.dsl.diag.Diagnostic> problems = new java.util.ArrayList<>();
    KubeCompiler.read(java.util.List.of(new KubeCompiler.Input("big.yaml", text)), "n",
        problems);
    assertEquals("big.yaml:" + line + ":7: error PC8102: unknown kind 'Pod': policyc kube reads"
        + " Service, EndpointSlice and List", problems.get(0).toString());
  }

  @Test
  void aProblemFoundAfterReadingIsReportedWithThePositionsOfBothPlaces() {
    // The first reading keeps no positions; the problems of ServiceMap (two Services of one
    // name, the first named in the message) come from the second, which does.
    String text = "kind: Service\nmetadata: {name: a}\nspec: {clusterIP: 10.0.0.1, ports:"
        + " [{port: 1}]}\n---\nkind: Service\nmetadata: {name: a}\nspec: {clusterIP:"
        + " 10.0.0.2, ports: [{port: 1}]}\n";
    java.util.List<dev.policyc.dsl.diag.Diagnostic> problems = new java.util.ArrayList<>();
    KubeCompiler.read(java.util.List.of(new KubeCompiler.Input("m.yaml", text)), "n", problems);
    assertEquals("m.yaml:5:1: error PC8108: Service default/a is defined twice (first at"
        + " m.yaml:1:1)", problems.get(0).toString());
  }

  /** Each code of policyc kube, produced by the CLI, for DiagnosticCodesTest. */
  public static String produce(String code, Path dir) {
    try {
      String text = switch (code) {
        case "PC8101" -> "kind: [\n";
        case "PC8102" -> "kind: Pod\n";
        case "PC8103" -> "kind: Service\nmetadata: {name: a}\nspec: {clusterIP: 10.0.0.1}\n";
        case "PC8104" -> "kind: Service\nmetadata: {name: a}\nspec: {type: Weird}\n";
        case "PC8105" -> "kind: Service\nmetadata: {name: a}\nspec: {clusterIP: x, ports:"
            + " [{port: 1}]}\n";
        case "PC8106" -> "kind: Service\nmetadata: {name: a}\nspec: {clusterIP: 10.0.0.1,"
            + " ports: [{port: 0}]}\n";
        case "PC8107" -> "kind: Service\nmetadata: {name: a}\nspec: {clusterIP: 10.0.0.1,"
            + " ports: [{name: a, port: 1}]}\n---\nkind: EndpointSlice\nmetadata: {name: s,"
            + " labels: {kubernetes.io/service-name: a}}\naddressType: IPv4\nports:"
            + " [{name: b, port: 1}]\n";
        case "PC8108" -> "kind: Service\nmetadata: {name: a}\nspec: {clusterIP: 10.0.0.1,"
            + " ports: [{port: 1}]}\n---\nkind: Service\nmetadata: {name: a}\nspec:"
            + " {clusterIP: 10.0.0.2, ports: [{port: 1}]}\n";
        default -> "kind: List\nitems: []\n";
      };
      Path m = Files.writeString(dir.resolve("m.yaml"), text);
      String node = code.equals("PC8109") ? Files.writeString(dir.resolve("n.yaml"), "a: 1\n")
          .toString() : KubeFiles.DIR.resolve("node.yaml").toString();
      String manifest = code.equals("PC8110") ? dir.resolve("none.yaml").toString()
          : m.toString();
      return Cli.capture("kube", manifest, "--node", node, "-o", "-").err();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
