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
 * part in equality. {@link #owns()} says what of the kernel's rules the policy owns (its tables,
 * by default, or only its chains). {@link #ipvs()} holds the IPVS virtual services, if any.
 */
public record Policy(
    String name,
    String description,
    Host host,
    PolicyObjects objects,
    List<ChainSpec> chains,
    SourceMap source,
    Ownership owns,
    IpvsSpec ipvs) {

  /** A policy that owns its tables. */
  public Policy(String name, String description, Host host, PolicyObjects objects,
      List<ChainSpec> chains, SourceMap source) {
    this(name, description, host, objects, chains, source, Ownership.TABLES);
  }

  /** A policy without IPVS. */
  public Policy(String name, String description, Host host, PolicyObjects objects,
      List<ChainSpec> chains, SourceMap source, Ownership owns) {
    this(name, description, host, objects, chains, source, owns, IpvsSpec.NONE);
  }

  public Policy {
    owns = owns == null ? Ownership.TABLES : owns;
    Objects.requireNonNull(name, "name");
    objects = objects == null ? PolicyObjects.NONE : objects;
    List<ChainSpec> sorted = new ArrayList<>(chains);
    sorted.sort(Comparator.comparing(ChainSpec::table)); // stable: keeps written order per table
    chains = List.copyOf(sorted);
    source = source == null ? SourceMap.empty() : source;
    ipvs = ipvs == null ? IpvsSpec.NONE : ipvs;
  }

  /** The longest policy name: it names a folder and appears in the emitted files' headers. */
  public static final int MAX_NAME = 64;

  /**
   * Why {@code name} cannot name a policy, or empty when it can. The name is the output folder of
   * {@code policyc compile} with several policies and is printed in the emitted files' first
   * line, so it must be one safe path segment: letters, digits, {@code _}, {@code .} and {@code
   * -}, not starting with {@code .} or {@code -} (which rules out {@code .}, {@code ..}, hidden
   * folders and names read as options), at most {@link #MAX_NAME} characters.
   */
  public static Optional<String> nameProblem(String name) {
    if (name.isEmpty()) {
      return Optional.of("the policy name is empty");
    }
    if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
      return Optional.of("policy name '" + printable(name) + "' must be letters, digits, '_', '.'"
          + " and '-', starting with a letter, a digit or '_' (it names the output folder)");
    }
    if (name.length() > MAX_NAME) {
      return Optional.of("policy name '" + name + "' is longer than " + MAX_NAME
          + " characters");
    }
    return Optional.empty();
  }

  /** The name with control and other invisible characters shown as {@code <U+XXXX>}. */
  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
          || Character.isWhitespace(c) && c != ' ') {
        sb.append(String.format("\\u%04X", c));
      } else {
        sb.appendCodePoint(c);
      }
    });
    return sb.toString();
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
    return new Policy(name, description, host, objects, chains, newSource, owns, ipvs);
  }
}
