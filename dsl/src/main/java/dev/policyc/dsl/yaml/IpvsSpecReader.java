package dev.policyc.dsl.yaml;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.IpvsSpec;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the {@code ipvs:} section: {@code services}, a list of virtual services with their real
 * servers and health check. Types are checked here; ranges, addresses and names by the compiler.
 */
final class IpvsSpecReader {
  private static final Set<String> SERVICE_KEYS = Set.of("protocol", "address", "port",
      "fwmark", "family", "scheduler", "flags", "persistence", "ops", "real-servers",
      "health-check");
  private static final Set<String> REAL_KEYS = Set.of("address", "port", "weight", "method",
      "u-threshold", "l-threshold");
  private static final Set<String> CHECK_KEYS = Set.of("type", "path", "status", "delay",
      "timeout", "retries");

  private final NodeReader nodes;

  IpvsSpecReader(NodeReader nodes) {
    this.nodes = nodes;
  }

  IpvsSpec read(YamlNode n) {
    YMap m = nodes.map(n, "ipvs");
    if (m == null) {
      return IpvsSpec.NONE;
    }
    nodes.keys(m, Set.of("services"), "ipvs");
    Entry se = m.entries().get("services");
    List<IpvsSpec.VirtualService> out = new ArrayList<>();
    if (se != null) {
      YSeq seq = nodes.seq(se.value(), "ipvs.services");
      if (seq != null) {
        for (int i = 0; i < seq.items().size(); i++) {
          IpvsSpec.VirtualService vs = service(seq.items().get(i), "ipvs.services[" + i + "]");
          if (vs != null) {
            out.add(vs);
          }
        }
      }
    }
    return new IpvsSpec(out);
  }

  private IpvsSpec.VirtualService service(YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, SERVICE_KEYS, path);
    String protocol = nodes.optString(m, "protocol", path);
    String address = nodes.optString(m, "address", path);
    Integer port = optInt(m, "port", path);
    String fwmark = nodes.optString(m, "fwmark", path);
    Family family = null;
    Entry fe = m.entries().get("family");
    if (fe != null) {
      family = nodes.family(fe.value(), path + ".family");
    }
    String scheduler = nodes.optString(m, "scheduler", path);
    Entry fl = m.entries().get("flags");
    List<String> flags = fl == null ? List.of() : nodes.stringList(fl.value(), path + ".flags");
    IpvsSpec.Persistence persistence = null;
    Entry pe = m.entries().get("persistence");
    if (pe != null) {
      String pp = path + ".persistence";
      YMap pm = nodes.map(pe.value(), pp);
      if (pm != null) {
        nodes.keys(pm, Set.of("timeout", "netmask"), pp);
        persistence = new IpvsSpec.Persistence(optInt(pm, "timeout", pp),
            nodes.optString(pm, "netmask", pp));
      }
    }
    boolean ops = false;
    Entry oe = m.entries().get("ops");
    if (oe != null) {
      Boolean b = nodes.bool(oe.value(), path + ".ops");
      ops = b != null && b;
    }
    List<IpvsSpec.RealServer> reals = new ArrayList<>();
    Entry re = m.entries().get("real-servers");
    if (re != null) {
      YSeq rs = nodes.seq(re.value(), path + ".real-servers");
      if (rs != null) {
        for (int j = 0; j < rs.items().size(); j++) {
          IpvsSpec.RealServer r = real(rs.items().get(j), path + ".real-servers[" + j + "]");
          if (r != null) {
            reals.add(r);
          }
        }
      }
    }
    IpvsSpec.HealthCheck check = null;
    Entry ce = m.entries().get("health-check");
    if (ce != null) {
      String cp = path + ".health-check";
      YMap cm = nodes.map(ce.value(), cp);
      if (cm != null) {
        nodes.keys(cm, CHECK_KEYS, cp);
        check = new IpvsSpec.HealthCheck(nodes.requiredString(cm, "type", cp),
            nodes.optString(cm, "path", cp), optInt(cm, "status", cp), optInt(cm, "delay", cp),
            optInt(cm, "timeout", cp), optInt(cm, "retries", cp));
      }
    }
    return new IpvsSpec.VirtualService(protocol, address, port, fwmark, family, scheduler,
        flags, persistence, ops, reals, check);
  }

  private IpvsSpec.RealServer real(YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, REAL_KEYS, path);
    String address = nodes.requiredString(m, "address", path);
    return new IpvsSpec.RealServer(address, optInt(m, "port", path), optInt(m, "weight", path),
        nodes.optString(m, "method", path), optInt(m, "u-threshold", path),
        optInt(m, "l-threshold", path));
  }

  private Integer optInt(YMap m, String key, String path) {
    Entry e = m.entries().get(key);
    return e == null ? null : nodes.integer(e.value(), path + "." + key);
  }
}
