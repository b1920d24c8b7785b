package dev.policyc.compiler.kube;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.kube.RestoreText.Chain;
import dev.policyc.compiler.kube.ServiceMap.Categories;
import dev.policyc.compiler.kube.ServiceMap.Ep;
import dev.policyc.compiler.kube.ServiceMap.SvcPort;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What kube-proxy's iptables proxier ({@code pkg/proxy/iptables/proxier.go}, syncProxyRules)
 * writes to iptables-restore on a full sync. The text is in the canonical order kube-proxy's own
 * tests compare it in ({@code sortIPTablesRules}): kube-proxy walks its services in Go map order,
 * so only that order is stable; the rules of each chain keep kube-proxy's order.
 */
final class IptablesProxier {
  static final String SERVICES = "KUBE-SERVICES";
  static final String EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES";
  static final String NODEPORTS = "KUBE-NODEPORTS";
  static final String POSTROUTING = "KUBE-POSTROUTING";
  static final String MARK_MASQ = "KUBE-MARK-MASQ";
  static final String FORWARD = "KUBE-FORWARD";
  static final String PROXY_FIREWALL = "KUBE-PROXY-FIREWALL";
  static final String FIREWALL = "KUBE-FIREWALL";

  private final NodeFacts node;
  private final RestoreText filter = new RestoreText("filter");
  private final RestoreText nat = new RestoreText("nat");
  private final boolean largeCluster;
  /** {@link #probability} of n at n, made once each. */
  private String[] probabilities = new String[16];
  /** The KUBE-SEP chain of each endpoint of the service port being written. */
  private final Map<String, String> sepChains = new HashMap<>();

  private IptablesProxier(NodeFacts node, List<SvcPort> ports) {
    this.node = node;
    int total = ports.stream().mapToInt(p -> p.endpoints().size()).sum();
    this.largeCluster = total > node.largeClusterThreshold();
  }

  /** The payload, and its rule counts. */
  record Output(String text, int filterRules, int natRules) {}

  static Output write(NodeFacts node, List<SvcPort> ports) {
    IptablesProxier p = new IptablesProxier(node, ports);
    p.sync(ports);
    List<Chain> filterOrder = canonical(p.filter);
    List<Chain> natOrder = canonical(p.nat);
    StringBuilder sb = new StringBuilder(Math.toIntExact(p.filter.length(filterOrder)
        + p.nat.length(natOrder)));
    p.filter.appendTo(sb, filterOrder);
    p.nat.appendTo(sb, natOrder);
    return new Output(sb.toString(), p.filter.rules, p.nat.rules);
  }

  /** KUBE-NODEPORTS, KUBE-SERVICES, then the other chains by name (sortIPTablesRules). */
  private static List<Chain> canonical(RestoreText t) {
    List<Chain> others = new ArrayList<>(t.chains.size());
    for (Chain c : t.chains.values()) {
      if (!c.name.equals(NODEPORTS) && !c.name.equals(SERVICES)) {
        others.add(c);
      }
    }
    others.sort(Comparator.comparing(c -> c.name));
    List<Chain> order = new ArrayList<>(t.chains.size());
    for (String first : List.of(NODEPORTS, SERVICES)) {
      if (t.chains.containsKey(first)) {
        order.add(t.chains.get(first));
      }
    }
    order.addAll(others);
    return order;
  }

  private void sync(List<SvcPort> ports) {
    for (String c : List.of(SERVICES, EXTERNAL_SERVICES, FORWARD, NODEPORTS, PROXY_FIREWALL)) {
      filter.chain(c);
    }
    for (String c : List.of(SERVICES, NODEPORTS, POSTROUTING, MARK_MASQ)) {
      nat.chain(c);
    }
    String mark = node.mark();
    nat.rule(POSTROUTING, "-m", "mark", "!", "--mark", mark + "/" + mark, "-j", "RETURN");
    nat.rule(POSTROUTING, "-j", "MARK", "--xor-mark", mark);
    List<String> masq = new ArrayList<>(List.of("-m", "comment", "--comment",
        "\"kubernetes service traffic requiring SNAT\"", "-j", "MASQUERADE"));
    if (node.randomFully()) {
      masq.add("--random-fully");
    }
    nat.rule(POSTROUTING, masq);
    nat.rule(MARK_MASQ, "-j", "MARK", "--or-mark", mark);
    if (node.localhostNodePortsOn()) {
      filter.chain(FIREWALL);
      filter.rule(FIREWALL, "-m", "comment", "--comment", "\"block incoming localnet"
          + " connections\"", "-d", "127.0.0.0/8", "!", "-s", "127.0.0.0/8", "-m", "conntrack",
          "!", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-j", "DROP");
    }
    for (SvcPort sp : ports) {
      service(sp);
    }
    List<String> last = new ArrayList<>(List.of("-m", "comment", "--comment",
        "\"kubernetes service nodeports; NOTE: this must be the last rule in this chain\""));
    if (node.nodePortsEverywhere()) {
      last.addAll(List.of("-m", "addrtype", "--dst-type", "LOCAL"));
      // Localhost NodePorts never work on IPv6; on IPv4 only with route_localnet.
      if (!node.localhostNodePortsOn()) {
        last.addAll(List.of("!", "-d", node.loopback()));
      }
      last.addAll(List.of("-j", NODEPORTS));
      nat.rule(SERVICES, last);
    } else {
      for (IpAddr ip : nodePortIPs()) {
        List<String> r = new ArrayList<>(last);
        r.addAll(List.of("-d", Addrs.format(ip), "-j", NODEPORTS));
        nat.rule(SERVICES, r);
      }
    }
    if (!node.tcpLiberal()) {
      List<String> invalid = new ArrayList<>(List.of("-m", "conntrack", "--ctstate", "INVALID"));
      if (node.nfacctInvalid()) {
        invalid.addAll(List.of("-m", "nfacct", "--nfacct-name", "ct_state_invalid_dropped_pkts"));
      }
      invalid.addAll(List.of("-j", "DROP"));
      filter.rule(FORWARD, invalid);
    }
    filter.rule(FORWARD, "-m", "comment", "--comment", "\"kubernetes forwarding rules\"", "-m",
        "mark", "--mark", mark + "/" + mark, "-j", "ACCEPT");
    filter.rule(FORWARD, "-m", "comment", "--comment", "\"kubernetes forwarding conntrack"
        + " rule\"", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT");
  }

  /**
   * The node's addresses within --nodeport-addresses, by address: the interface addresses of
   * the facts and the loopback address, kept only with localhost NodePorts (never on IPv6).
   */
  private List<IpAddr> nodePortIPs() {
    List<IpAddr> ips = new ArrayList<>();
    List<IpAddr> local = new ArrayList<>();
    node.nodeIPs().forEach(c -> local.add(c.addr()));
    IpAddr loopback = Addrs.parse(node.ipv6() ? "::1" : "127.0.0.1");
    local.add(loopback);
    for (IpAddr ip : local) {
      boolean in = node.nodePortAddresses().stream().anyMatch(c -> c.contains(ip));
      boolean isLoopback = node.ipv6() ? ip.equals(loopback) : ip.lo() >>> 24 == 127;
      if (in && (!isLoopback || node.localhostNodePortsOn()) && !ips.contains(ip)) {
        ips.add(ip);
      }
    }
    ips.sort(Comparator.naturalOrder());
    return ips;
  }

  private void service(SvcPort sp) {
    String proto = sp.protocol();
    String name = sp.name();
    String port = Integer.toString(sp.port().port());
    String clusterIP = sp.svc().clusterIP();
    Categories cat = sp.categorize();
    String hash = ChainNames.hash(name + proto);
    String clusterChain = ChainNames.SVC + hash;
    String localChain = ChainNames.SVL + hash;
    String extChain = ChainNames.EXT + hash;
    String fwChain = ChainNames.FW + hash;
    sepChains.clear();
    boolean usesCluster = !cat.cluster().isEmpty() && sp.usesClusterEndpoints();
    boolean usesLocal = !cat.local().isEmpty() && sp.usesLocalEndpoints();
    boolean hasEndpoints = cat.hasAny();
    String internalChain = clusterChain;
    boolean hasInternal = hasEndpoints;
    if (sp.internalPolicyLocal()) {
      internalChain = localChain;
      hasInternal &= !cat.local().isEmpty();
    }
    String externalPolicyChain = clusterChain;
    boolean hasExternal = hasEndpoints;
    if (sp.externalPolicyLocal()) {
      externalPolicyChain = localChain;
      hasExternal &= !cat.local().isEmpty();
    }
    boolean usesExt = hasEndpoints && sp.externallyAccessible();
    List<String> lbIPs = sp.svc().ingressIPs();
    String lbChain = extChain;
    boolean usesFw = hasEndpoints && !lbIPs.isEmpty() && !sp.svc().sourceRanges().isEmpty();
    if (usesFw) {
      lbChain = fwChain;
    }
    String internalTarget = null;
    String internalComment = null;
    String externalTarget = null;
    String externalComment = null;
    if (!hasEndpoints) {
      internalTarget = "REJECT";
      internalComment = "\"" + name + " has no endpoints\"";
      externalTarget = "REJECT";
      externalComment = internalComment;
    } else {
      if (!hasInternal) {
        internalTarget = "DROP";
        internalComment = "\"" + name + " has no local endpoints\"";
      }
      if (!hasExternal) {
        externalTarget = "DROP";
        externalComment = "\"" + name + " has no local endpoints\"";
      }
    }
    if (hasInternal) {
      nat.rule(SERVICES, "-m", "comment", "--comment", "\"" + name + " cluster IP\"", "-m",
          proto, "-p", proto, "-d", clusterIP, "--dport", port, "-j", internalChain);
    } else {
      filter.rule(SERVICES, "-m", "comment", "--comment", internalComment, "-m", proto, "-p",
          proto, "-d", clusterIP, "--dport", port, "-j", internalTarget);
    }
    for (String ip : sp.svc().externalIPs()) {
      if (hasEndpoints) {
        nat.rule(SERVICES, "-m", "comment", "--comment", "\"" + name + " external IP\"", "-m",
            proto, "-p", proto, "-d", ip, "--dport", port, "-j", extChain);
      }
      if (!hasExternal) {
        filter.rule(EXTERNAL_SERVICES, "-m", "comment", "--comment", externalComment, "-m",
            proto, "-p", proto, "-d", ip, "--dport", port, "-j", externalTarget);
      }
    }
    for (String ip : lbIPs) {
      if (hasEndpoints) {
        nat.rule(SERVICES, "-m", "comment", "--comment", "\"" + name + " loadbalancer IP\"",
            "-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", lbChain);
      }
      if (usesFw) {
        filter.rule(PROXY_FIREWALL, "-m", "comment", "--comment", "\"" + name
            + " traffic not accepted by " + fwChain + "\"", "-m", proto, "-p", proto, "-d", ip,
            "--dport", port, "-j", "DROP");
      }
    }
    if (!hasExternal) {
      for (String ip : lbIPs) {
        filter.rule(EXTERNAL_SERVICES, "-m", "comment", "--comment", externalComment, "-m",
            proto, "-p", proto, "-d", ip, "--dport", port, "-j", externalTarget);
      }
    }
    int nodePort = sp.port().nodePort();
    if (nodePort != 0) {
      String np = Integer.toString(nodePort);
      if (hasEndpoints) {
        if (node.localhostNodePortsOn()) {
          List<String> lo = new ArrayList<>(List.of("-m", "comment", "--comment",
              RestoreText.comment(name), "-m", proto, "-p", proto, "-d", "127.0.0.0/8",
              "--dport", np));
          if (node.nfacctLocalhost()) {
            lo.addAll(List.of("-m", "nfacct", "--nfacct-name", "localhost_nps_accepted_pkts"));
          }
          lo.addAll(List.of("-j", extChain));
          nat.rule(NODEPORTS, lo);
        }
        nat.rule(NODEPORTS, "-m", "comment", "--comment", RestoreText.comment(name), "-m",
            proto, "-p", proto, "--dport", np, "-j", extChain);
      }
      if (!hasExternal) {
        filter.rule(EXTERNAL_SERVICES, "-m", "comment", "--comment", externalComment, "-m",
            "addrtype", "--dst-type", "LOCAL", "-m", proto, "-p", proto, "--dport", np, "-j",
            externalTarget);
      }
    }
    int hc = sp.svc().healthCheckNodePort();
    if (hc != 0) {
      filter.rule(NODEPORTS, "-m", "comment", "--comment", "\"" + name
          + " health check node port\"", "-m", "tcp", "-p", "tcp", "--dport",
          Integer.toString(hc), "-j", "ACCEPT");
    }
    if (hasInternal) {
      List<String> args = List.of("-m", "comment", "--comment", "\"" + name + " cluster IP\"",
          "-m", proto, "-p", proto, "-d", clusterIP, "--dport", port);
      nat.chain(internalChain);
      if (node.masqueradeAll()) {
        List<String> r = new ArrayList<>(args);
        r.addAll(List.of("-j", MARK_MASQ));
        nat.rule(internalChain, r);
      } else if (node.detector() != null) {
        List<String> r = new ArrayList<>(args);
        r.addAll(node.detector().ifNotLocal());
        r.addAll(List.of("-j", MARK_MASQ));
        nat.rule(internalChain, r);
      }
    }
    if (usesExt) {
      nat.chain(extChain);
      if (!sp.externalPolicyLocal()) {
        nat.rule(extChain, "-m", "comment", "--comment", "\"masquerade traffic for " + name
            + " external destinations\"", "-j", MARK_MASQ);
      } else {
        if (node.detector() != null) {
          List<String> r = new ArrayList<>(List.of("-m", "comment", "--comment",
              "\"pod traffic for " + name + " external destinations\""));
          r.addAll(node.detector().ifLocal());
          r.addAll(List.of("-j", clusterChain));
          nat.rule(extChain, r);
        }
        nat.rule(extChain, "-m", "comment", "--comment", "\"masquerade LOCAL traffic for "
            + name + " external destinations\"", "-m", "addrtype", "--src-type", "LOCAL", "-j",
            MARK_MASQ);
        nat.rule(extChain, "-m", "comment", "--comment", "\"route LOCAL traffic for " + name
            + " external destinations\"", "-m", "addrtype", "--src-type", "LOCAL", "-j",
            clusterChain);
      }
      if (hasExternal) {
        nat.rule(extChain, "-j", externalPolicyChain);
      }
    }
    if (usesFw) {
      nat.chain(fwChain);
      boolean fromNode = false;
      for (String src : sp.svc().sourceRanges()) {
        nat.rule(fwChain, "-m", "comment", "--comment", "\"" + name + " loadbalancer IP\"",
            "-s", src, "-j", extChain);
        fromNode |= Addrs.net(src, false).contains(node.nodeIP());
      }
      if (fromNode) {
        for (String ip : lbIPs) {
          nat.rule(fwChain, "-m", "comment", "--comment", "\"" + name + " loadbalancer IP\"",
              "-s", ip, "-j", extChain);
        }
      }
      nat.rule(fwChain, "-m", "comment", "--comment", "\"other traffic to " + name
          + " will be dropped by KUBE-PROXY-FIREWALL\"");
    }
    if (usesCluster) {
      nat.chain(clusterChain);
      endpointRules(sp, clusterChain, cat.cluster());
    }
    if (usesLocal) {
      nat.chain(localChain);
      endpointRules(sp, localChain, cat.local());
    }
    String comment = RestoreText.comment(name);
    for (Ep ep : cat.reachable()) {
      String sep = sep(sp, ep);
      nat.chain(sep);
      serviceComment(nat.start(sep), comment).append("-s ").append(ep.ip()).append(" -j ")
          .append(MARK_MASQ).append('\n');
      StringBuilder r = serviceComment(nat.start(sep), comment);
      if (sp.svc().affinityTimeout() > 0) {
        r.append("-m recent --name ").append(sep).append(" --set ");
      }
      r.append("-m ").append(proto).append(" -p ").append(proto)
          .append(" -j DNAT --to-destination ").append(ep.endpoint()).append('\n');
    }
  }

  /** The KUBE-SEP chain of an endpoint of {@code sp}, the port being written. */
  private String sep(SvcPort sp, Ep ep) {
    return sepChains.computeIfAbsent(ep.endpoint(),
        e -> ChainNames.sep(sp.name(), sp.protocol(), e));
  }

  /** Writes {@code -m comment --comment COMMENT } to a rule, unless the cluster is large. */
  private StringBuilder serviceComment(StringBuilder rule, String comment) {
    return largeCluster ? rule : rule.append("-m comment --comment ").append(comment)
        .append(' ');
  }

  /** writeServiceToEndpointRules: affinity checks first, then one statistic rule each. */
  private void endpointRules(SvcPort sp, String chain, List<Ep> eps) {
    String name = sp.name();
    String proto = sp.protocol();
    int timeout = sp.svc().affinityTimeout();
    if (timeout > 0) {
      for (Ep ep : eps) {
        String sep = sep(sp, ep);
        endpointComment(nat.start(chain), name, ep).append("-m recent --name ").append(sep)
            .append(" --rcheck --seconds ").append(timeout).append(" --reap -j ").append(sep)
            .append('\n');
      }
    }
    int n = eps.size();
    for (int i = 0; i < n; i++) {
      Ep ep = eps.get(i);
      StringBuilder r = endpointComment(nat.start(chain), name, ep);
      if (i < n - 1) {
        r.append("-m statistic --mode random --probability ").append(probabilityOf(n - i))
            .append(' ');
      }
      r.append("-j ").append(sep(sp, ep)).append('\n');
    }
  }

  /** Writes {@code -m comment --comment "NAME -> ENDPOINT" }, unless the cluster is large. */
  private StringBuilder endpointComment(StringBuilder rule, String name, Ep ep) {
    return largeCluster ? rule : rule.append("-m comment --comment \"").append(name)
        .append(" -> ").append(ep.endpoint()).append("\" ");
  }

  private String probabilityOf(int n) {
    if (n >= probabilities.length) {
      probabilities = Arrays.copyOf(probabilities, Math.max(n + 1,
          probabilities.length * 2));
    }
    if (probabilities[n] == null) {
      probabilities[n] = probability(n);
    }
    return probabilities[n];
  }

  /**
   * Go's {@code fmt.Sprintf("%0.10f", 1.0/float64(n))}: the exact binary value rounded half to
   * even, as strconv does (Java's own %f rounds the shortest decimal, half up).
   */
  static String probability(int n) {
    return new BigDecimal(1.0 / n).setScale(10, RoundingMode.HALF_EVEN).toPlainString();
  }
}
