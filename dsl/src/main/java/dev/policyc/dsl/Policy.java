package dev.policyc.dsl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A firewall policy: objects, chains of the four tables, and optionally the host it runs on.
 *
 * <p>Chains are kept grouped by table in the order filter, nat, mangle, raw, and within a table
 * in the order written. {@link #source()} records where each element was written; it takes no
 * part in equality.
 */
public record Policy(
    String name,
    String description,
    Host host,
    PolicyObjects objects,
    List<ChainSpec> chains,
    SourceMap source) {

  public Policy {
    Objects.requireNonNull(name, "name");
    objects = objects == null ? PolicyObjects.NONE : objects;
    List<ChainSpec> sorted = new ArrayList<>(chains);
    sorted.sort(Comparator.comparing(ChainSpec::table)); // stable: keeps written order per table
    chains = List.copyOf(sorted);
    source = source == null ? SourceMap.empty() : source;
  }

  /** Starts a policy with the fluent DSL. */
  public static PolicyBuilder named(String name) {
    return new PolicyBuilder(name);
  }

  public Optional<Host> hostModel() {
    return Optional.ofNullable(host);
  }

  /** The chains of one table, in the order written. */
  public List<ChainSpec> chains(Table table) {
    return chains.stream().filter(c -> c.table() == table).toList();
  }

  public Optional<ChainSpec> chain(Table table, String name) {
    return chains.stream().filter(c -> c.table() == table && c.name().equals(name)).findFirst();
  }

  /** This policy with another source map (positions). */
  public Policy withSource(SourceMap newSource) {
    return new Policy(name, description, host, objects, chains, newSource);
  }
}
