package dev.policyc.compiler.kube;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The jumps from the built-in chains into kube-proxy's chains (iptables mode), which kube-proxy
 * does not put in its restore payload but ensures one by one before it ({@code
 * iptablesJumpChains}, then {@code iptablesKubeletJumpChains}, in {@code
 * pkg/proxy/iptables/proxier.go}), each with {@code iptables -I}: prepended, so each built-in
 * chain holds them in the reverse of the list's order. {@link #add} writes them into a payload
 * so that it can be read, explained and loaded as the node holds it. A payload of IPVS mode (one
 * that declares KUBE-IPVS-FILTER) gets IPVS mode's list instead ({@code iptablesJumpChain} in
 * {@code pkg/proxy/ipvs/proxier.go}, also prepended, none of them NEW only).
 */
public final class KubeProxyJumps {
  private KubeProxyJumps() {}

  /** One ensured jump: table, built-in chain, kube-proxy chain, comment, NEW only. */
  private record Jump(String table, String from, String to, String comment, boolean newOnly) {
    String line() {
      return "-A " + from + (newOnly ? " -m conntrack --ctstate NEW" : "")
          + (comment.isEmpty() ? "" : " -m comment --comment \"" + comment + "\"")
          + " -j " + to;
    }
  }

  /** kube-proxy's list, in its order (the kubelet's KUBE-FIREWALL jumps last). */
  private static final List<Jump> ENSURED = List.of(
      new Jump("filter", "INPUT", "KUBE-EXTERNAL-SERVICES",
          "kubernetes externally-visible service portals", true),
      new Jump("filter", "FORWARD", "KUBE-EXTERNAL-SERVICES",
          "kubernetes externally-visible service portals", true),
      new Jump("filter", "INPUT", "KUBE-NODEPORTS", "kubernetes health check service ports",
          false),
      new Jump("filter", "FORWARD", "KUBE-SERVICES", "kubernetes service portals", true),
      new Jump("filter", "OUTPUT", "KUBE-SERVICES", "kubernetes service portals", true),
      new Jump("filter", "FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules", false),
      new Jump("filter", "INPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall",
          true),
      new Jump("filter", "OUTPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall",
          true),
      new Jump("filter", "FORWARD", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall",
          true),
      new Jump("nat", "OUTPUT", "KUBE-SERVICES", "kubernetes service portals", false),
      new Jump("nat", "PREROUTING", "KUBE-SERVICES", "kubernetes service portals", false),
      new Jump("nat", "POSTROUTING", "KUBE-POSTROUTING", "kubernetes postrouting rules", false),
      new Jump("filter", "INPUT", "KUBE-FIREWALL", "", false),
      new Jump("filter", "OUTPUT", "KUBE-FIREWALL", "", false));

  /** kube-proxy's IPVS-mode list, in its order. */
  private static final List<Jump> ENSURED_IPVS = List.of(
      new Jump("nat", "OUTPUT", "KUBE-SERVICES", "kubernetes service portals", false),
      new Jump("nat", "PREROUTING", "KUBE-SERVICES", "kubernetes service portals", false),
      new Jump("nat", "POSTROUTING", "KUBE-POSTROUTING", "kubernetes postrouting rules", false),
      new Jump("filter", "FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules", false),
      new Jump("filter", "INPUT", "KUBE-NODE-PORT", "kubernetes health check rules", false),
      new Jump("filter", "INPUT", "KUBE-PROXY-FIREWALL", "kube-proxy firewall rules", false),
      new Jump("filter", "FORWARD", "KUBE-PROXY-FIREWALL", "kube-proxy firewall rules", false),
      new Jump("filter", "INPUT", "KUBE-IPVS-FILTER", "kubernetes ipvs access filter", false),
      new Jump("filter", "OUTPUT", "KUBE-IPVS-OUT-FILTER", "kubernetes ipvs access filter",
          false));

  /** The chain only IPVS mode's payload declares. */
  private static final String IPVS_MODE_CHAIN = "KUBE-IPVS-FILTER";

  /**
   * The payload with each table's built-in chains declared (policy ACCEPT) and holding the
   * jumps to the chains the table declares, as kube-proxy leaves them; a jump to a chain the
   * payload does not declare is left out. Built-in chains the payload declares itself (a whole
   * {@code iptables-save} dump) are refused: their jumps are in it already.
   */
  public static String add(String payload) {
    StringBuilder out = new StringBuilder();
    List<String> lines = payload.lines().toList();
    Map<String, List<String>> builtins = new LinkedHashMap<>();
    List<Jump> ensured = lines.stream().anyMatch(l -> l.startsWith(":" + IPVS_MODE_CHAIN + " "))
        ? ENSURED_IPVS : ENSURED;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.equals("COMMIT")) {
        // the jumps last, after every chain they name is declared
        builtins.values().forEach(rules -> rules.forEach(r -> out.append(r).append('\n')));
        builtins.clear();
      }
      out.append(line).append('\n');
      if (!line.startsWith("*")) {
        continue;
      }
      String table = line.substring(1).strip();
      List<String> declared = new ArrayList<>();
      for (int j = i + 1; j < lines.size() && !lines.get(j).equals("COMMIT"); j++) {
        if (lines.get(j).startsWith(":")) {
          declared.add(lines.get(j).substring(1).split(" ", 2)[0]);
        }
      }
      for (Jump j : ensured) {
        if (j.table().equals(table) && declared.contains(j.to())) {
          if (declared.contains(j.from())) {
            throw new IllegalArgumentException("the " + table + " table declares " + j.from()
                + " already: its jumps are in it");
          }
          builtins.computeIfAbsent(j.from(), k -> new ArrayList<>()).add(0, j.line());
        }
      }
      for (String chain : builtins.keySet()) {
        out.append(':').append(chain).append(" ACCEPT [0:0]\n");
      }
    }
    return out.toString();
  }

  /**
   * The rules with the same jumps as {@link #add(String)} writes, as rules of no source line
   * (an explanation names them without a position): the rules of a payload read back, of
   * either family (kube-proxy's IPv6 proxier ensures the same jumps with ip6tables).
   */
  public static Ruleset add(Ruleset rules) {
    List<Jump> ensured = rules.tables().stream()
        .anyMatch(t -> t.chain(IPVS_MODE_CHAIN).isPresent()) ? ENSURED_IPVS : ENSURED;
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : rules.tables()) {
      String table = t.table().iptablesName();
      Map<String, List<Rule>> builtins = new LinkedHashMap<>();
      for (Jump j : ensured) {
        if (j.table().equals(table) && t.chain(j.to()).isPresent()) {
          builtins.computeIfAbsent(j.from(), k -> new ArrayList<>())
              .add(0, rule(j, rules.family()));
        }
      }
      List<Chain> chains = new ArrayList<>();
      for (String builtin : List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")) {
        // in the order the reader gives built-in chains
        List<Rule> jumps = builtins.get(builtin);
        if (jumps == null) {
          continue;
        }
        if (t.chain(builtin).isPresent()) {
          throw new IllegalArgumentException("the " + table + " table declares " + builtin
              + " already: its jumps are in it");
        }
        chains.add(new Chain(builtin, Verdict.ACCEPT, jumps));
      }
      chains.addAll(t.chains());
      tables.add(new RuleTable(t.table(), chains));
    }
    return new Ruleset(rules.family(), tables);
  }

  private static Rule rule(Jump j, Family family) {
    try {
      Rule r = IptablesSaveReader.readRule(j.line(), family);
      return new Rule(r.matches(), r.target(), r.comment(), Origin.NONE);
    } catch (ParseException e) {
      throw new AssertionError("kube-proxy's jump does not read: " + j.line(), e);
    }
  }
}
