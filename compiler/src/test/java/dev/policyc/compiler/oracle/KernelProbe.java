package dev.policyc.compiler.oracle;

import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.testing.Netns;
import dev.policyc.dsl.Family;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a policy into the firewall namespace and sends one packet at a time, observing what the
 * kernel did: the rule and policy counters that moved (from {@code iptables-save -c}), whether the
 * packet was delivered locally, which frames reached the client and the server, and which answers
 * (RST, ICMP errors) the firewall generated. Connection tracking is flushed before every packet,
 * so each is the first of its connection.
 */
final class KernelProbe {
  /** How long the kernel gets to deliver a packet before the observation is read. */
  private static final long SETTLE_MS = 25;

  private final Topology topo;
  private final Map<Family, Map<String, Long>> counters = new HashMap<>();
  private Map<String, Long> oracleCounters = Map.of();

  KernelProbe(Topology topo) {
    this.topo = topo;
  }

  /** What the kernel did with one packet. */
  record Observation(Map<String, Long> path, boolean delivered,
      Map<String, List<Agent.Frame>> frames, Map<String, Long> answers, int sentBytes) {

    /** The frames that reached the peer behind one of the firewall's interfaces. */
    List<Agent.Frame> at(String iface) {
      return frames.getOrDefault(iface, List.of());
    }

    boolean noFrames() {
      return frames.values().stream().allMatch(List::isEmpty);
    }
  }

  /** Replaces whatever the namespace held with the policy's sets and rules. */
  void load(IrPolicy p) throws IOException {
    load(PolicyCompiler.emit(p, p.name(), List.of()));
  }

  /**
   * Replaces whatever the namespace held with these files ({@code ipset.rules}, {@code
   * iptables.rules}, {@code ip6tables.rules}, each optional but the IPv4 rules), loaded as
   * {@code ipset restore} and {@code iptables-restore} load them.
   */
  void load(Map<String, String> files) throws IOException {
    Netns fw = topo.fw;
    // Delete the iptables tables (their presence alone, e.g. nat, switches conntrack on) but
    // keep the oracle's own nftables table.
    String tables = fw.run("nft", "list", "tables");
    StringBuilder del = new StringBuilder();
    for (String line : tables.split("\n")) {
      String[] w = line.trim().split("\\s+");
      if (w.length == 3 && w[0].equals("table") && (w[1].equals("ip") || w[1].equals("ip6"))) {
        del.append("delete table ").append(w[1]).append(' ').append(w[2]).append('\n');
      }
    }
    if (del.length() > 0) {
      Topology.nft(fw, del.toString());
    }
    fw.tryRun("ipset", "destroy");
    Path dir = Files.createTempDirectory("policyc-oracle");
    try {
      if (files.containsKey(PolicyCompiler.IPSET)) {
        fw.run("ipset", "restore", "-file", write(dir, PolicyCompiler.IPSET, files));
      }
      fw.run("iptables-restore", write(dir, PolicyCompiler.IPTABLES, files));
      String v6 = files.get(PolicyCompiler.IP6TABLES);
      if (v6 != null) {
        fw.run("ip6tables-restore", write(dir, PolicyCompiler.IP6TABLES, files));
      }
    } finally {
      try (var s = Files.list(dir)) {
        for (Path f : s.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
    counters.clear();
    oracleCounters = oracleCounters();
  }

  private static String write(Path dir, String name, Map<String, String> files)
      throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, files.get(name), StandardCharsets.UTF_8);
    return f.toString();
  }

  /** Sends one packet, as the first of a fresh connection, and observes the kernel. */
  Observation probe(Packet p) throws IOException, InterruptedException {
    return probe(p, true, Map.of());
  }

  /**
   * Sends one packet and observes the kernel; {@code flush} empties the conntrack table first,
   * {@code extra} adds packet fields (TCP sequence numbers for a real handshake).
   */
  Observation probe(Packet p, boolean flush, Map<String, Object> extra)
      throws IOException, InterruptedException {
    Family f = p.family();
    Map<String, Long> before = counters.computeIfAbsent(f, this::safeCounters);
    Map<String, Long> oracleBefore = oracleCounters;
    if (flush) {
      topo.fw.tryRun("conntrack", "-F");
    }
    Map<String, Object> pkt = new LinkedHashMap<>(fields(p));
    pkt.putAll(extra);
    int sent;
    if (p.in() == null) {
      sent = topo.fwAgent.send(pkt, false);
    } else {
      sent = topo.peer(p.in()).send(pkt, true);
    }
    Thread.sleep(SETTLE_MS);
    Map<String, List<Agent.Frame>> frames = drainAll();
    Map<String, Long> after = counters(f);
    counters.put(f, after);
    oracleCounters = oracleCounters();
    Map<String, Long> path = delta(before, after);
    Map<String, Long> oracle = delta(oracleBefore, oracleCounters);
    boolean delivered = oracle.getOrDefault("delivered", 0L) > 0;
    Map<String, Long> answers = new LinkedHashMap<>(oracle);
    answers.remove("delivered");
    answers.remove("probe");
    // what the firewall's kernel sends on its own (neighbour discovery, MLD reports) is noise
    answers.remove("other");
    return new Observation(path, delivered, frames, answers, sent);
  }

  private Map<String, List<Agent.Frame>> drainAll() throws IOException {
    Map<String, List<Agent.Frame>> frames = new LinkedHashMap<>();
    for (Topology.Link l : topo.links.values()) {
      frames.put(l.iface(), l.agent().drain());
    }
    return frames;
  }

  /** More frames that arrived late (used before declaring a forwarded packet lost). */
  Map<String, List<Agent.Frame>> lateFrames() throws IOException, InterruptedException {
    Thread.sleep(150);
    return drainAll();
  }

  private static final Pattern DPORT = Pattern.compile("\\bdport=(\\d+)");

  /**
   * The source port the kernel's NAT gave the connection whose first packet was {@code p} (as
   * it arrived, or as the host sent it), read from the reply tuple of its conntrack entry (the
   * reply's destination port); -1 when the table holds no such connection. For a source NAT to
   * a port range the kernel picks the port at random.
   */
  int natSourcePort(Packet p) throws IOException {
    Netns.Result r = topo.fw.tryRun("conntrack", "-L",
        "-f", p.family() == Family.IPV4 ? "ipv4" : "ipv6", "-p", Protocols.name(p.proto()),
        "-s", p.src().toString(), "-d", p.dst().toString(),
        "--sport", String.valueOf(p.sport()), "--dport", String.valueOf(p.dport()));
    for (String line : r.out().split("\n")) {
      Matcher m = DPORT.matcher(line);
      if (m.find() && m.find()) {
        return Integer.parseInt(m.group(1)); // the second dport= is the reply tuple's
      }
    }
    return -1;
  }

  static Map<String, Object> fields(Packet p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("family", p.family() == Family.IPV4 ? 4 : 6);
    m.put("src", p.src().toString());
    m.put("dst", p.dst().toString());
    m.put("proto", p.proto());
    m.put("sport", p.sport());
    m.put("dport", p.dport());
    m.put("icmp_type", p.icmpType());
    m.put("icmp_code", p.icmpCode());
    m.put("flags", p.proto() == Protocols.TCP ? p.tcpFlags() : 0);
    m.put("tos", p.tos());
    m.put("ttl", p.ttl());
    m.put("length", p.length());
    m.put("frag", p.fragment());
    return m;
  }

  private Map<String, Long> safeCounters(Family f) {
    try {
      return counters(f);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final Pattern POLICY = Pattern.compile("^:(\\S+) (\\S+) \\[(\\d+):(\\d+)\\]$");
  private static final Pattern RULE = Pattern.compile("^\\[(\\d+):(\\d+)\\] -A (\\S+)(\\s|$)");

  /** Packet counters of every rule and policy: {@code table/chain/#n} and {@code table/chain/policy}. */
  Map<String, Long> counters(Family f) throws IOException {
    String save = topo.fw.run(f == Family.IPV4 ? "iptables-save" : "ip6tables-save", "-c");
    Map<String, Long> out = new HashMap<>();
    Map<String, Integer> ruleNo = new HashMap<>();
    String table = null;
    for (String line : save.split("\n")) {
      if (line.startsWith("*")) {
        table = line.substring(1);
        ruleNo.clear();
        continue;
      }
      Matcher pm = POLICY.matcher(line);
      if (pm.matches() && !pm.group(2).equals("-")) {
        out.put(table + "/" + pm.group(1) + "/policy", Long.parseLong(pm.group(3)));
        continue;
      }
      Matcher rm = RULE.matcher(line);
      if (rm.find()) {
        String chain = rm.group(3);
        int n = ruleNo.merge(chain, 1, Integer::sum);
        out.put(table + "/" + chain + "/#" + n, Long.parseLong(rm.group(1)));
      }
    }
    return out;
  }

  private static final Pattern NFT_COUNTER =
      Pattern.compile("counter packets (\\d+) bytes \\d+.*comment \"([^\"]+)\"");

  Map<String, Long> oracleCounters() throws IOException {
    String text = topo.fw.run("nft", "list", "table", "inet", "oracle");
    Map<String, Long> out = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = NFT_COUNTER.matcher(line);
      if (m.find()) {
        out.merge(m.group(2), Long.parseLong(m.group(1)), Long::sum);
      }
    }
    return out;
  }

  private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new java.util.TreeMap<>();
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long v = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (v != 0) {
        d.put(e.getKey(), v);
      }
    }
    return d;
  }
}
