package dev.policyc.compiler.kube;

import dev.policyc.compiler.emit.ipvs.IpvsadmEmitter;
import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.IpvsProtocol;
import dev.policyc.compiler.ipvs.Persistence;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.kube.KubeObjects.Protocol;
import dev.policyc.compiler.kube.ServiceMap.Categories;
import dev.policyc.compiler.kube.ServiceMap.Ep;
import dev.policyc.compiler.kube.ServiceMap.SvcPort;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What kube-proxy's IPVS proxier ({@code pkg/proxy/ipvs/proxier.go}) programs on a full sync:
 * the addresses it binds on {@code kube-ipvs0}, its ipsets, the iptables-restore payload of its
 * fixed chains (driven by which sets are empty), and its virtual servers, written as {@code
 * ipvsadm -S -n} prints them.
 */
final class IpvsProxier {
  static final String DUMMY = "kube-ipvs0";

  /** The ipsets of kube-proxy's ipsetInfo, in its order: name, type and comment. */
  enum Set {
    LOOP_BACK("KUBE-LOOP-BACK", "hash:ip,port,ip",
        "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"),
    CLUSTER_IP("KUBE-CLUSTER-IP", "hash:ip,port",
        "Kubernetes service cluster ip + port for masquerade purpose"),
    EXTERNAL_IP("KUBE-EXTERNAL-IP", "hash:ip,port",
        "Kubernetes service external ip + port for masquerade and filter purpose"),
    EXTERNAL_IP_LOCAL("KUBE-EXTERNAL-IP-LOCAL", "hash:ip,port",
        "Kubernetes service external ip + port with externalTrafficPolicy=local"),
    LOAD_BALANCER("KUBE-LOAD-BALANCER", "hash:ip,port", "Kubernetes service lb portal"),
    LOAD_BALANCER_FW("KUBE-LOAD-BALANCER-FW", "hash:ip,port",
        "Kubernetes service load balancer ip + port for load balancer with sourceRange"),
    LOAD_BALANCER_LOCAL("KUBE-LOAD-BALANCER-LOCAL", "hash:ip,port",
        "Kubernetes service load balancer ip + port with externalTrafficPolicy=local"),
    LOAD_BALANCER_SOURCE_IP("KUBE-LOAD-BALANCER-SOURCE-IP", "hash:ip,port,ip",
        "Kubernetes service load balancer ip + port + source IP for packet filter purpose"),
    LOAD_BALANCER_SOURCE_CIDR("KUBE-LOAD-BALANCER-SOURCE-CIDR", "hash:ip,port,net",
        "Kubernetes service load balancer ip + port + source cidr for packet filter purpose"),
    NODE_PORT_TCP("KUBE-NODE-PORT-TCP", "bitmap:port",
        "Kubernetes nodeport TCP port for masquerade purpose"),
    NODE_PORT_LOCAL_TCP("KUBE-NODE-PORT-LOCAL-TCP", "bitmap:port",
        "Kubernetes nodeport TCP port with externalTrafficPolicy=local"),
    NODE_PORT_UDP("KUBE-NODE-PORT-UDP", "bitmap:port",
        "Kubernetes nodeport UDP port for masquerade purpose"),
    NODE_PORT_LOCAL_UDP("KUBE-NODE-PORT-LOCAL-UDP", "bitmap:port",
        "Kubernetes nodeport UDP port with externalTrafficPolicy=local"),
    NODE_PORT_SCTP("KUBE-NODE-PORT-SCTP-HASH", "hash:ip,port",
        "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'"),
    NODE_PORT_LOCAL_SCTP("KUBE-NODE-PORT-LOCAL-SCTP-HASH", "hash:ip,port",
        "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash"
            + " ip:port'"),
    HEALTH_CHECK_NODE_PORT("KUBE-HEALTH-CHECK-NODE-PORT", "bitmap:port",
        "Kubernetes health check node port"),
    IPVS_IPS("KUBE-IPVS-IPS", "hash:ip", "Addresses on the ipvs interface");

    final String setName;
    final String type;
    final String comment;

    Set(String setName, String type, String comment) {
      this.setName = setName;
      this.type = type;
      this.comment = comment;
    }
  }

  /**
   * A set's name in the proxier of {@code family}: kube-proxy's IPv6 sets replace the prefix
   * KUBE- with KUBE-6- and are cut to ipset's 31 characters (NewIPSet in pkg/proxy/ipvs).
   */
  static String setName(Set s, Family family) {
    if (family == Family.IPV4) {
      return s.setName;
    }
    String n = "KUBE-6-" + s.setName.substring("KUBE-".length());
    return n.length() > 31 ? n.substring(0, 31) : n;
  }

  /** One IPVS virtual server with its real servers. */
  record VirtualServer(Protocol protocol, IpAddr address, int port, int persistence,
      List<Ep> reals) {}

  /** Everything written, with counts. */
  record Output(String interfaces, String ipsets, String iptables, String ipvs, int filterRules,
      int natRules, int setEntries, int virtualServers, int realServers, int addresses) {}

  private final NodeFacts node;
  private final Map<Set, TreeSet<String>> entries = new LinkedHashMap<>();
  private final List<VirtualServer> servers = new ArrayList<>();
  /** Addresses bound on kube-ipvs0, by address. */
  private final TreeSet<IpAddr> bound = new TreeSet<>();
  /** Load balancer ip, protocol, port the node may not reach (KUBE-IPVS-OUT-FILTER). */
  private final TreeSet<String> noNodeAccess = new TreeSet<>();

  private IpvsProxier(NodeFacts node) {
    this.node = node;
    for (Set s : Set.values()) {
      entries.put(s, new TreeSet<>());
    }
  }

  static Output write(NodeFacts node, List<SvcPort> ports) {
    IpvsProxier p = new IpvsProxier(node);
    for (SvcPort sp : ports) {
      p.service(sp);
    }
    for (IpAddr a : p.bound) {
      p.entries.get(Set.IPVS_IPS).add(Addrs.format(a));
    }
    RestoreText filter = new RestoreText("filter");
    RestoreText nat = new RestoreText("nat");
    p.iptables(filter, nat);
    StringBuilder ipt = new StringBuilder();
    filter.appendTo(ipt, new ArrayList<>(filter.chains.values()));
    nat.appendTo(ipt, new ArrayList<>(nat.chains.values()));
    int entries = p.entries.values().stream().mapToInt(TreeSet::size).sum();
    int reals = p.servers.stream().mapToInt(v -> v.reals().size()).sum();
    return new Output(p.interfaces(), p.ipsets(), ipt.toString(), p.ipvs(), filter.rules,
        nat.rules, entries, p.servers.size(), reals, p.bound.size());
  }

  private boolean isNodeAddress(IpAddr ip) {
    return node.nodeIPs().stream().anyMatch(c -> c.addr().equals(ip));
  }

  private void service(SvcPort sp) {
    Categories cat = sp.categorize();
    Protocol proto = sp.port().protocol();
    String pr = sp.protocol();
    int port = sp.port().port();
    int persistence = sp.svc().affinityTimeout();
    for (Ep ep : sp.endpoints()) {
      if (ep.local()) {
        entries.get(Set.LOOP_BACK).add(ep.ip() + "," + pr + ":" + ep.port() + "," + ep.ip());
      }
    }
    // Internal traffic: cluster endpoints, or the local ones with internalTrafficPolicy Local.
    List<Ep> internal = sp.internalPolicyLocal() ? cat.local() : cat.cluster();
    // External traffic with externalTrafficPolicy Local: the local endpoints, or all of them
    // when the node has none (kubernetes PR #97081; iptables mode drops instead).
    List<Ep> external = sp.externalPolicyLocal() && !cat.local().isEmpty() ? cat.local()
        : cat.cluster().isEmpty() ? cat.local() : cat.cluster();
    IpAddr cip = Addrs.parse(sp.svc().clusterIP());
    entries.get(Set.CLUSTER_IP).add(sp.svc().clusterIP() + "," + pr + ":" + port);
    servers.add(new VirtualServer(proto, cip, port, persistence, internal));
    bound.add(cip);
    boolean local = sp.externalPolicyLocal();
    for (String ip : sp.svc().externalIPs()) {
      entries.get(local ? Set.EXTERNAL_IP_LOCAL : Set.EXTERNAL_IP).add(ip + "," + pr + ":"
          + port);
      IpAddr a = Addrs.parse(ip);
      servers.add(new VirtualServer(proto, a, port, persistence, external));
      if (!isNodeAddress(a)) {
        bound.add(a);
      }
    }
    for (String ip : sp.svc().ingressIPs()) {
      String entry = ip + "," + pr + ":" + port;
      entries.get(Set.LOAD_BALANCER).add(entry);
      if (local) {
        entries.get(Set.LOAD_BALANCER_LOCAL).add(entry);
      }
      List<String> ranges = sp.svc().sourceRanges();
      if (!ranges.isEmpty()) {
        entries.get(Set.LOAD_BALANCER_FW).add(entry);
        boolean fromNode = false;
        for (String r : ranges) {
          entries.get(Set.LOAD_BALANCER_SOURCE_CIDR).add(entry + "," + r);
          fromNode |= Addrs.net(r, false).contains(node.nodeIP());
        }
        if (fromNode) {
          entries.get(Set.LOAD_BALANCER_SOURCE_IP).add(entry + "," + ip);
        } else {
          noNodeAccess.add(ip + " " + pr + " " + port);
        }
      }
      IpAddr a = Addrs.parse(ip);
      servers.add(new VirtualServer(proto, a, port, persistence, external));
      if (!isNodeAddress(a)) {
        bound.add(a);
      }
    }
    int nodePort = sp.port().nodePort();
    if (nodePort != 0) {
      switch (proto) {
        case TCP -> {
          entries.get(Set.NODE_PORT_TCP).add(Integer.toString(nodePort));
          if (local) {
            entries.get(Set.NODE_PORT_LOCAL_TCP).add(Integer.toString(nodePort));
          }
        }
        case UDP -> {
          entries.get(Set.NODE_PORT_UDP).add(Integer.toString(nodePort));
          if (local) {
            entries.get(Set.NODE_PORT_LOCAL_UDP).add(Integer.toString(nodePort));
          }
        }
        case SCTP -> {
          for (IpAddr ip : nodePortIPs()) {
            String e = Addrs.format(ip) + ",sctp:" + nodePort;
            entries.get(Set.NODE_PORT_SCTP).add(e);
            if (local) {
              entries.get(Set.NODE_PORT_LOCAL_SCTP).add(e);
            }
          }
        }
        default -> throw new AssertionError(proto);
      }
      for (IpAddr ip : nodePortIPs()) {
        servers.add(new VirtualServer(proto, ip, nodePort, persistence, external));
      }
    }
    if (sp.svc().healthCheckNodePort() != 0) {
      entries.get(Set.HEALTH_CHECK_NODE_PORT).add(Integer.toString(
          sp.svc().healthCheckNodePort()));
    }
  }

  /**
   * The addresses NodePort virtual servers listen on: with nodePortAddresses unset every node
   * address (never loopback, never kube-ipvs0's), else those within the configured CIDRs.
   */
  private List<IpAddr> nodePortIPs() {
    TreeSet<IpAddr> out = new TreeSet<>();
    for (Addrs.Net c : node.nodeIPs()) {
      IpAddr ip = c.addr();
      if (node.nodePortsEverywhere()
          || node.nodePortAddresses().stream().anyMatch(n -> n.contains(ip))) {
        out.add(ip);
      }
    }
    return new ArrayList<>(out);
  }

  private boolean empty(Set s) {
    return entries.get(s).isEmpty();
  }

  private String set(Set s) {
    return setName(s, node.family());
  }

  private void iptables(RestoreText filter, RestoreText nat) {
    for (String c : List.of("KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-NODE-PORT",
        "KUBE-LOAD-BALANCER", "KUBE-MARK-MASQ")) {
      nat.chain(c);
    }
    for (String c : List.of("KUBE-FORWARD", "KUBE-NODE-PORT", "KUBE-PROXY-FIREWALL",
        "KUBE-SOURCE-RANGES-FIREWALL", "KUBE-IPVS-FILTER", "KUBE-IPVS-OUT-FILTER")) {
      filter.chain(c);
    }
    nat.rule("KUBE-SERVICES", "-s", node.loopback(), "-j", "RETURN");
    record Jump(Set set, RestoreText table, String from, String to, String dirs, String proto) {}
    List<Jump> jumps = List.of(
        new Jump(Set.LOOP_BACK, nat, "KUBE-POSTROUTING", "MASQUERADE", "dst,dst,src", null),
        new Jump(Set.LOAD_BALANCER, nat, "KUBE-SERVICES", "KUBE-LOAD-BALANCER", "dst,dst", null),
        new Jump(Set.LOAD_BALANCER_LOCAL, nat, "KUBE-LOAD-BALANCER", "RETURN", "dst,dst", null),
        new Jump(Set.NODE_PORT_LOCAL_TCP, nat, "KUBE-NODE-PORT", "RETURN", "dst", "tcp"),
        new Jump(Set.NODE_PORT_TCP, nat, "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst", "tcp"),
        new Jump(Set.NODE_PORT_LOCAL_UDP, nat, "KUBE-NODE-PORT", "RETURN", "dst", "udp"),
        new Jump(Set.NODE_PORT_UDP, nat, "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst", "udp"),
        new Jump(Set.NODE_PORT_LOCAL_SCTP, nat, "KUBE-NODE-PORT", "RETURN", "dst,dst", "sctp"),
        new Jump(Set.NODE_PORT_SCTP, nat, "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst,dst", "sctp"),
        new Jump(Set.LOAD_BALANCER_FW, filter, "KUBE-PROXY-FIREWALL",
            "KUBE-SOURCE-RANGES-FIREWALL", "dst,dst", null),
        new Jump(Set.LOAD_BALANCER_SOURCE_CIDR, filter, "KUBE-SOURCE-RANGES-FIREWALL", "RETURN",
            "dst,dst,src", null),
        new Jump(Set.LOAD_BALANCER_SOURCE_IP, filter, "KUBE-SOURCE-RANGES-FIREWALL", "RETURN",
            "dst,dst,src", null));
    for (Jump j : jumps) {
      if (!empty(j.set())) {
        List<String> r = new ArrayList<>();
        if (j.proto() != null) {
          r.addAll(List.of("-p", j.proto()));
        }
        r.addAll(List.of("-m", "comment", "--comment", quoted(j.set().comment), "-m", "set",
            "--match-set", set(j.set()), j.dirs(), "-j", j.to()));
        j.table().rule(j.from(), r);
      }
    }
    if (!empty(Set.CLUSTER_IP)) {
      List<String> r = new ArrayList<>(List.of("-m", "comment", "--comment",
          quoted(Set.CLUSTER_IP.comment), "-m", "set", "--match-set", set(Set.CLUSTER_IP)));
      if (node.masqueradeAll()) {
        r.add("dst,dst");
      } else if (node.detector() != null) {
        r.add("dst,dst");
        r.addAll(node.detector().ifNotLocal());
      } else {
        r.add("src,dst");
      }
      r.addAll(List.of("-j", "KUBE-MARK-MASQ"));
      nat.rule("KUBE-SERVICES", r);
    }
    for (Set s : List.of(Set.EXTERNAL_IP, Set.EXTERNAL_IP_LOCAL)) {
      if (empty(s)) {
        continue;
      }
      List<String> args = List.of("-m", "comment", "--comment", quoted(s.comment), "-m", "set",
          "--match-set", set(s), "dst,dst");
      if (s == Set.EXTERNAL_IP) {
        List<String> r = new ArrayList<>(args);
        r.addAll(List.of("-j", "KUBE-MARK-MASQ"));
        nat.rule("KUBE-SERVICES", r);
      }
      List<String> offMachine = new ArrayList<>(args);
      offMachine.addAll(List.of("-m", "physdev", "!", "--physdev-is-in", "-m", "addrtype", "!",
          "--src-type", "LOCAL", "-j", "ACCEPT"));
      nat.rule("KUBE-SERVICES", offMachine);
      List<String> dstLocal = new ArrayList<>(args);
      dstLocal.addAll(List.of("-m", "addrtype", "--dst-type", "LOCAL", "-j", "ACCEPT"));
      nat.rule("KUBE-SERVICES", dstLocal);
    }
    nat.rule("KUBE-SERVICES", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "KUBE-NODE-PORT");
    nat.rule("KUBE-LOAD-BALANCER", "-j", "KUBE-MARK-MASQ");
    filter.rule("KUBE-SOURCE-RANGES-FIREWALL", "-j", "DROP");
    for (String e : noNodeAccess) {
      String[] w = e.split(" ");
      filter.rule("KUBE-IPVS-OUT-FILTER", "-s", w[0], "-m", "ipvs", "--vaddr", w[0], "--vproto",
          w[1], "--vport", w[2], "-j", "DROP");
    }
    for (Set s : List.of(Set.CLUSTER_IP, Set.LOAD_BALANCER)) {
      if (!empty(s)) {
        nat.rule("KUBE-SERVICES", "-m", "set", "--match-set", set(s), "dst,dst", "-j",
            "ACCEPT");
      }
    }
    String mark = node.mark();
    filter.rule("KUBE-FORWARD", "-m", "comment", "--comment", "\"kubernetes forwarding rules\"",
        "-m", "mark", "--mark", mark + "/" + mark, "-j", "ACCEPT");
    filter.rule("KUBE-FORWARD", "-m", "comment", "--comment", "\"kubernetes forwarding"
        + " conntrack rule\"", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j",
        "ACCEPT");
    filter.rule("KUBE-NODE-PORT", "-m", "comment", "--comment",
        quoted(Set.HEALTH_CHECK_NODE_PORT.comment), "-m", "set", "--match-set",
        set(Set.HEALTH_CHECK_NODE_PORT), "dst", "-j", "ACCEPT");
    for (Set s : List.of(Set.LOAD_BALANCER, Set.CLUSTER_IP, Set.EXTERNAL_IP,
        Set.EXTERNAL_IP_LOCAL)) {
      filter.rule("KUBE-IPVS-FILTER", "-m", "set", "--match-set", set(s), "dst,dst", "-j",
          "RETURN");
    }
    filter.rule("KUBE-IPVS-FILTER", "-m", "set", "--match-set",
        set(Set.HEALTH_CHECK_NODE_PORT), "dst", "-j", "RETURN");
    filter.rule("KUBE-IPVS-FILTER", "-m", "conntrack", "--ctstate", "NEW", "-m", "set",
        "--match-set", set(Set.IPVS_IPS), "dst", "-j", "REJECT");
    nat.rule("KUBE-POSTROUTING", "-m", "mark", "!", "--mark", mark + "/" + mark, "-j",
        "RETURN");
    nat.rule("KUBE-POSTROUTING", "-j", "MARK", "--xor-mark", mark);
    List<String> masq = new ArrayList<>(List.of("-m", "comment", "--comment",
        "\"kubernetes service traffic requiring SNAT\"", "-j", "MASQUERADE"));
    if (node.randomFully()) {
      masq.add("--random-fully");
    }
    nat.rule("KUBE-POSTROUTING", masq);
    nat.rule("KUBE-MARK-MASQ", "-j", "MARK", "--or-mark", mark);
  }

  private static String quoted(String comment) {
    return "\"" + comment + "\"";
  }

  private String ipsets() {
    StringBuilder sb = new StringBuilder("# ipset restore script generated by policyc kube for"
        + " node " + node.nodeName() + " (kube-proxy IPVS mode)\n");
    String family = node.ipv6() ? "inet6" : "inet";
    for (Set s : Set.values()) {
      sb.append("create ").append(set(s)).append(' ').append(s.type);
      if (s.type.startsWith("bitmap")) {
        sb.append(" range 0-65535");
      } else {
        sb.append(" family ").append(family).append(" hashsize 1024 maxelem 65536");
      }
      sb.append(" -exist\n");
    }
    for (Set s : Set.values()) {
      for (String e : sorted(s)) {
        sb.append("add ").append(set(s)).append(' ').append(e).append(" -exist\n");
      }
    }
    return sb.toString();
  }

  /** Entries in a stable order: bitmap ports by number, others as text (sets have no order). */
  private List<String> sorted(Set s) {
    List<String> out = new ArrayList<>(entries.get(s));
    if (s.type.startsWith("bitmap")) {
      out.sort((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
    }
    return out;
  }

  private String interfaces() {
    StringBuilder sb = new StringBuilder("#!/bin/sh\n# kube-ipvs0 addresses generated by policyc"
        + " kube for node " + node.nodeName() + " (kube-proxy IPVS mode).\n"
        + "# kube-proxy creates the dummy link and never sets it up.\nset -e\n"
        + "ip link show " + DUMMY + " >/dev/null 2>&1 || ip link add " + DUMMY
        + " type dummy\n");
    for (IpAddr a : bound) {
      // netlink.NewIPNet: a host prefix, /32 or /128
      sb.append("ip addr replace ").append(Addrs.format(a)).append('/')
          .append(IpAddr.bits(a.family())).append(" dev ").append(DUMMY).append('\n');
    }
    return sb.toString();
  }

  /**
   * ipvs.rules: the virtual servers in the form {@code ipvsadm -S -n} prints, written by the
   * emitter of the policy's own {@code ipvs:} section (so in ipvsadm's order); one virtual
   * server per protocol, address and port, however many Services name it (the first wins).
   */
  private String ipvs() {
    Scheduler scheduler = Scheduler.of(node.scheduler()).orElseThrow();
    List<VirtualService> out = new ArrayList<>();
    HashSet<String> seen = new HashSet<>();
    // The virtual servers of one service port mostly share one list of endpoints: its real
    // servers are made once.
    Map<List<Ep>, List<RealServer>> made = new IdentityHashMap<>();
    for (VirtualServer v : servers) {
      if (!seen.add(v.protocol() + " " + v.address() + ":" + v.port())) {
        continue;
      }
      List<RealServer> reals = made.computeIfAbsent(v.reals(), eps -> {
        List<RealServer> rs = new ArrayList<>(eps.size());
        for (Ep r : eps) {
          rs.add(new RealServer(IpAddr.parse(r.ip()), r.port(), 1, ForwardMethod.MASQ, 0, 0));
        }
        return rs;
      });
      // kube-proxy's netmask: 0xffffffff for IPv4, 128 for IPv6 (the whole client address).
      Family f = v.address().family();
      out.add(new VirtualService(protocol(v.protocol()), v.address(), v.port(), 0, f,
          scheduler, 0, v.persistence() > 0 ? new Persistence(v.persistence(), IpAddr.bits(f))
              : null, false, reals, null));
    }
    return IpvsadmEmitter.emit(new IpvsConfig(out));
  }

  private static IpvsProtocol protocol(Protocol p) {
    return switch (p) {
      case TCP -> IpvsProtocol.TCP;
      case UDP -> IpvsProtocol.UDP;
      case SCTP -> IpvsProtocol.SCTP;
    };
  }
}
