package dev.policyc.compiler.kube;

import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.kube.Yaml.YMap;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.List;

/**
 * The facts of the node kube-proxy runs on that its output depends on, in the format of {@code
 * kube-node.example.yaml} (docs/kube.md lists every field and its default). One proxier, so one
 * family: every address is of {@code family}, except nodePortAddresses, which kube-proxy shares
 * between its two proxiers and each filters to its own family.
 *
 * @param nodeIPs the node's addresses of the family, host bits as on the interface
 * @param nodePortAddresses the prefixes of --nodeport-addresses of the family; empty when unset,
 *     when none is of the family, or when one is the zero prefix (kube-proxy's MatchAll)
 * @param detector the local-traffic detector's match for "from a pod" ({@code -s CIDR}, {@code
 *     -i PREFIX+}) and its negation, or null when there is none
 */
record NodeFacts(String nodeName, Family family, IpAddr nodeIP, List<Addrs.Net> nodeIPs,
    Detector detector, String mark, boolean masqueradeAll, List<Addrs.Net> nodePortAddresses,
    boolean localhostNodePorts, boolean nfacctInvalid, boolean nfacctLocalhost,
    boolean tcpLiberal, boolean randomFully, int largeClusterThreshold, int nodePortMin,
    int nodePortMax, String scheduler) {
  NodeFacts {
    nodeIPs = List.copyOf(nodeIPs);
    nodePortAddresses = List.copyOf(nodePortAddresses);
  }

  /** A local-traffic detector: the words of "is local" and of "is not local". */
  record Detector(List<String> ifLocal, List<String> ifNotLocal) {}

  /** The facts of kube-proxy's unit-test fake proxier (kube-node.example.yaml). */
  static NodeFacts example() {
    return new NodeFacts("test-node", Family.IPV4, Addrs.parse("192.168.0.2"),
        List.of(Addrs.net("192.168.0.2/24", true), Addrs.net("192.168.1.2/24", true),
            Addrs.net("192.168.99.11/24", true)),
        new Detector(List.of("-s", "10.0.0.0/8"), List.of("!", "-s", "10.0.0.0/8")), "0x4000",
        false, List.of(), true, true, true, false, false, 1000, 1, 65535, "rr");
  }

  boolean ipv6() {
    return family == Family.IPV6;
  }

  /** NodePorts are open on every local address (nodePortAddresses unset). */
  boolean nodePortsEverywhere() {
    return nodePortAddresses.isEmpty();
  }

  /**
   * kube-proxy keeps localhost NodePorts only in its IPv4 proxier (route_localnet is IPv4's),
   * and only when nodePortAddresses includes 127.0.0.1.
   */
  boolean localhostNodePortsOn() {
    if (!localhostNodePorts || ipv6()) {
      return false;
    }
    IpAddr lo = IpAddr.v4(Ipv4.parse("127.0.0.1"));
    return nodePortAddresses.isEmpty()
        || nodePortAddresses.stream().anyMatch(c -> c.contains(lo));
  }

  /** The loopback prefix of the family, as kube-proxy writes it. */
  String loopback() {
    return ipv6() ? "::1/128" : "127.0.0.0/8";
  }

  /** Reads a node facts file; null, with the problems added, when it has errors. */
  static NodeFacts read(String file, String text, List<Diagnostic> problems) {
    int before = problems.size();
    List<Yaml> docs = Yaml.read(file, text, problems);
    if (problems.size() > before) {
      return null;
    }
    if (docs.size() != 1 || !(docs.get(0) instanceof YMap m)) {
      problems.add(new Diagnostic(Code.PC8109, "the node facts must be one YAML mapping",
          docs.isEmpty() ? new SourcePos(file, 1, 1) : docs.get(0).pos()));
      return null;
    }
    Fields f = new Fields(problems, Code.PC8109, Code.PC8109);
    String name = f.required(m, "nodeName", "nodeName", m.pos());
    String familyWord = f.string(m, "ipFamily", "ipFamily");
    Family family = Family.IPV4;
    if ("IPv6".equals(familyWord)) {
      family = Family.IPV6;
    } else if (familyWord != null && !familyWord.equals("IPv4")) {
      f.bad("ipFamily must be IPv4 or IPv6, not '" + familyWord + "'", Fields.at(m, "ipFamily"));
    }
    String nodeIPText = f.required(m, "nodeIP", "nodeIP", m.pos());
    IpAddr nodeIP = nodeIPText == null ? null : Addrs.parse(nodeIPText);
    if (nodeIPText != null && nodeIP == null) {
      f.error(Code.PC8105, "nodeIP '" + nodeIPText + "' is not an " + Addrs.word(family)
          + " address", Fields.at(m, "nodeIP"));
    } else if (nodeIP != null && nodeIP.family() != family) {
      wrongFamily(f, "nodeIP '" + nodeIPText + "'", family, Fields.at(m, "nodeIP"));
    }
    List<Addrs.Net> nodeIPs = cidrs(f, m, "nodeIPs", family, false);
    Detector detector = detector(f, f.map(m, "localDetector", "localDetector"), family);
    int bit = f.integer(m, "masqueradeBit", "masqueradeBit", 14);
    if (bit < 0 || bit > 31) {
      f.bad("masqueradeBit must be within 0..31", Fields.at(m, "masqueradeBit"));
    }
    String mark = f.string(m, "masqueradeMark", "masqueradeMark");
    if (mark == null) {
      // kube-proxy's fmt.Sprintf("%#08x", 1<<bit): Go pads the digits, not the "0x", to 8
      mark = String.format("0x%08x", 1L << bit);
    }
    YMap nfacct = f.map(m, "nfacctCounters", "nfacctCounters");
    String range = f.string(m, "nodePortRange", "nodePortRange");
    int lo = 1;
    int hi = 65535;
    if (range != null) {
      String[] r = range.split("-", -1);
      try {
        lo = Integer.parseInt(r[0].strip());
        hi = Integer.parseInt(r[r.length - 1].strip());
      } catch (NumberFormatException e) {
        lo = -1;
      }
      if (r.length != 2 || lo < 1 || hi > 65535 || lo > hi) {
        f.bad("nodePortRange must be FIRST-LAST within 1-65535, not '" + range + "'",
            Fields.at(m, "nodePortRange"));
        lo = 1;
        hi = 65535;
      }
    }
    String scheduler = f.string(m, "ipvsScheduler", "ipvsScheduler");
    if (scheduler != null && Scheduler.of(scheduler).isEmpty()) {
      f.bad("ipvsScheduler must be a scheduler of the kernel's IPVS (rr, wrr, lc, wlc, lblc,"
          + " lblcr, dh, sh, sed, nq, fo, ovf, mh, twos), not '" + scheduler + "'",
          Fields.at(m, "ipvsScheduler"));
    }
    String syncMode = f.string(m, "syncMode", "syncMode");
    if (syncMode != null && !syncMode.equals("full")) {
      f.bad("syncMode must be full: policyc writes what a full sync writes",
          Fields.at(m, "syncMode"));
    }
    List<Addrs.Net> nodePortAddresses = cidrs(f, m, "nodePortAddresses", family, true);
    if (nodePortAddresses.stream().anyMatch(c -> c.length() == 0)) {
      nodePortAddresses = List.of(); // a zero prefix matches all, as unset does
    }
    NodeFacts facts = new NodeFacts(name, family, nodeIP, nodeIPs, detector, mark,
        f.bool(m, "masqueradeAll", "masqueradeAll", false), nodePortAddresses,
        f.bool(m, "localhostNodePorts", "localhostNodePorts", true),
        f.bool(nfacct, "ct_state_invalid_dropped_pkts", "nfacctCounters."
            + "ct_state_invalid_dropped_pkts", false),
        f.bool(nfacct, "localhost_nps_accepted_pkts", "nfacctCounters."
            + "localhost_nps_accepted_pkts", false),
        f.bool(m, "conntrackTCPLiberal", "conntrackTCPLiberal", false),
        f.bool(m, "iptablesRandomFully", "iptablesRandomFully", false),
        f.integer(m, "largeClusterEndpointsThreshold", "largeClusterEndpointsThreshold", 1000),
        lo, hi, scheduler == null ? "rr" : scheduler);
    return problems.size() > before ? null : facts;
  }

  /**
   * The prefixes (or bare addresses) at {@code key}; with {@code filter}, those of the other
   * family are left out, as kube-proxy filters --nodeport-addresses; without, they are errors.
   */
  private static List<Addrs.Net> cidrs(Fields f, YMap m, String key, Family family,
      boolean filter) {
    List<Addrs.Net> out = new ArrayList<>();
    List<Yaml> items = f.seq(m, key, key);
    List<String> texts = f.strings(m, key, key);
    for (int i = 0; i < texts.size() && i < items.size(); i++) {
      Addrs.Net c = Addrs.net(texts.get(i), true);
      if (c == null) {
        f.error(Code.PC8105, "'" + texts.get(i) + "' in " + key + " is not an address or CIDR",
            items.get(i).pos());
      } else if (c.family() == family) {
        out.add(c);
      } else if (!filter) {
        wrongFamily(f, "'" + texts.get(i) + "' in " + key, family, items.get(i).pos());
      }
    }
    return out;
  }

  private static void wrongFamily(Fields f, String what, Family family, SourcePos pos) {
    f.error(Code.PC8109, what + " is not an " + Addrs.word(family) + " address: the facts are"
        + " of the " + Addrs.word(family) + " proxier (ipFamily: " + Addrs.word(family) + ")",
        pos);
  }

  private static Detector detector(Fields f, YMap d, Family family) {
    if (d == null) {
      return null;
    }
    String mode = f.string(d, "mode", "localDetector.mode");
    if (mode == null || mode.equals("None") || mode.isEmpty()) {
      return null;
    }
    switch (mode) {
      case "ClusterCIDR", "NodeCIDR" -> {
        String key = mode.equals("ClusterCIDR") ? "clusterCIDR" : "podCIDR";
        String cidr = f.required(d, key, "localDetector." + key, d.pos());
        if (cidr == null) {
          return null;
        }
        Addrs.Net net = Addrs.net(cidr, false);
        if (net == null) {
          f.error(Code.PC8105, "'" + cidr + "' is not a CIDR", Fields.at(d, key));
          return null;
        }
        if (net.family() != family) {
          wrongFamily(f, "localDetector." + key + " '" + cidr + "'", family, Fields.at(d, key));
          return null;
        }
        return new Detector(List.of("-s", cidr), List.of("!", "-s", cidr));
      }
      case "InterfaceNamePrefix", "BridgeInterface" -> {
        String key = mode.equals("BridgeInterface") ? "bridgeInterface" : "interfaceNamePrefix";
        String name = f.required(d, key, "localDetector." + key, d.pos());
        if (name == null) {
          return null;
        }
        String iface = mode.equals("BridgeInterface") ? name : name + "+";
        return new Detector(List.of("-i", iface), List.of("!", "-i", iface));
      }
      default -> {
        f.bad("localDetector.mode must be ClusterCIDR, NodeCIDR, InterfaceNamePrefix,"
            + " BridgeInterface or None, not '" + mode + "'", Fields.at(d, "mode"));
        return null;
      }
    }
  }
}
