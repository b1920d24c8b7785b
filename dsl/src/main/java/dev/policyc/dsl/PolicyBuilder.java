package dev.policyc.dsl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Builds a {@link Policy} fluently; start with {@link Policy#named(String)}. */
public final class PolicyBuilder {
  private final String name;
  private String description;
  private Ownership owns = Ownership.TABLES;
  private Host host;
  private final Map<String, List<String>> networks = new LinkedHashMap<>();
  private final Map<String, List<String>> services = new LinkedHashMap<>();
  private final Map<String, List<String>> interfaces = new LinkedHashMap<>();
  private final List<IpSetSpec> sets = new ArrayList<>();
  private final Map<String, ChainBuilder> chains = new LinkedHashMap<>();
  /** Who defined each object, by kind and name: this policy or a library it uses. */
  private final Map<String, String> definedBy = new LinkedHashMap<>();

  /** Who defines what this builder declares, in messages about a name defined twice. */
  private final String owner;
  private final List<IpvsSpec.VirtualService> virtualServices = new ArrayList<>();

  PolicyBuilder(String name) {
    this(name, "policy '" + name + "'");
  }

  PolicyBuilder(String name, String owner) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("policy name must not be blank");
    }
    this.name = name;
    this.owner = owner;
  }

  /** What of the kernel's rules the policy owns: its tables (the default) or its chains. */
  public PolicyBuilder owns(Ownership what) {
    this.owns = what;
    return this;
  }

  public PolicyBuilder description(String text) {
    this.description = text;
    return this;
  }

  /** Describes the host the rules run on (interfaces, addresses, routes). */
  public PolicyBuilder host(Consumer<HostBuilder> spec) {
    HostBuilder b = new HostBuilder();
    spec.accept(b);
    this.host = b.build();
    return this;
  }

  /** Declares a network group: CIDRs, ranges, addresses or names of other groups. */
  public PolicyBuilder networks(String group, String... members) {
    put(networks, "network group", group, List.of(members), self());
    return this;
  }

  /** Declares a service group: {@code tcp/443}, {@code udp/53}, {@code icmp} or group names. */
  public PolicyBuilder services(String group, String... members) {
    put(services, "service group", group, List.of(members), self());
    return this;
  }

  /** Declares an interface group: names, {@code +} wildcards or group names. */
  public PolicyBuilder interfaces(String group, String... members) {
    put(interfaces, "interface group", group, List.of(members), self());
    return this;
  }

  /** Declares an ipset of type {@code hash:net}, {@code hash:ip}, … with its members. */
  public PolicyBuilder set(String setName, String type, Family family, String... entries) {
    return set(new IpSetSpec(setName, type, family, List.of(entries), null, null));
  }

  /** Declares an ipset from a full specification. */
  public PolicyBuilder set(IpSetSpec spec) {
    define("ipset", spec.name(), self());
    sets.add(spec);
    return this;
  }

  /**
   * Takes the objects of a shared library into the policy, as YAML's {@code include:} does. A
   * name the policy or another library it uses also defines is an {@link
   * IllegalArgumentException} naming both: {@code network group 'admins' is defined twice: in
   * library 'office' and in library 'shared'}. The library's fragments are placed with {@link
   * ChainBuilder#rules(List)}.
   */
  public PolicyBuilder use(PolicyLibrary library) {
    String by = "library '" + library.name() + "'";
    PolicyObjects o = library.objects();
    o.networks().forEach((k, v) -> put(networks, "network group", k, v, by));
    o.services().forEach((k, v) -> put(services, "service group", k, v, by));
    o.interfaces().forEach((k, v) -> put(interfaces, "interface group", k, v, by));
    for (IpSetSpec s : o.sets()) {
      define("ipset", s.name(), by);
      sets.add(s);
    }
    return this;
  }

  public PolicyBuilder filter(String chain, Consumer<ChainBuilder> spec) {
    return chain(Table.FILTER, chain, spec);
  }

  public PolicyBuilder nat(String chain, Consumer<ChainBuilder> spec) {
    return chain(Table.NAT, chain, spec);
  }

  public PolicyBuilder mangle(String chain, Consumer<ChainBuilder> spec) {
    return chain(Table.MANGLE, chain, spec);
  }

  public PolicyBuilder raw(String chain, Consumer<ChainBuilder> spec) {
    return chain(Table.RAW, chain, spec);
  }

  /** Adds rules to a chain; calling it again for the same chain appends. */
  public PolicyBuilder chain(Table table, String chain, Consumer<ChainBuilder> spec) {
    ChainBuilder b =
        chains.computeIfAbsent(table + "/" + chain, k -> new ChainBuilder(table, chain));
    spec.accept(b);
    return this;
  }

  /** An IPVS virtual service {@code protocol address:port} ({@code tcp}, {@code udp}, {@code sctp}). */
  public PolicyBuilder virtualService(String protocol, String address, int port,
      Consumer<VirtualServiceBuilder> spec) {
    VirtualServiceBuilder b = new VirtualServiceBuilder(protocol, address, port, null, null);
    spec.accept(b);
    virtualServices.add(b.build());
    return this;
  }

  /** An IPVS virtual service of the packets marked {@code mark} (decimal or {@code 0x} hex). */
  public PolicyBuilder fwmarkService(String mark, Family family,
      Consumer<VirtualServiceBuilder> spec) {
    VirtualServiceBuilder b = new VirtualServiceBuilder(null, null, null, mark, family);
    spec.accept(b);
    virtualServices.add(b.build());
    return this;
  }

  public Policy build() {
    List<ChainSpec> built = new ArrayList<>();
    for (ChainBuilder b : chains.values()) {
      built.add(b.build());
    }
    return new Policy(
        name,
        description,
        host,
        new PolicyObjects(networks, services, interfaces, sets),
        built,
        SourceMap.empty(),
        owns,
        new IpvsSpec(virtualServices));
  }

  private String self() {
    return owner;
  }

  private void put(Map<String, List<String>> map, String what, String group,
      List<String> members, String by) {
    if (group == null || group.isBlank()) {
      throw new IllegalArgumentException(what + " name must not be blank");
    }
    define(what, group, by);
    map.put(group, List.copyOf(members));
  }

  private void define(String what, String name, String by) {
    String first = definedBy.putIfAbsent(what + ":" + name, by);
    if (first != null) {
      throw new IllegalArgumentException(what + " '" + name + "' is defined twice: in " + first
          + " and in " + by);
    }
  }

  /** Builds the {@link Host} description. */
  public static final class HostBuilder {
    private boolean forwarding = true;
    private final Map<String, List<String>> ifaces = new LinkedHashMap<>();
    private final List<Host.Route> routes = new ArrayList<>();

    HostBuilder() {}

    public HostBuilder forwarding(boolean on) {
      this.forwarding = on;
      return this;
    }

    /** An interface and its addresses with prefix length ({@code 192.0.2.10/24}). */
    public HostBuilder iface(String name, String... addresses) {
      ifaces.put(name, List.of(addresses));
      return this;
    }

    /** A route through a gateway. */
    public HostBuilder route(String to, String via, String dev) {
      routes.add(new Host.Route(to, via, dev));
      return this;
    }

    /** A route straight out of a device. */
    public HostBuilder route(String to, String dev) {
      routes.add(new Host.Route(to, null, dev));
      return this;
    }

    Host build() {
      return new Host(forwarding, ifaces, routes);
    }
  }
}
