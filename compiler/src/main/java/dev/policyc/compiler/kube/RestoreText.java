package dev.policyc.compiler.kube;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chains and rules of one table of an iptables-restore payload, written as kube-proxy's
 * LineBuffer writes them: words joined by one space.
 */
final class RestoreText {
  final String table;
  /** Declared chains, each with its rules in the order written. */
  final Map<String, List<String>> chains = new LinkedHashMap<>();
  int rules;

  RestoreText(String table) {
    this.table = table;
  }

  void chain(String name) {
    chains.computeIfAbsent(name, k -> new ArrayList<>());
  }

  /** Appends {@code -A CHAIN words...} to a declared chain. */
  void rule(String chain, List<String> words) {
    List<String> rs = chains.get(chain);
    if (rs == null) {
      throw new IllegalStateException("rule in undeclared chain " + chain);
    }
    rs.add("-A " + chain + " " + String.join(" ", words));
    rules++;
  }

  void rule(String chain, String... words) {
    rule(chain, List.of(words));
  }

  /** The table in declaration order: chains first, then the rules chain by chain. */
  void appendTo(StringBuilder sb, List<String> order) {
    sb.append('*').append(table).append('\n');
    for (String c : order) {
      sb.append(':').append(c).append(" - [0:0]\n");
    }
    for (String c : order) {
      for (String r : chains.get(c)) {
        sb.append(r).append('\n');
      }
    }
    sb.append("COMMIT\n");
  }

  /** A comment argument as kube-proxy writes it: quoted when it holds a blank. */
  static String comment(String text) {
    return text.indexOf(' ') >= 0 ? "\"" + text + "\"" : text;
  }
}
