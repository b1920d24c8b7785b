package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.Hook;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The jump graph of one table: which chains each chain jumps or goes to, and from which hooks
 * every chain can be reached. Target and interface restrictions are checked against the hooks
 * a chain is reachable from, as the kernel does when it links the rules.
 */
final class ChainGraph {
  /** An edge with the index of the rule that makes it. */
  record Edge(String to, int rule) {}

  private final Map<String, List<Edge>> edges = new LinkedHashMap<>();
  private final Map<String, Set<Hook>> hooks = new LinkedHashMap<>();

  void addChain(String name, boolean builtin) {
    edges.putIfAbsent(name, new ArrayList<>());
    hooks.putIfAbsent(name, EnumSet.noneOf(Hook.class));
    if (builtin) {
      hooks.get(name).add(Hook.valueOf(name));
    }
  }

  void addEdge(String from, String to, int rule) {
    edges.get(from).add(new Edge(to, rule));
  }

  /**
   * The first cycle found, as the chain and rule whose jump closes it, or null when the graph is
   * acyclic.
   */
  Edge[] findCycle() {
    Map<String, Integer> state = new LinkedHashMap<>();
    for (String c : edges.keySet()) {
      Edge[] found = dfs(c, state);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private Edge[] dfs(String c, Map<String, Integer> state) {
    Integer s = state.get(c);
    if (s != null) {
      return null;
    }
    state.put(c, 1);
    for (Edge e : edges.getOrDefault(c, List.of())) {
      Integer t = state.get(e.to());
      if (t != null && t == 1) {
        return new Edge[] {new Edge(c, e.rule()), e};
      }
      if (t == null && edges.containsKey(e.to())) {
        Edge[] found = dfs(e.to(), state);
        if (found != null) {
          return found;
        }
      }
    }
    state.put(c, 2);
    return null;
  }

  /** Propagates hooks along edges; call once the graph is complete and acyclic. */
  void propagate() {
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Map.Entry<String, List<Edge>> e : edges.entrySet()) {
        Set<Hook> from = hooks.get(e.getKey());
        for (Edge edge : e.getValue()) {
          Set<Hook> to = hooks.get(edge.to());
          if (to != null && to.addAll(from)) {
            changed = true;
          }
        }
      }
    }
  }

  Set<Hook> hooksOf(String chain) {
    return hooks.getOrDefault(chain, Set.of());
  }
}
