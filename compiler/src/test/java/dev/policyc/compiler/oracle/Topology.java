package dev.policyc.compiler.oracle;

import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.testing.Netns;
import dev.policyc.dsl.Family;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The oracle's test network: a firewall namespace between a client and a server namespace, all
 * created by the test and removed by {@link #close()} even when a test fails.
 *
 * <pre>
 *   client (c0) ---- eth0 [firewall] eth1 ---- (s0) server
 *   192.0.2.2/30      192.0.2.1/30   198.51.100.1/30  198.51.100.2/30
 *   2001:db8:c::2/126 2001:db8:c::1  2001:db8:e::1    2001:db8:e::2/126
 *   firewall default routes: via 198.51.100.2 and 2001:db8:e::2 (the server side)
 * </pre>
 *
 * The firewall forwards, with rp_filter off. Static neighbour entries cover every address the
 * firewall can send to, so no ARP or neighbour discovery runs. IPv6 link-local addresses, DAD and
 * router solicitation are off. The client and server drop every packet their own kernels would
 * send (the agents send through packet sockets, which bypass netfilter), and the firewall runs an
 * nftables table {@code inet oracle} beside the policy's iptables tables: an output chain at
 * priority -500, before iptables' raw table, that lets the agent's probes through and counts and
 * drops everything the firewall's kernel generates itself (answers such as RSTs and ICMP errors,
 * which would otherwise run through the policy's OUTPUT chains and its counters), and an input
 * chain at priority 500, after every iptables table, that counts packets delivered locally.
 */
final class Topology implements AutoCloseable {
  static final String FW_ETH0_V4 = "192.0.2.1";
  static final String CL_V4 = "192.0.2.2";
  static final String FW_ETH1_V4 = "198.51.100.1";
  static final String SV_V4 = "198.51.100.2";
  static final String FW_ETH0_V6 = "2001:db8:c::1";
  static final String CL_V6 = "2001:db8:c::2";
  static final String FW_ETH1_V6 = "2001:db8:e::1";
  static final String SV_V6 = "2001:db8:e::2";

  final Netns fw;
  final Netns cl;
  final Netns sv;
  final Agent clAgent;
  final Agent svAgent;
  final Agent fwAgent;
  private final Path script;

  private Topology(Netns fw, Netns cl, Netns sv, Path script, Agent clAgent, Agent svAgent,
      Agent fwAgent) {
    this.fw = fw;
    this.cl = cl;
    this.sv = sv;
    this.script = script;
    this.clAgent = clAgent;
    this.svAgent = svAgent;
    this.fwAgent = fwAgent;
  }

  /** The host model the interpreter uses for the firewall namespace. */
  static HostModel hostModel() {
    return new HostModel(true,
        List.of(
            new HostModel.Iface("eth0", List.of(
                new HostModel.IfAddr(IpAddr.parse(FW_ETH0_V4), 30),
                new HostModel.IfAddr(IpAddr.parse(FW_ETH0_V6), 126))),
            new HostModel.Iface("eth1", List.of(
                new HostModel.IfAddr(IpAddr.parse(FW_ETH1_V4), 30),
                new HostModel.IfAddr(IpAddr.parse(FW_ETH1_V6), 126)))),
        List.of(
            new HostModel.Route(IpRange.all(Family.IPV4), IpAddr.parse(SV_V4), "eth1"),
            new HostModel.Route(IpRange.all(Family.IPV6), IpAddr.parse(SV_V6), "eth1")));
  }

  static Topology create() throws IOException {
    Netns fw = null;
    Netns cl = null;
    Netns sv = null;
    Path script = null;
    try {
      fw = Netns.create("fw");
      cl = Netns.create("cl");
      sv = Netns.create("sv");
      for (Netns ns : List.of(fw, cl, sv)) {
        quietIpv6(ns);
      }
      Netns.exec(List.of("ip", "link", "add", "eth0", "netns", fw.name(), "type", "veth", "peer",
          "name", "c0", "netns", cl.name()), false);
      Netns.exec(List.of("ip", "link", "add", "eth1", "netns", fw.name(), "type", "veth", "peer",
          "name", "s0", "netns", sv.name()), false);
      fw.run("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
          "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
          "net.ipv4.conf.eth0.rp_filter=0", "net.ipv4.conf.eth1.rp_filter=0",
          // answers are counted by the guard; rate limits would make them come and go
          "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
          "net.ipv4.icmp_msgs_per_sec=1000000", "net.ipv4.icmp_msgs_burst=1000000");
      addr(fw, "eth0", FW_ETH0_V4 + "/30", FW_ETH0_V6 + "/126");
      addr(fw, "eth1", FW_ETH1_V4 + "/30", FW_ETH1_V6 + "/126");
      addr(cl, "c0", CL_V4 + "/30", CL_V6 + "/126");
      addr(sv, "s0", SV_V4 + "/30", SV_V6 + "/126");
      fw.run("ip", "route", "add", "default", "via", SV_V4, "dev", "eth1");
      fw.run("ip", "-6", "route", "add", "default", "via", SV_V6, "dev", "eth1");
      String clMac = mac(cl, "c0");
      String svMac = mac(sv, "s0");
      for (String a : List.of("192.0.2.0", CL_V4, "2001:db8:c::2", "2001:db8:c::3")) {
        fw.run("ip", "neigh", "replace", a, "lladdr", clMac, "dev", "eth0", "nud", "permanent");
      }
      for (String a : List.of("198.51.100.0", SV_V4, "2001:db8:e::2", "2001:db8:e::3")) {
        fw.run("ip", "neigh", "replace", a, "lladdr", svMac, "dev", "eth1", "nud", "permanent");
      }
      for (Netns peer : List.of(cl, sv)) {
        nft(peer, "table inet quiet {\n  chain out {\n    type filter hook output priority 0;"
            + " policy drop;\n  }\n}\n");
      }
      nft(fw, ORACLE_TABLE);
      script = Files.createTempFile("policyc-agent", ".py");
      try (InputStream in = Topology.class.getResourceAsStream("/oracle/agent.py")) {
        Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
      }
      Agent clA = new Agent("client", cl.name(), script, "c0", mac(fw, "eth0"));
      Agent svA = new Agent("server", sv.name(), script, "s0", mac(fw, "eth1"));
      Agent fwA = new Agent("firewall", fw.name(), script, null, null);
      return new Topology(fw, cl, sv, script, clA, svA, fwA);
    } catch (IOException | RuntimeException e) {
      for (Netns ns : new Netns[] {fw, cl, sv}) {
        if (ns != null) {
          ns.close();
        }
      }
      if (script != null) {
        Files.deleteIfExists(script);
      }
      throw e;
    }
  }

  /** No link-local addresses, DAD or router solicitations: the links stay silent. */
  private static void quietIpv6(Netns ns) throws IOException {
    for (String scope : List.of("all", "default")) {
      ns.run("sysctl", "-qw", "net.ipv6.conf." + scope + ".accept_dad=0",
          "net.ipv6.conf." + scope + ".dad_transmits=0",
          "net.ipv6.conf." + scope + ".router_solicitations=0",
          "net.ipv6.conf." + scope + ".accept_ra=0",
          "net.ipv6.conf." + scope + ".addr_gen_mode=1");
    }
  }

  private static void addr(Netns ns, String dev, String v4, String v6) throws IOException {
    ns.run("ip", "addr", "add", v4, "dev", dev);
    ns.run("ip", "-6", "addr", "add", v6, "dev", dev, "nodad");
    ns.run("ip", "link", "set", dev, "up");
  }

  private static String mac(Netns ns, String dev) throws IOException {
    return ns.run("cat", "/sys/class/net/" + dev + "/address").strip();
  }

  static void nft(Netns ns, String script) throws IOException {
    Path f = Files.createTempFile("policyc-nft", ".nft");
    try {
      Files.writeString(f, script);
      ns.run("nft", "-f", f.toString());
    } finally {
      Files.deleteIfExists(f);
    }
  }

  /** The answers the firewall's kernel may generate, each counted and dropped by the guard. */
  static final List<String[]> ANSWERS = List.of(
      new String[] {"tcp-reset", "meta l4proto tcp tcp flags & rst == rst"},
      new String[] {"icmp-net-unreachable", "icmp type destination-unreachable icmp code 0"},
      new String[] {"icmp-host-unreachable", "icmp type destination-unreachable icmp code 1"},
      new String[] {"icmp-proto-unreachable", "icmp type destination-unreachable icmp code 2"},
      new String[] {"icmp-port-unreachable", "icmp type destination-unreachable icmp code 3"},
      new String[] {"icmp-net-prohibited", "icmp type destination-unreachable icmp code 9"},
      new String[] {"icmp-host-prohibited", "icmp type destination-unreachable icmp code 10"},
      new String[] {"icmp-admin-prohibited", "icmp type destination-unreachable icmp code 13"},
      new String[] {"icmp-time-exceeded", "icmp type time-exceeded"},
      new String[] {"icmp6-no-route", "icmpv6 type destination-unreachable icmpv6 code 0"},
      new String[] {"icmp6-adm-prohibited", "icmpv6 type destination-unreachable icmpv6 code 1"},
      new String[] {"icmp6-addr-unreachable", "icmpv6 type destination-unreachable icmpv6 code 3"},
      new String[] {"icmp6-port-unreachable", "icmpv6 type destination-unreachable icmpv6 code 4"},
      new String[] {"icmp6-policy-fail", "icmpv6 type destination-unreachable icmpv6 code 5"},
      new String[] {"icmp6-reject-route", "icmpv6 type destination-unreachable icmpv6 code 6"},
      new String[] {"icmp6-time-exceeded", "icmpv6 type time-exceeded"});

  static final String ORACLE_TABLE;

  static {
    StringBuilder sb = new StringBuilder();
    sb.append("table inet oracle {\n");
    sb.append("  chain guard {\n");
    sb.append("    type filter hook output priority -500; policy accept;\n");
    sb.append("    meta skuid 0 counter accept comment \"probe\"\n");
    for (String[] a : ANSWERS) {
      sb.append("    ").append(a[1]).append(" counter drop comment \"").append(a[0])
          .append("\"\n");
    }
    sb.append("    counter drop comment \"other\"\n");
    sb.append("  }\n");
    sb.append("  chain delivered {\n");
    sb.append("    type filter hook input priority 500; policy accept;\n");
    sb.append("    counter comment \"delivered\"\n");
    sb.append("  }\n");
    sb.append("}\n");
    ORACLE_TABLE = sb.toString();
  }

  /**
   * Lets the firewall's TCP resets out (still counted) instead of dropping them, so that a test
   * can see them at the client. They then run through the policy's OUTPUT chains too.
   */
  void letResetsOut(boolean out) throws IOException {
    String rule = "meta l4proto tcp tcp flags & rst == rst counter " + (out ? "accept" : "drop")
        + " comment \"tcp-reset\"";
    String handles = fw.run("nft", "-a", "list", "chain", "inet", "oracle", "guard");
    for (String line : handles.split("\n")) {
      if (line.contains("comment \"tcp-reset\"")) {
        String handle = line.substring(line.lastIndexOf("handle ") + 7).trim();
        fw.run("nft", "replace", "rule", "inet", "oracle", "guard", "handle", handle, rule);
      }
    }
  }

  @Override
  public void close() throws IOException {
    for (Agent a : new Agent[] {clAgent, svAgent, fwAgent}) {
      if (a != null) {
        a.close();
      }
    }
    for (Netns ns : new Netns[] {fw, cl, sv}) {
      ns.close();
    }
    Files.deleteIfExists(script);
  }
}
