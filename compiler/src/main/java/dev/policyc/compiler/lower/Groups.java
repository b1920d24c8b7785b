package dev.policyc.compiler.lower;

import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.PolicyObjects;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Reporter;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.path.SourcePath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves the policy's named objects: network groups to address ranges, service groups to
 * (protocol, ports) pairs, interface groups to names. Nested groups are expanded; unknown names
 * and cycles are reported where they are written.
 */
final class Groups {
  /** A service: a protocol with destination ports (null: any) or an ICMP type (null: any). */
  record Service(int proto, List<PortRange> ports, String icmpType) {}

  private final PolicyObjects objects;
  private final SourceMap src;
  private final Reporter rep;
  private final Map<String, List<IpRange>> networks = new HashMap<>();
  private final Map<String, List<Service>> services = new HashMap<>();
  private final Map<String, List<String>> interfaces = new HashMap<>();
  /** Groups with an error in themselves or in a group they include (any kind). */
  private final Set<String> broken = new HashSet<>();

  Groups(PolicyObjects objects, SourceMap src, Reporter rep) {
    this.objects = objects;
    this.src = src;
    this.rep = rep;
    for (String n : objects.networks().keySet()) {
      checkName(n, "network group", PolicyPath.objects().networks(n));
      network(n, new LinkedHashSet<>());
    }
    for (String n : objects.services().keySet()) {
      checkName(n, "service group", PolicyPath.objects().services(n));
      service(n, new LinkedHashSet<>());
    }
    for (String n : objects.interfaces().keySet()) {
      checkName(n, "interface group", PolicyPath.objects().interfaces(n));
      iface(n, new LinkedHashSet<>());
    }
  }

  private void checkName(String name, String what, SourcePath path) {
    if (name.isEmpty() || !name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
      rep.report(Code.PC1011, src.at(path),
          what + " name '" + name + "' must be letters, digits, '_', '.' and '-'");
    } else if (looksLikeAddress(name)) {
      rep.report(Code.PC1011, src.at(path),
          what + " name '" + name + "' looks like an address; pick a name");
    }
  }

  static boolean looksLikeAddress(String s) {
    return (s.indexOf('.') >= 0 || s.indexOf(':') >= 0 || s.indexOf('/') >= 0)
        && s.matches("[0-9A-Fa-f.:/\\[\\]-]+(%.*)?");
  }

  boolean isNetworkGroup(String name) {
    return objects.networks().containsKey(name);
  }

  boolean isServiceGroup(String name) {
    return objects.services().containsKey(name);
  }

  boolean isInterfaceGroup(String name) {
    return objects.interfaces().containsKey(name);
  }

  /** The ranges of a network group (empty after errors). */
  List<IpRange> network(String name) {
    return networks.getOrDefault(name, List.of());
  }

  List<Service> service(String name) {
    return services.getOrDefault(name, List.of());
  }

  List<String> iface(String name) {
    return interfaces.getOrDefault(name, List.of());
  }

  /**
   * True when resolving the group reported an error, in itself or in a group it includes; what
   * it resolved to is then incomplete, and a rule using it should not be judged by it.
   */
  boolean isBroken(String kind, String name) {
    return broken.contains(kind + ":" + name);
  }

  private List<IpRange> network(String name, Set<String> visiting) {
    List<IpRange> done = networks.get(name);
    if (done != null) {
      return done;
    }
    visiting.add(name);
    int errors = rep.errorCount();
    List<IpRange> out = new ArrayList<>();
    List<String> members = objects.networks().get(name);
    for (int i = 0; i < members.size(); i++) {
      String m = members.get(i);
      SourcePos pos = src.at(PolicyPath.objects().networks(name).item(i));
      if (objects.networks().containsKey(m)) {
        if (visiting.contains(m)) {
          rep.report(Code.PC1006, pos,
              "network group '" + name + "' includes itself through '" + m + "'");
          continue;
        }
        out.addAll(network(m, visiting));
        if (isBroken("network", m)) {
          broken.add("network:" + name);
        }
      } else {
        IpRange r = address(m, pos, "network group");
        if (r != null) {
          out.add(r);
        }
      }
    }
    visiting.remove(name);
    if (rep.errorCount() > errors) {
      broken.add("network:" + name);
    }
    networks.put(name, List.copyOf(out));
    return out;
  }

  /** A literal address, prefix or range; reports and returns null when it is neither. */
  IpRange address(String text, SourcePos pos, String context) {
    if (text.indexOf('%') >= 0 && looksLikeAddress(text)) {
      rep.report(Code.PC2001, pos, "invalid address: '" + text + "' has a zone index (%…);"
          + " iptables matches addresses without zones");
      return null;
    }
    try {
      return IpRange.parse(text);
    } catch (IllegalArgumentException e) {
      if (looksLikeAddress(text)) {
        rep.report(Code.PC2001, pos, "invalid address: " + e.getMessage());
      } else {
        rep.report(Code.PC1001, pos, "unknown network group '" + text + "'"
            + (context.equals("network group") ? "" : ""));
      }
      return null;
    }
  }

  private List<Service> service(String name, Set<String> visiting) {
    List<Service> done = services.get(name);
    if (done != null) {
      return done;
    }
    visiting.add(name);
    int errors = rep.errorCount();
    List<Service> out = new ArrayList<>();
    List<String> members = objects.services().get(name);
    for (int i = 0; i < members.size(); i++) {
      String m = members.get(i);
      SourcePos pos = src.at(PolicyPath.objects().services(name).item(i));
      if (objects.services().containsKey(m)) {
        if (visiting.contains(m)) {
          rep.report(Code.PC1006, pos,
              "service group '" + name + "' includes itself through '" + m + "'");
          continue;
        }
        out.addAll(service(m, visiting));
        if (isBroken("service", m)) {
          broken.add("service:" + name);
        }
      } else {
        Service s = literalService(m, pos);
        if (s != null) {
          out.add(s);
        }
      }
    }
    visiting.remove(name);
    if (rep.errorCount() > errors) {
      broken.add("service:" + name);
    }
    services.put(name, List.copyOf(out));
    return out;
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
      var fam = proto == Protocols.ICMP ? dev.policyc.dsl.Family.IPV4 : dev.policyc.dsl.Family.IPV6;
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

  private List<String> iface(String name, Set<String> visiting) {
    List<String> done = interfaces.get(name);
    if (done != null) {
      return done;
    }
    visiting.add(name);
    int errors = rep.errorCount();
    List<String> out = new ArrayList<>();
    List<String> members = objects.interfaces().get(name);
    for (int i = 0; i < members.size(); i++) {
      String m = members.get(i);
      SourcePos pos = src.at(PolicyPath.objects().interfaces(name).item(i));
      if (objects.interfaces().containsKey(m)) {
        if (visiting.contains(m)) {
          rep.report(Code.PC1006, pos,
              "interface group '" + name + "' includes itself through '" + m + "'");
          continue;
        }
        out.addAll(iface(m, visiting));
        if (isBroken("interface", m)) {
          broken.add("interface:" + name);
        }
      } else if (checkIfaceName(m, pos)) {
        out.add(m);
      }
    }
    visiting.remove(name);
    if (rep.errorCount() > errors) {
      broken.add("interface:" + name);
    }
    interfaces.put(name, List.copyOf(out));
    return out;
  }

  /** Checks an interface name or {@code prefix+} wildcard as the kernel and iptables would. */
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
