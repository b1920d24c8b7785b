package dev.policyc.dsl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Object definitions and rule fragments built once and shared by several policies: the Java
 * DSL's counterpart of a YAML file that policies {@code include:}. A policy takes the objects
 * with {@link PolicyBuilder#use(PolicyLibrary)} and places a fragment's rules with {@link
 * ChainBuilder#rules(List)}.
 *
 * <pre>{@code
 * PolicyLibrary shared = PolicyLibrary.named("shared")
 *     .networks("admins", "10.20.0.0/16")
 *     .services("ssh", "tcp/22")
 *     .fragment("admin-in", c -> c.accept(match().service("ssh").src("admins")))
 *     .build();
 * Policy web = Policy.named("web").use(shared)
 *     .filter(INPUT, c -> c.policy(DROP).rules(shared.fragment("admin-in")))
 *     .build();
 * }</pre>
 *
 * <p>A name defined twice, in one library or by a library and a policy that uses it, is an
 * {@link IllegalArgumentException} naming both definitions.
 */
public final class PolicyLibrary {
  private final String name;
  private final PolicyObjects objects;
  private final Map<String, List<RuleSpec>> fragments;

  private PolicyLibrary(String name, PolicyObjects objects, Map<String, List<RuleSpec>> fragments) {
    this.name = name;
    this.objects = objects;
    this.fragments = fragments;
  }

  /** Starts a library; {@code name} names it in the messages about names defined twice. */
  public static Builder named(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  /** The objects the library defines, in the order defined. */
  public PolicyObjects objects() {
    return objects;
  }

  /** The names of the fragments, in the order defined. */
  public List<String> fragments() {
    return List.copyOf(fragments.keySet());
  }

  /** The rules of fragment {@code fragment}; an unknown name is an exception that says so. */
  public List<RuleSpec> fragment(String fragment) {
    List<RuleSpec> rules = fragments.get(fragment);
    if (rules == null) {
      throw new IllegalArgumentException("library '" + name + "' has no fragment '" + fragment
          + "' (it has " + fragments.keySet() + ")");
    }
    return rules;
  }

  /** Builds a {@link PolicyLibrary}. */
  public static final class Builder {
    private final String name;
    private final PolicyBuilder objects;
    private final Map<String, List<RuleSpec>> fragments = new LinkedHashMap<>();

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("library name must not be blank");
      }
      this.name = name;
      // the policy builder's bookkeeping finds the names defined twice
      this.objects = new PolicyBuilder(name, "library '" + name + "'");
    }

    public Builder networks(String group, String... members) {
      objects.networks(group, members);
      return this;
    }

    public Builder services(String group, String... members) {
      objects.services(group, members);
      return this;
    }

    public Builder interfaces(String group, String... members) {
      objects.interfaces(group, members);
      return this;
    }

    public Builder set(String setName, String type, Family family, String... entries) {
      objects.set(setName, type, family, entries);
      return this;
    }

    public Builder set(IpSetSpec spec) {
      objects.set(spec);
      return this;
    }

    /** Includes the objects of another library, as an included file may include another. */
    public Builder use(PolicyLibrary other) {
      objects.use(other);
      return this;
    }

    /** Defines a fragment: rules a policy places in any of its chains. */
    public Builder fragment(String fragment, Consumer<ChainBuilder> spec) {
      Objects.requireNonNull(fragment, "fragment");
      if (fragments.containsKey(fragment)) {
        throw new IllegalArgumentException("fragment '" + fragment + "' is defined twice in"
            + " library '" + name + "'");
      }
      ChainBuilder b = new ChainBuilder(Table.FILTER, fragment);
      spec.accept(b);
      fragments.put(fragment, b.build().rules());
      return this;
    }

    public PolicyLibrary build() {
      return new PolicyLibrary(name, objects.build().objects(), new LinkedHashMap<>(fragments));
    }
  }
}
