package dev.policyc.compiler.kube;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chains and rules of one table of an iptables-restore payload, written as kube-proxy's
 * LineBuffer writes them: words joined by one space. Each chain keeps its rule lines as text,
 * so a payload of hundreds of thousands of rules is a few big buffers, not a string a rule.
 */
final class RestoreText {
  final String table;
  /** Declared chains by name, in the order declared. */
  final Map<String, Chain> chains = new LinkedHashMap<>();
  int rules;

  /** A chain and its rule lines ({@code -A CHAIN words...\n}) in order. */
  static final class Chain {
    final String name;
    final StringBuilder rules = new StringBuilder();

    Chain(String name) {
      this.name = name;
    }
  }

  RestoreText(String table) {
    this.table = table;
  }

  void chain(String name) {
    chains.computeIfAbsent(name, Chain::new);
  }

  /** Appends {@code -A CHAIN words...} to a declared chain. */
  void rule(String chain, List<String> words) {
    StringBuilder sb = start(chain);
    for (int i = 0; i < words.size(); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(words.get(i));
    }
    sb.append('\n');
  }

  void rule(String chain, String... words) {
    StringBuilder sb = start(chain);
    for (int i = 0; i < words.length; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(words[i]);
    }
    sb.append('\n');
  }

  /**
   * Starts a rule of a declared chain: {@code -A CHAIN } is written and the chain's buffer
   * returned for the words, which the caller ends with a newline.
   */
  StringBuilder start(String chain) {
    Chain c = chains.get(chain);
    if (c == null) {
      throw new IllegalStateException("rule in undeclared chain " + chain);
    }
    rules++;
    return c.rules.append("-A ").append(chain).append(' ');
  }

  /** The length of the table's text in {@code order}, for {@link #appendTo}'s buffer. */
  long length(List<Chain> order) {
    long n = table.length() + 2 + "COMMIT\n".length();
    for (Chain c : order) {
      n += c.name.length() + 10 + c.rules.length();
    }
    return n;
  }

  /** The table in {@code order}: chains declared first, then the rules chain by chain. */
  void appendTo(StringBuilder sb, List<Chain> order) {
    sb.append('*').append(table).append('\n');
    for (Chain c : order) {
      sb.append(':').append(c.name).append(" - [0:0]\n");
    }
    for (Chain c : order) {
      sb.append(c.rules);
    }
    sb.append("COMMIT\n");
  }

  /** A comment argument as kube-proxy writes it: quoted when it holds a blank. */
  static String comment(String text) {
    return text.indexOf(' ') >= 0 ? "\"" + text + "\"" : text;
  }
}
