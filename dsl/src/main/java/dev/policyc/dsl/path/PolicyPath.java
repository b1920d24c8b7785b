package dev.policyc.dsl.path;

import dev.policyc.dsl.Table;

/**
 * Where typed paths start: the top-level keys of a policy document, and shortcuts to a chain and a
 * rule.
 *
 * <pre>{@code
 * PolicyPath.rule(Table.FILTER, "INPUT", 2).match().src(1)  // filter.INPUT.rules[2].match.src[1]
 * PolicyPath.objects().networks("admins").item(0)           // objects.networks.admins[0]
 * }</pre>
 */
public final class PolicyPath {
  private static final ObjectsPath OBJECTS = new ObjectsPath();
  private static final HostPath HOST = new HostPath();

  private static final SourcePath NAME = new SourcePath("policy");

  private PolicyPath() {}

  /** {@code policy}: the policy's name. */
  public static SourcePath name() {
    return NAME;
  }

  /** A table: {@code filter}, {@code nat}, {@code mangle} or {@code raw}. */
  public static SourcePath table(Table table) {
    return new SourcePath(table.iptablesName());
  }

  /** A chain of a table, such as {@code filter.INPUT}; its position is that of its name. */
  public static ChainPath chain(Table table, String name) {
    return new ChainPath(table(table), name);
  }

  /** Rule {@code index} (from 0) of a chain, such as {@code filter.INPUT.rules[2]}. */
  public static RulePath rule(Table table, String chain, int index) {
    return chain(table, chain).rule(index);
  }

  /** {@code objects}: the named groups and sets. */
  public static ObjectsPath objects() {
    return OBJECTS;
  }

  /** {@code ipvs.services[i]}: an IPVS virtual service. */
  public static IpvsPath ipvs(int index) {
    return new IpvsPath(new ListPath(new SourcePath("ipvs"), "services"), index);
  }

  /** {@code host}: the host's interfaces and routes. */
  public static HostPath host() {
    return HOST;
  }
}
