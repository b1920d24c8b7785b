package dev.policyc.compiler.ir;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The jump graph of one table: which chains each chain jumps or goes to, and from which hooks
 * every chain can be reached. Target and interface restrictions are checked against the hooks
 * a chain is reachable from, as the kernel does when it links the rules. Lowering builds one from
 * the policy's chains before the IR exists; {@link #of(RuleTable)} builds one from the IR.
 */
public final class ChainGraph {
  /** An edge with the index of the rule that makes it. */
  public record Edge(String to, int rule) {}

  private final Map<String, List<Edge>> edges = new LinkedHashMap<>();
  private final Map<String, Set<Hook>> hooks = new LinkedHashMap<>();
  private final Set<String> builtins = new LinkedHashSet<>();

  /** The graph of a table's chains, hooks propagated (also when the jumps loop). */
  public static ChainGraph of(RuleTable rt) {
    ChainGraph g = new ChainGraph();
    for (Chain c : rt.chains()) {
      g.addChain(c.name(), c.isBuiltin());
    }
    for (Chain c : rt.chains()) {
      for (int i = 0; i < c.rules().size(); i++) {
        Target t = c.rules().get(i).target();
        String to = t instanceof Target.Jump j ? j.chain()
            : t instanceof Target.Goto gt ? gt.chain() : null;
        if (to != null && g.edges.containsKey(to)) {
          g.addEdge(c.name(), to, i);
        }
      }
    }
    g.propagate();
    return g;
  }

  /** The chains of the graph, in the order they were added. */
  public Set<String> chains() {
    return edges.keySet();
  }

  public void addChain(String name, boolean builtin) {
    edges.putIfAbsent(name, new ArrayList<>());
    hooks.putIfAbsent(name, EnumSet.noneOf(Hook.class));
    if (builtin) {
      hooks.get(name).add(Hook.valueOf(name));
      builtins.add(name);
    }
  }

  /** The jumps and gotos out of {@code chain}. */
  public List<Edge> edges(String chain) {
    return List.copyOf(edges.getOrDefault(chain, List.of()));
  }

  public void addEdge(String from, String to, int rule) {
    edges.get(from).add(new Edge(to, rule));
  }

  /**
   * Every jump that closes a loop, as pairs (the chain and rule that jump, the edge taken), in a
   * stable order; empty when the graph is acyclic. Each back edge of a depth-first search closes
   * one loop, so removing all of them breaks every loop.
   */
  public List<Edge[]> findCycles() {
    Map<String, Integer> state = new LinkedHashMap<>();
    List<Edge[]> out = new ArrayList<>();
    for (String c : edges.keySet()) {
      dfs(c, state, out);
    }
    return out;
  }

  private void dfs(String c, Map<String, Integer> state, List<Edge[]> out) {
    if (state.containsKey(c)) {
      return;
    }
    state.put(c, 1);
    for (Edge e : edges.getOrDefault(c, List.of())) {
      Integer t = state.get(e.to());
      if (t != null && t == 1) {
        out.add(new Edge[] {new Edge(c, e.rule()), e});
      } else if (t == null && edges.containsKey(e.to())) {
        dfs(e.to(), state, out);
      }
    }
    state.put(c, 2);
  }

  /**
   * Propagates hooks along edges, once the graph is complete. A fixpoint over growing hook sets,
   * so it ends on a loop too.
   */
  public void propagate() {
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

  /**
   * For each chain reached from a built-in chain, the most jumps and gotos on a way to it (0 for
   * a built-in chain), counted up to {@code cap}: through a loop it stops there.
   */
  public Map<String, Integer> depths(int cap) {
    Map<String, Integer> depth = new LinkedHashMap<>();
    Deque<String> work = new ArrayDeque<>();
    for (String b : builtins) {
      depth.put(b, 0);
      work.add(b);
    }
    while (!work.isEmpty()) {
      String c = work.poll();
      int next = Math.min(cap, depth.get(c) + 1);
      for (Edge e : edges.getOrDefault(c, List.of())) {
        Integer d = depth.get(e.to());
        if (d == null || d < next) {
          depth.put(e.to(), next);
          work.add(e.to());
        }
      }
    }
    return depth;
  }

  public Set<Hook> hooksOf(String chain) {
    return hooks.getOrDefault(chain, Set.of());
  }
}
