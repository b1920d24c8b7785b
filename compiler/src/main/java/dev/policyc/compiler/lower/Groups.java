package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Host;
import dev.policyc.dsl.PolicyObjects;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Suggestion;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.path.ListPath;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.path.SourcePath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Resolves the policy's named objects: network groups to address ranges, service groups to
 * (protocol, ports) pairs, interface groups to names. Nested groups are expanded; unknown names
 * and cycles are reported where they are written.
 */
final class Groups {
  /** A service: a protocol with destination ports (null: any) or an ICMP type (null: any). */
  record Service(int proto, List<PortRange> ports, String icmpType) {}

  /** Reads a member that is not a group name; reports and returns null when it is bad. */
  private interface Literal<T> {
    T read(String text, SourcePos pos);
  }

  private final SourceMap src;
  private final Reporter rep;
  private final Resolver<IpRange> networks;
  private final Resolver<Service> services;
  private final Resolver<String> interfaces;
  /**
   * The interfaces of the host model, with {@code lo}, which every host has; null when the policy
   * has no host model or its model lists no interface, and any name may then be right.
   */
  private final Set<String> hostInterfaces;
  /** Where a misspelt interface name may have meant to go: host interfaces and groups. */
  private final Set<String> interfaceWords;

  Groups(PolicyObjects objects, Host host, SourceMap src, Reporter rep) {
    this.src = src;
    this.rep = rep;
    if (host == null || host.interfaces().isEmpty()) {
      hostInterfaces = null;
    } else {
      hostInterfaces = new TreeSet<>(host.interfaces().keySet());
      hostInterfaces.add("lo");
    }
    interfaceWords = new TreeSet<>(objects.interfaces().keySet());
    if (hostInterfaces != null) {
      interfaceWords.addAll(hostInterfaces);
    }
    networks = new Resolver<>("network group", objects.networks(),
        PolicyPath.objects()::networks, this::address);
    services = new Resolver<>("service group", objects.services(),
        PolicyPath.objects()::services, this::literalService);
    interfaces = new Resolver<>("interface group", objects.interfaces(),
        PolicyPath.objects()::interfaces, (m, pos) -> literalIface(m, pos) ? m : null);
    networks.resolveAll();
    services.resolveAll();
    interfaces.resolveAll();
  }

  /** Network groups, resolved to address ranges. */
  Resolver<IpRange> networks() {
    return networks;
  }

  /** Service groups, resolved to services. */
  Resolver<Service> services() {
    return services;
  }

  /** Interface groups, resolved to interface names and wildcards. */
  Resolver<String> interfaces() {
    return interfaces;
  }

  /**
   * The groups of one kind, each resolved once: members that name a group of the kind are
   * expanded (a group that includes itself, directly or not, is an error at that member), other
   * members are read as literals.
   */
  final class Resolver<T> {
    private final String what;
    private final Map<String, List<String>> declared;
    private final Function<String, ListPath> path;
    private final Literal<T> literal;
    private final Map<String, List<T>> resolved = new HashMap<>();
    /** Groups with an error in themselves or in a group they include. */
    private final Set<String> broken = new HashSet<>();

    private Resolver(String what, Map<String, List<String>> declared,
        Function<String, ListPath> path, Literal<T> literal) {
      this.what = what;
      this.declared = declared;
      this.path = path;
      this.literal = literal;
    }

    boolean has(String name) {
      return declared.containsKey(name);
    }

    /** What the group resolved to (without the members in error; empty if unknown). */
    List<T> get(String name) {
      return resolved.getOrDefault(name, List.of());
    }

    /**
     * True when resolving the group reported an error, in itself or in a group it includes; what
     * it resolved to is then incomplete, and a rule using it should not be judged by it.
     */
    boolean isBroken(String name) {
      return broken.contains(name);
    }

    private void resolveAll() {
      for (String n : declared.keySet()) {
        checkName(n);
        resolve(n, new LinkedHashSet<>());
      }
    }

    private void checkName(String name) {
      if (name.isEmpty() || !name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
        rep.report(Code.PC1011, src.at(path.apply(name)),
            what + " name '" + name + "' must be letters, digits, '_', '.' and '-'");
      } else if (looksLikeAddress(name)) {
        rep.report(Code.PC1011, src.at(path.apply(name)),
            what + " name '" + name + "' looks like an address; pick a name");
      }
    }

    private List<T> resolve(String name, Set<String> visiting) {
      List<T> done = resolved.get(name);
      if (done != null) {
        return done;
      }
      visiting.add(name);
      int errors = rep.errorCount();
      List<T> out = new ArrayList<>();
      List<String> members = declared.get(name);
      ListPath at = path.apply(name);
      for (int i = 0; i < members.size(); i++) {
        String m = members.get(i);
        SourcePos pos = src.at(at.item(i));
        if (declared.containsKey(m)) {
          if (visiting.contains(m)) {
            rep.report(Code.PC1006, pos,
                what + " '" + name + "' includes itself through '" + m + "'");
            continue;
          }
          out.addAll(resolve(m, visiting));
          if (broken.contains(m)) {
            broken.add(name);
          }
        } else {
          T t = literal.read(m, pos);
          if (t != null) {
            out.add(t);
          }
        }
      }
      visiting.remove(name);
      if (rep.errorCount() > errors) {
        broken.add(name);
      }
      resolved.put(name, List.copyOf(out));
      return out;
    }
  }

  static boolean looksLikeAddress(String s) {
    return (s.indexOf('.') >= 0 || s.indexOf(':') >= 0 || s.indexOf('/') >= 0)
        && s.matches("[0-9A-Fa-f.:/\\[\\]-]+(%.*)?");
  }

  /**
   * A literal address, prefix or range; reports and returns null when it is neither (a word that
   * is no address is taken for an unknown network group).
   */
  IpRange address(String text, SourcePos pos) {
    return address(text, pos, null);
  }

  /** {@link #address(String, SourcePos)}, looking up where {@code path} is only for a problem. */
  IpRange address(String text, SourcePath path) {
    return address(text, null, path);
  }

  private IpRange address(String text, SourcePos pos, SourcePath path) {
    if (text.indexOf('%') >= 0 && looksLikeAddress(text)) {
      rep.report(Code.PC2001, pos != null ? pos : src.at(path), "invalid address: '" + text
          + "' has a zone index (%…); iptables matches addresses without zones");
      return null;
    }
    try {
      IpRange r = IpRange.parse(text);
      int slash = text.indexOf('/');
      if (slash >= 0 && !IpAddr.parse(text.substring(0, slash)).equals(r.first())) {
        // iptables masks them silently too; a typo (10.0.0.1/8 for 10.0.0.1/32) opens a /8
        rep.report(Code.PC7011, pos != null ? pos : src.at(path), "'" + text + "' has host"
            + " bits set; it means " + r + " (write that, or the address with its full"
            + " prefix length)");
      }
      return r;
    } catch (IllegalArgumentException e) {
      if (looksLikeAddress(text)) {
        rep.report(Code.PC2001, pos != null ? pos : src.at(path),
            "invalid address: " + e.getMessage());
      } else {
        rep.report(Code.PC1001, pos != null ? pos : src.at(path),
            "unknown network group '" + text + "'");
      }
      return null;
    }
  }

  /**
   * A literal service: {@code tcp/443}, {@code udp/1000-2000}, {@code tcp} (every port), {@code
   * icmp}, {@code icmp/echo-request}, {@code gre}; reports and returns null otherwise.
   */
  Service literalService(String text, SourcePos pos) {
    int slash = text.indexOf('/');
    String protoText = slash < 0 ? text : text.substring(0, slash);
    if (slash < 0 && !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      // "22" reads like a port but would be IP protocol 22; make the writer say which.
      rep.report(Code.PC2012, pos, "service '" + text + "' is a bare number: write tcp/" + text
          + " (or udp/" + text + ") for a port, or a protocol name");
      return null;
    }
    int proto = Protocols.number(protoText);
    if (proto <= 0) {
      if (slash < 0) {
        rep.report(Code.PC1002, pos, "unknown service group '" + text + "'");
      } else {
        rep.report(Code.PC2012, pos, "unknown protocol '" + protoText + "' in service '" + text
            + "'");
      }
      return null;
    }
    if (slash < 0) {
      return new Service(proto, null, null);
    }
    String rest = text.substring(slash + 1);
    if (proto == Protocols.ICMP || proto == Protocols.ICMPV6) {
      Family fam = proto == Protocols.ICMP ? Family.IPV4 : Family.IPV6;
      if (IcmpTypes.resolve(fam, rest) == null) {
        rep.report(Code.PC2005, pos, "unknown ICMP type '" + rest + "' in service '" + text + "'");
        return null;
      }
      return new Service(proto, null, rest);
    }
    if (!Protocols.hasPorts(proto)) {
      rep.report(Code.PC2012, pos,
          "service '" + text + "': protocol " + protoText + " has no ports");
      return null;
    }
    try {
      return new Service(proto, List.of(Values.portRange(rest)), null);
    } catch (IllegalArgumentException e) {
      rep.report(Code.PC2002, pos, "invalid port in service '" + text + "': " + e.getMessage());
      return null;
    }
  }

  /** Checks an interface name or {@code prefix+} wildcard as the kernel and iptables would. */
  /**
   * Checks a literal interface name ({@link #checkIfaceName}) and, when the host model lists the
   * host's interfaces, warns about one it does not have (PC7012): a misspelt group name (in:
   * guestiff for the group guestif) is otherwise an interface that never exists, and the rule
   * silently matches nothing.
   */
  boolean literalIface(String name, SourcePos pos) {
    if (!checkIfaceName(name, pos)) {
      return false;
    }
    if (hostInterfaces != null && !onHost(name)) {
      String near = Suggestion.closest(name, interfaceWords)
          .map(w -> "; did you mean " + (hostInterfaces.contains(w) ? "the interface '"
              : "the interface group '") + w + "'?")
          .orElse("");
      rep.report(Code.PC7012, pos, "interface '" + name + "' is not in the host model ("
          + String.join(", ", hostInterfaces) + ")" + near);
    }
    return true;
  }

  /** A host interface is {@code name}, or for a wildcard {@code eth+}, starts with {@code eth}. */
  private boolean onHost(String name) {
    if (name.endsWith("+")) {
      String stem = name.substring(0, name.length() - 1);
      return hostInterfaces.stream().anyMatch(h -> h.startsWith(stem));
    }
    return hostInterfaces.contains(name);
  }

  boolean checkIfaceName(String name, SourcePos pos) {
    if (name.length() > Netfilter.MAX_IFACE_NAME) {
      rep.report(Code.PC5001, pos,
          "interface name '" + name + "' is longer than " + Netfilter.MAX_IFACE_NAME
              + " characters (the kernel's limit)");
      return false;
    }
    if (name.equals("+")) {
      rep.report(Code.PC2004, pos,
          "'+' matches every interface (iptables-save drops it); leave the match out instead");
      return false;
    }
    if (!name.matches("[A-Za-z0-9_.@-]*\\+?") || name.isEmpty() || name.equals(".")
        || name.equals("..")) {
      rep.report(Code.PC2004, pos, "invalid interface name '" + name + "'");
      return false;
    }
    return true;
  }
}
