package dev.policyc.compiler.kube;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.kube.ServiceMap.SvcPort;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * {@code policyc kube --report}: the size of both modes' output and the iptables rules a packet
 * to a service is tested against, for the given manifests and for generated clusters. In
 * iptables mode the reference interpreter decides packets to sampled cluster IPs on the emitted
 * text read back (with kube-proxy's PREROUTING jump); in IPVS mode the rules a packet meets are
 * the fixed chains' (one hash lookup in KUBE-CLUSTER-IP), counted from the text.
 */
public final class KubeReport {
  public static final List<Integer> SIZES = List.of(100, 1000, 10000);
  /** Packets decided per row. */
  private static final int SAMPLE = 200;
  private static final int ENDPOINTS = 3;

  private KubeReport() {}

  /** The printed table. */
  public record Table(String text, List<Row> rows) {}

  /** One row: what was compiled and what each mode made of it. */
  public record Row(String cluster, int servicePorts, int endpoints,
      KubeCompiler.Counts iptables, KubeCompiler.Counts ipvs, String iptablesPerPacket,
      String ipvsPerPacket) {}

  /** Measures the manifests, then generated clusters of {@code sizes} services. */
  public static Table measure(List<KubeCompiler.Input> manifests, KubeCompiler.Input node,
      List<Integer> sizes, long seed) {
    List<Row> rows = new ArrayList<>();
    List<Diagnostic> problems = new ArrayList<>();
    NodeFacts facts = NodeFacts.read(node.file(), node.text(), problems);
    rows.add(row("given manifests", KubeCompiler.read(manifests, facts.nodeName(), facts,
        problems).ports(), facts, seed));
    if (facts.ipv6()) {
      return table(rows); // the generated clusters are IPv4 ones
    }
    // Generated clusters use a node whose rules the reader takes whole (no nfacct matches).
    NodeFacts plain = new NodeFacts(facts.nodeName(), facts.family(), facts.nodeIP(),
        facts.nodeIPs(), facts.detector(), facts.mark(), facts.masqueradeAll(),
        facts.nodePortAddresses(), false, false, false, facts.tcpLiberal(),
        facts.randomFully(), facts.largeClusterThreshold(), 1, 65535, facts.scheduler());
    for (int n : sizes) {
      String text = ClusterGenerator.manifests(n, ENDPOINTS, seed);
      List<SvcPort> ports = KubeCompiler.read(List.of(new KubeCompiler.Input("generated",
          text)), plain.nodeName(), problems).ports();
      rows.add(row(n + " services (seed " + seed + ")", ports, plain, seed));
    }
    return table(rows);
  }

  private static Table table(List<Row> rows) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "%-24s %8s %9s | %10s %12s | %10s %8s %8s %10s %12s%n", "cluster", "svc ports",
        "endpoints", "iptables", "rules/packet", "ipvs: ipt", "sets", "VS", "RS",
        "rules/packet"));
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT,
          "%-24s %8d %9d | %10d %12s | %10d %8d %8d %10d %12s%n", r.cluster(), r.servicePorts(),
          r.endpoints(), r.iptables().iptablesRules(), r.iptablesPerPacket(),
          r.ipvs().iptablesRules(), r.ipvs().setEntries(), r.ipvs().virtualServers(),
          r.ipvs().realServers(), r.ipvsPerPacket()));
    }
    sb.append("rules/packet: iptables rules tested on the way to a service, mean over ")
        .append(SAMPLE).append(" packets to sampled cluster IPs (iptables: the interpreter on"
            + " the emitted rules; ipvs: the fixed KUBE-SERVICES rules before the cluster-IP"
            + " ACCEPT, then one IPVS hash lookup)\n");
    return new Table(sb.toString(), rows);
  }

  private static Row row(String name, List<SvcPort> ports, NodeFacts facts, long seed) {
    List<Diagnostic> none = new ArrayList<>();
    KubeCompiler.Result ipt = KubeCompiler.compile(ports, facts, KubeCompiler.Mode.IPTABLES,
        none);
    KubeCompiler.Result ipvs = KubeCompiler.compile(ports, facts, KubeCompiler.Mode.IPVS, none);
    int eps = ports.stream().mapToInt(p -> p.endpoints().size()).sum();
    return new Row(name, ports.size(), eps, ipt.counts(), ipvs.counts(),
        iptablesPerPacket(ipt.files().get(KubeCompiler.rulesFile(facts)), ports, facts.family(),
            seed),
        ipvsPerPacket(ipvs.files().get(KubeCompiler.rulesFile(facts)),
            IpvsProxier.setName(IpvsProxier.Set.CLUSTER_IP, facts.family())));
  }

  /** The interpreter's mean rules tested per packet to a sampled service, or - for none. */
  static String iptablesPerPacket(String rules, List<SvcPort> ports, Family family,
      long seed) {
    List<SvcPort> targets = ports.stream().filter(p -> !p.categorize().cluster().isEmpty()
        && !p.internalPolicyLocal()).toList();
    if (targets.isEmpty()) {
      return "-";
    }
    IrPolicy policy;
    try {
      // kube-proxy's jump from PREROUTING, which it ensures outside the restore payload.
      String withJump = rules.replace("*nat\n",
          "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j KUBE-SERVICES\n");
      Ruleset rs = IptablesSaveReader.read("rules", withJump, family);
      Ruleset none = new Ruleset(family == Family.IPV4 ? Family.IPV6 : Family.IPV4,
          List.<RuleTable>of());
      policy = family == Family.IPV4 ? new IrPolicy("kube", null, List.of(), rs, none)
          : new IrPolicy("kube", null, List.of(), none, rs);
    } catch (ParseException e) {
      throw new IllegalStateException("the emitted iptables rules do not read back: "
          + e.diagnostic(), e);
    }
    Interpreter interp = new Interpreter(policy);
    Random rnd = new Random(seed);
    long evaluated = 0;
    for (int i = 0; i < SAMPLE; i++) {
      SvcPort t = targets.get(rnd.nextInt(targets.size()));
      String src = family == Family.IPV4 ? "203.0.113.9:40000" : "[2001:db8:ff::9]:40000";
      Packet p = Packet.parse(t.protocol() + " " + src + " -> "
          + Addrs.hostPort(t.svc().clusterIP(), t.port().port()) + " in eth0");
      Decision d = interp.decide(p);
      evaluated += d.evaluated();
    }
    return String.format(Locale.ROOT, "%.1f", (double) evaluated / SAMPLE);
  }

  /** PREROUTING's jump, then KUBE-SERVICES up to its cluster-IP ACCEPT. */
  static String ipvsPerPacket(String rules, String clusterIPSet) {
    int n = 1;
    for (String line : rules.split("\n")) {
      if (line.startsWith("-A KUBE-SERVICES ")) {
        n++;
        if (line.contains("--match-set " + clusterIPSet + " dst,dst -j ACCEPT")) {
          return Integer.toString(n);
        }
      }
    }
    return "-";
  }
}
