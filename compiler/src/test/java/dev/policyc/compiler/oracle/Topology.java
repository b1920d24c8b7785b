package dev.policyc.compiler.oracle;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.testing.Netns;
import dev.policyc.dsl.Family;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The oracle's test network, built from a policy's host model: a firewall namespace with the
 * model's interfaces, addresses and routes, and for every interface a peer namespace at the other
 * end of a veth link named as in the model. All of it is created by the test and removed by
 * {@link #close()}, also when a test fails.
 *
 * <p>The standard model, {@link #standardHost()}:
 *
 * <pre>
 *   client ---- eth0 [firewall] eth1 ---- server
 *               192.0.2.1/30    198.51.100.1/30
 *               2001:db8:c::1/126  2001:db8:e::1/126
 *   firewall default routes: via 198.51.100.2 and 2001:db8:e::2 (the server side)
 * </pre>
 *
 * The firewall forwards when the model says so, with rp_filter off. The peers hold no addresses:
 * their agents send and capture whole frames. Static neighbour entries, pointing at the peer,
 * cover the gateways of the model's routes and every address of small connected subnets, and
 * {@link #neighbourFor} adds the next hop of a packet the interpreter expects to leave, so that no
 * ARP or neighbour discovery runs (neighbour solicitations would pass through the policy's OUTPUT
 * chains). IPv6 link-local addresses, DAD and router solicitation are off. The peers drop every
 * packet their own kernels would send, and the firewall runs an nftables table {@code inet
 * oracle} beside the policy's iptables tables: an output chain at priority -500, before iptables'
 * raw table, that lets the agent's probes through and counts and drops everything the firewall's
 * kernel generates itself (answers such as RSTs and ICMP errors, which would otherwise run through
 * the policy's OUTPUT chains and its counters), and an input chain at priority 500, after every
 * iptables table, that counts packets delivered locally.
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

  /** Subnets up to this many addresses get a static neighbour entry for every address. */
  private static final int STATIC_NEIGHBOURS = 256;

  private static final AtomicInteger SEQ = new AtomicInteger();

  /** One interface of the firewall, the veth link behind it and the peer at its other end. */
  record Link(String iface, Netns peer, String peerMac, Agent agent) {}

  final HostModel host;
  final Netns fw;
  final Agent fwAgent;
  /** The links by the firewall's interface name, in the host model's order. */
  final Map<String, Link> links;
  private final Set<String> neighbours;
  private final Path script;

  private Topology(HostModel host, Netns fw, Agent fwAgent, Map<String, Link> links,
      Set<String> neighbours, Path script) {
    this.host = host;
    this.fw = fw;
    this.fwAgent = fwAgent;
    this.links = links;
    this.neighbours = neighbours;
    this.script = script;
  }

  /** The host model of the targeted tests: a client on eth0, a server (and the default) on eth1. */
  static HostModel standardHost() {
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

  /** The interfaces of a model that get a link: all but loopback. */
  static List<HostModel.Iface> linked(HostModel host) {
    return host.ifaces().stream().filter(i -> !i.name().equals("lo")).toList();
  }

  /** Builds the namespaces, links, addresses and routes of {@code host}. */
  static Topology create(HostModel host) throws IOException {
    List<Netns> made = new ArrayList<>();
    List<Agent> agents = new ArrayList<>();
    Path script = null;
    try {
      int seq = SEQ.incrementAndGet();
      Netns fw = Netns.create("fw" + seq);
      made.add(fw);
      quietIpv6(fw);
      String forward = host.forwarding() ? "1" : "0";
      fw.run("sysctl", "-qw", "net.ipv4.ip_forward=" + forward,
          "net.ipv6.conf.all.forwarding=" + forward,
          "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
          // answers are counted by the guard; rate limits would make them come and go
          "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
          "net.ipv4.icmp_msgs_per_sec=1000000", "net.ipv4.icmp_msgs_burst=1000000");
      script = Files.createTempFile("policyc-agent", ".py");
      try (InputStream in = Topology.class.getResourceAsStream("/oracle/agent.py")) {
        Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
      }
      Map<String, Netns> peers = new LinkedHashMap<>();
      int n = 0;
      for (HostModel.Iface i : linked(host)) {
        if (i.name().length() > 15 || !i.name().matches("[A-Za-z0-9_-]+")) {
          throw new IllegalArgumentException("the oracle cannot name a veth '" + i.name() + "'");
        }
        Netns peer = Netns.create("p" + seq + "-" + n++);
        made.add(peer);
        quietIpv6(peer);
        Netns.exec(List.of("ip", "link", "add", i.name(), "netns", fw.name(), "type", "veth",
            "peer", "name", "peer", "netns", peer.name()), false);
        peer.run("ip", "link", "set", "peer", "up");
        nft(peer, "table inet quiet {\n  chain out {\n    type filter hook output priority 0;"
            + " policy drop;\n  }\n}\n");
        StringBuilder batch = new StringBuilder();
        for (HostModel.IfAddr a : i.addrs()) {
          batch.append("addr add ")
              .append(a.addr()).append('/').append(a.prefixLength()).append(" dev ")
              .append(i.name()).append(a.addr().family() == Family.IPV6 ? " nodad" : "")
              .append('\n');
        }
        batch.append("link set ").append(i.name()).append(" up\n");
        batch(fw, batch.toString());
        peers.put(i.name(), peer);
      }
      StringBuilder routes = new StringBuilder();
      for (HostModel.Route r : host.routes()) {
        // ip -batch takes no -6: the family comes from the prefix, written out in full
        IpRange d = r.dst();
        routes.append("route add ").append(d.first()).append('/').append(d.prefixLength());
        if (r.via() != null) {
          routes.append(" via ").append(r.via());
        }
        routes.append(" dev ").append(r.dev()).append('\n');
      }
      if (routes.length() > 0) {
        batch(fw, routes.toString());
      }
      nft(fw, ORACLE_TABLE);
      Map<String, Link> links = new LinkedHashMap<>();
      Set<String> neighbours = new HashSet<>();
      StringBuilder neigh = new StringBuilder();
      for (Map.Entry<String, Netns> e : peers.entrySet()) {
        String iface = e.getKey();
        Netns peer = e.getValue();
        String peerMac = mac(peer, "peer");
        Agent agent = new Agent(iface, peer.name(), script, "peer", mac(fw, iface));
        agents.add(agent);
        links.put(iface, new Link(iface, peer, peerMac, agent));
        for (IpAddr a : staticNeighbours(host, iface)) {
          if (neighbours.add(a + "%" + iface)) {
            neigh.append(neighbour(a, iface, peerMac));
          }
        }
      }
      if (neigh.length() > 0) {
        batch(fw, neigh.toString());
      }
      Agent fwAgent = new Agent("firewall", fw.name(), script, null, null);
      agents.add(fwAgent);
      return new Topology(host, fw, fwAgent, links, neighbours, script);
    } catch (IOException | RuntimeException e) {
      for (Agent a : agents) {
        a.close();
      }
      for (Netns ns : made) {
        ns.close();
      }
      if (script != null) {
        Files.deleteIfExists(script);
      }
      throw e;
    }
  }

  /** The gateways of the routes out of {@code iface}, and every address of its small subnets. */
  private static List<IpAddr> staticNeighbours(HostModel host, String iface) {
    List<IpAddr> out = new ArrayList<>();
    for (HostModel.Route r : host.routes()) {
      if (r.dev().equals(iface) && r.via() != null) {
        out.add(r.via());
      }
    }
    for (HostModel.Iface i : host.ifaces()) {
      if (!i.name().equals(iface)) {
        continue;
      }
      for (HostModel.IfAddr a : i.addrs()) {
        IpRange net = a.subnet();
        BigInteger size = size(net);
        if (size.compareTo(BigInteger.valueOf(STATIC_NEIGHBOURS)) > 0) {
          continue;
        }
        for (long k = 0; k < size.longValue(); k++) {
          IpAddr x = net.first().plus(k);
          if (!host.hasAddress(x) && !host.isBroadcast(x)) {
            out.add(x);
          }
        }
      }
    }
    return out;
  }

  private static BigInteger size(IpRange r) {
    return toBig(r.last()).subtract(toBig(r.first())).add(BigInteger.ONE);
  }

  private static BigInteger toBig(IpAddr a) {
    return new BigInteger(1, new byte[] {
        (byte) (a.hi() >>> 56), (byte) (a.hi() >>> 48), (byte) (a.hi() >>> 40),
        (byte) (a.hi() >>> 32), (byte) (a.hi() >>> 24), (byte) (a.hi() >>> 16),
        (byte) (a.hi() >>> 8), (byte) a.hi(),
        (byte) (a.lo() >>> 56), (byte) (a.lo() >>> 48), (byte) (a.lo() >>> 40),
        (byte) (a.lo() >>> 32), (byte) (a.lo() >>> 24), (byte) (a.lo() >>> 16),
        (byte) (a.lo() >>> 8), (byte) a.lo()});
  }

  private static String neighbour(IpAddr a, String iface, String mac) {
    return "neigh replace " + a + " lladdr " + mac
        + " dev " + iface + " nud permanent\n";
  }

  /**
   * Makes sure the next hop of a packet the interpreter expects to leave has a neighbour entry,
   * so the kernel sends it without resolving the address first. When the interpreter is wrong
   * about the route, the kernel still has to resolve, and the frame it sends instead shows the
   * difference.
   */
  void neighbourFor(Decision d) throws IOException {
    if (!d.outcome().passes() || d.outIface() == null) {
      return;
    }
    Link link = links.get(d.outIface());
    if (link == null) {
      return;
    }
    IpAddr dst = d.after().dst();
    if (host.isBroadcast(dst) || multicast(dst)) {
      return;
    }
    IpAddr next = host.route(dst).map(h -> h.local() ? null : h.nextHop()).orElse(null);
    if (next != null && neighbours.add(next + "%" + link.iface())) {
      batch(fw, neighbour(next, link.iface(), link.peerMac()));
    }
  }

  private static boolean multicast(IpAddr a) {
    return a.family() == Family.IPV4 ? (a.lo() >>> 28) == 0xe : (a.hi() >>> 56) == 0xff;
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

  private static String mac(Netns ns, String dev) throws IOException {
    return ns.run("cat", "/sys/class/net/" + dev + "/address").strip();
  }

  /** Runs {@code ip -batch} in a namespace: one process for many commands. */
  private static void batch(Netns ns, String commands) throws IOException {
    Path f = Files.createTempFile("policyc-ip", ".batch");
    try {
      Files.writeString(f, commands, StandardCharsets.UTF_8);
      ns.run("ip", "-batch", f.toString());
    } catch (IOException e) {
      throw new IOException(e.getMessage() + "\n  running:\n" + commands, e);
    } finally {
      Files.deleteIfExists(f);
    }
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

  /** The agent at the far end of one of the firewall's interfaces. */
  Agent peer(String iface) {
    Link l = links.get(iface);
    if (l == null) {
      throw new IllegalArgumentException("the topology has no link " + iface);
    }
    return l.agent();
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    fwAgent.close();
    for (Link l : links.values()) {
      l.agent().close();
    }
    for (Netns ns : allNamespaces()) {
      try {
        ns.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    Files.deleteIfExists(script);
    if (first != null) {
      throw first;
    }
  }

  private List<Netns> allNamespaces() {
    List<Netns> all = new ArrayList<>();
    all.add(fw);
    links.values().forEach(l -> all.add(l.peer()));
    return all;
  }
}
