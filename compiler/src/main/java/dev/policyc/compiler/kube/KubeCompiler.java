package dev.policyc.compiler.kube;

import dev.policyc.compiler.kube.ServiceMap.SvcPort;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compiles Services and EndpointSlices to what kube-proxy programs on one node, in its iptables
 * mode or its IPVS mode: the facade of this package, used by {@code policyc kube}.
 */
public final class KubeCompiler {
  /** kube-proxy's proxy mode. */
  public enum Mode {
    IPVS,
    IPTABLES;

    public static Mode named(String word) {
      for (Mode m : values()) {
        if (m.name().toLowerCase(Locale.ROOT).equals(word)) {
          return m;
        }
      }
      throw new IllegalArgumentException("--mode must be ipvs or iptables, not '" + word + "'");
    }
  }

  /** One manifest file's name and text. */
  public record Input(String file, String text) {}

  /**
   * The files of one compilation (name to text, in the order written), its rule counts, and its
   * diagnostics; no files when there is an error.
   */
  public record Result(Map<String, String> files, Counts counts, List<Diagnostic> diagnostics) {
    public boolean ok() {
      return diagnostics.stream().noneMatch(Diagnostic::isError);
    }
  }

  /**
   * What one mode programs: service ports, iptables rules (filter and nat), ipset entries, IPVS
   * virtual and real servers, and addresses on kube-ipvs0.
   */
  public record Counts(int servicePorts, int filterRules, int natRules, int setEntries,
      int virtualServers, int realServers, int addresses) {
    public int iptablesRules() {
      return filterRules + natRules;
    }
  }

  private KubeCompiler() {}

  /** Reads the manifests and the node facts, and compiles them in {@code mode}. */
  public static Result compile(List<Input> manifests, Input node, Mode mode) {
    List<Diagnostic> problems = new ArrayList<>();
    NodeFacts facts = NodeFacts.read(node.file(), node.text(), problems);
    Cluster cluster = read(manifests, facts == null ? "" : facts.nodeName(), facts, problems);
    if (facts == null || problems.stream().anyMatch(Diagnostic::isError)) {
      return new Result(Map.of(), null, problems);
    }
    return compile(cluster.ports, facts, mode, problems);
  }

  /** Service ports read from manifests, before they meet a mode. */
  record Cluster(List<SvcPort> ports) {}

  static Cluster read(List<Input> manifests, String nodeName, List<Diagnostic> problems) {
    return read(manifests, nodeName, null, problems);
  }

  /**
   * Reads the manifests, and checks their NodePorts against the node's range when {@code facts}
   * are given. Where things are written is needed only to report a problem, and keeping it is a
   * third of what the YAML parser allocates: the manifests are read without positions, and read
   * again with them when that finds a problem (the same problems, now at file:line:column).
   */
  static Cluster read(List<Input> manifests, String nodeName, NodeFacts facts,
      List<Diagnostic> problems) {
    List<Diagnostic> found = new ArrayList<>();
    Cluster cluster = read(manifests, nodeName, facts, false, found);
    return found.isEmpty() ? cluster : read(manifests, nodeName, facts, true, problems);
  }

  private static Cluster read(List<Input> manifests, String nodeName, NodeFacts facts,
      boolean positions, List<Diagnostic> problems) {
    ManifestReader r = new ManifestReader(problems, positions);
    for (Input in : manifests) {
      r.read(in.file(), in.text());
    }
    Family family = facts == null ? Family.IPV4 : facts.family();
    Cluster cluster = new Cluster(ServiceMap.build(r.services, r.slices, nodeName, family,
        problems));
    if (facts != null) {
      // Every Service with a cluster IP, of either family: a manifest is good or bad whatever
      // the family of the node it is compiled for.
      for (KubeObjects.Service s : r.services) {
        if (s.clusterIP() == null) {
          continue;
        }
        for (KubeObjects.ServicePort p : s.ports()) {
          int np = p.nodePort();
          if (np != 0 && (np < facts.nodePortMin() || np > facts.nodePortMax())) {
            problems.add(new Diagnostic(Code.PC8106, "nodePort " + np + " is outside the"
                + " node's NodePort range " + facts.nodePortMin() + "-" + facts.nodePortMax(),
                p.pos()));
          }
        }
      }
    }
    return cluster;
  }

  /** iptables.rules for the IPv4 proxier, ip6tables.rules (ip6tables-restore) for IPv6. */
  static String rulesFile(NodeFacts facts) {
    return facts.ipv6() ? "ip6tables.rules" : "iptables.rules";
  }

  static Result compile(List<SvcPort> ports, NodeFacts facts, Mode mode,
      List<Diagnostic> problems) {
    Map<String, String> files = new LinkedHashMap<>();
    Counts counts;
    if (mode == Mode.IPTABLES) {
      IptablesProxier.Output o = IptablesProxier.write(facts, ports);
      files.put(rulesFile(facts), o.text());
      counts = new Counts(ports.size(), o.filterRules(), o.natRules(), 0, 0, 0, 0);
    } else {
      IpvsProxier.Output o = IpvsProxier.write(facts, ports);
      files.put("interfaces.sh", o.interfaces());
      files.put("ipset.rules", o.ipsets());
      files.put(rulesFile(facts), o.iptables());
      files.put("ipvs.rules", o.ipvs());
      counts = new Counts(ports.size(), o.filterRules(), o.natRules(), o.setEntries(),
          o.virtualServers(), o.realServers(), o.addresses());
    }
    return new Result(files, counts, problems);
  }
}
