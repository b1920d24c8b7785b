package dev.policyc.compiler.kube;

import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.kube.Yaml.YMap;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.List;

/**
 * The facts of the node kube-proxy runs on that its output depends on, in the format of {@code
 * kube-node.example.yaml} (docs/kube.md lists every field and its default).
 *
 * @param detector the local-traffic detector's match for "from a pod" ({@code -s CIDR}, {@code
 *     -i PREFIX+}) and its negation, or null when there is none
 */
record NodeFacts(String nodeName, long nodeIP, List<Ipv4.Cidr> nodeIPs, Detector detector,
    String mark, boolean masqueradeAll, List<Ipv4.Cidr> nodePortAddresses,
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
    return new NodeFacts("test-node", Ipv4.parse("192.168.0.2"),
        List.of(Ipv4.cidr("192.168.0.2/24"), Ipv4.cidr("192.168.1.2/24"),
            Ipv4.cidr("192.168.99.11/24")),
        new Detector(List.of("-s", "10.0.0.0/8"), List.of("!", "-s", "10.0.0.0/8")), "0x4000",
        false, List.of(), true, true, true, false, false, 1000, 1, 65535, "rr");
  }

  /** NodePorts are open on every local address (nodePortAddresses unset). */
  boolean nodePortsEverywhere() {
    return nodePortAddresses.isEmpty();
  }

  /** kube-proxy keeps localhost NodePorts only when nodePortAddresses includes 127.0.0.1. */
  boolean localhostNodePortsOn() {
    if (!localhostNodePorts) {
      return false;
    }
    long lo = Ipv4.parse("127.0.0.1");
    return nodePortAddresses.isEmpty()
        || nodePortAddresses.stream().anyMatch(c -> c.contains(lo));
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
          docs.isEmpty() ? new dev.policyc.dsl.SourcePos(file, 1, 1) : docs.get(0).pos()));
      return null;
    }
    Fields f = new Fields(problems, Code.PC8109, Code.PC8109);
    String name = f.required(m, "nodeName", "nodeName", m.pos());
    String family = f.string(m, "ipFamily", "ipFamily");
    if (family != null && !family.equals("IPv4")) {
      f.bad("ipFamily " + family + " is not supported yet: policyc kube compiles the IPv4"
          + " proxier", Fields.at(m, "ipFamily"));
    }
    String nodeIPText = f.required(m, "nodeIP", "nodeIP", m.pos());
    long nodeIP = nodeIPText == null ? 0 : Ipv4.parse(nodeIPText);
    if (nodeIPText != null && nodeIP < 0) {
      f.error(Code.PC8105, "nodeIP '" + nodeIPText + "' is not an IPv4 address",
          Fields.at(m, "nodeIP"));
    }
    List<Ipv4.Cidr> nodeIPs = cidrs(f, m, "nodeIPs");
    Detector detector = detector(f, f.map(m, "localDetector", "localDetector"));
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
    NodeFacts facts = new NodeFacts(name, nodeIP, nodeIPs, detector, mark,
        f.bool(m, "masqueradeAll", "masqueradeAll", false), cidrs(f, m, "nodePortAddresses"),
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

  private static List<Ipv4.Cidr> cidrs(Fields f, YMap m, String key) {
    List<Ipv4.Cidr> out = new ArrayList<>();
    List<Yaml> items = f.seq(m, key, key);
    List<String> texts = f.strings(m, key, key);
    for (int i = 0; i < texts.size() && i < items.size(); i++) {
      Ipv4.Cidr c = Ipv4.cidr(texts.get(i));
      if (c == null) {
        f.error(Code.PC8105, "'" + texts.get(i) + "' in " + key + " is not an IPv4 address or"
            + " CIDR", items.get(i).pos());
      } else {
        out.add(c);
      }
    }
    return out;
  }

  private static Detector detector(Fields f, YMap d) {
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
        if (Ipv4.cidr(cidr) == null) {
          f.error(Code.PC8105, "'" + cidr + "' is not an IPv4 CIDR", Fields.at(d, key));
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
