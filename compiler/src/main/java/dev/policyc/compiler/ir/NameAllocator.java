package dev.policyc.compiler.ir;

import dev.policyc.dsl.Table;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Hands out names for the chains and sets the compiler creates: within the kernel's limits, made
 * only of characters every tool takes, and never equal to a name the policy already uses or one
 * handed out before. Names depend only on the hints and the order of the requests, so output
 * stays deterministic.
 */
public final class NameAllocator {
  private final Map<Table, Set<String>> chains = new EnumMap<>(Table.class);
  private final Set<String> sets = new HashSet<>();
  /**
   * Per set of names and cleaned hint, the suffix number to try first: every name of a lower one
   * was taken when it was last asked, and names are never given back, so the first free name is
   * found without trying them all again (a tree of a thousand chains of one hint).
   */
  private final Map<Set<String>, Map<String, Integer>> next = new IdentityHashMap<>();

  /** An allocator that knows every chain and set name of {@code policy}. */
  public static NameAllocator of(IrPolicy policy) {
    NameAllocator a = new NameAllocator();
    for (Ruleset rs : new Ruleset[] {policy.ipv4(), policy.ipv6()}) {
      for (RuleTable t : rs.tables()) {
        for (Chain c : t.chains()) {
          a.chainsOf(t.table()).add(c.name());
        }
      }
    }
    for (IpSet s : policy.sets()) {
      a.sets.add(s.name());
    }
    return a;
  }

  private Set<String> chainsOf(Table t) {
    Set<String> s = chains.computeIfAbsent(t, k -> new HashSet<>());
    if (s.isEmpty()) {
      s.addAll(Netfilter.HOOK_NAMES);
      s.addAll(Netfilter.RESERVED_TARGET_NAMES);
    }
    return s;
  }

  /**
   * A new user chain name in a table, from a hint such as {@code INPUT_tcp}: the hint cleaned
   * and cut to fit, then {@code _2}, {@code _3}… until the name is free.
   */
  public String chain(Table table, String hint) {
    return fresh(chainsOf(table), hint, Netfilter.MAX_CHAIN_NAME);
  }

  /**
   * A new ipset name from a hint, leaving room for the suffix of the temporary twin the ipset
   * script swaps in ({@link IpSet#TEMP_SUFFIX}).
   */
  public String set(String hint) {
    return fresh(sets, hint, Netfilter.MAX_SET_NAME - IpSet.TEMP_SUFFIX.length());
  }

  private String fresh(Set<String> taken, String hint, int max) {
    String base = clean(hint);
    Map<String, Integer> tried = next.computeIfAbsent(taken, k -> new HashMap<>());
    for (int n = tried.getOrDefault(base, 1); ; n++) {
      String suffix = n == 1 ? "" : "_" + n;
      String name = base.substring(0, Math.min(base.length(), max - suffix.length())) + suffix;
      if (taken.add(name)) {
        tried.put(base, n + 1);
        return name;
      }
    }
  }

  /** Letters, digits, '_' and '-' only, starting with a letter or '_'. */
  private static String clean(String hint) {
    StringBuilder sb = new StringBuilder();
    for (char c : hint.toCharArray()) {
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-';
      sb.append(ok ? c : '_');
    }
    if (sb.length() == 0 || !(Character.isLetter(sb.charAt(0)) || sb.charAt(0) == '_')) {
      sb.insert(0, 'p');
    }
    return sb.toString();
  }
}
