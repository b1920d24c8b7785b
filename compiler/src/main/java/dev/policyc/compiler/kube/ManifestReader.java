package dev.policyc.compiler.kube;

import dev.policyc.compiler.kube.KubeObjects.Endpoint;
import dev.policyc.compiler.kube.KubeObjects.EndpointSlice;
import dev.policyc.compiler.kube.KubeObjects.Protocol;
import dev.policyc.compiler.kube.KubeObjects.Service;
import dev.policyc.compiler.kube.KubeObjects.ServicePort;
import dev.policyc.compiler.kube.KubeObjects.ServiceType;
import dev.policyc.compiler.kube.KubeObjects.SlicePort;
import dev.policyc.compiler.kube.Yaml.YMap;
import dev.policyc.compiler.kube.Yaml.YScalar;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Reads Service and EndpointSlice manifests: multi-document YAML, {@code List} kinds holding
 * them, the fields kube-proxy reads and the checks the API server would have made on them.
 */
final class ManifestReader {
  private static final Set<String> LISTS = Set.of("List", "ServiceList", "EndpointSliceList");

  private final List<Diagnostic> problems;
  /** Whether nodes keep where they are written (see {@link Yaml#read}). */
  private final boolean positions;
  private final Fields f;
  final List<Service> services = new ArrayList<>();
  final List<EndpointSlice> slices = new ArrayList<>();

  ManifestReader(List<Diagnostic> problems, boolean positions) {
    this.problems = problems;
    this.positions = positions;
    this.f = new Fields(problems, Code.PC8104, Code.PC8103);
  }

  /**
   * Reads every object of one file, each document as soon as it is parsed. A large file's
   * pieces ({@link Yaml#pieces}) are read in parallel, each by a reader of its own, and joined
   * in file order. As for a small file, a syntax error anywhere leaves only the syntax errors.
   */
  void read(String file, String text) {
    List<int[]> pieces = Yaml.pieces(text);
    List<Piece> read = pieces.size() == 1 ? List.of(piece(file, text, pieces.get(0), positions))
        : IntStream.range(0, pieces.size()).parallel()
            .mapToObj(i -> piece(file, text, pieces.get(i), positions)).toList();
    if (read.stream().anyMatch(r -> !r.syntax().isEmpty())) {
      read.forEach(r -> problems.addAll(r.syntax()));
      return;
    }
    for (Piece r : read) {
      problems.addAll(r.reader().problems);
      services.addAll(r.reader().services);
      slices.addAll(r.reader().slices);
    }
  }

  /** One piece of a file read: its syntax error if any, else what its reader found. */
  private record Piece(List<Diagnostic> syntax, ManifestReader reader) {}

  private static Piece piece(String file, String text, int[] piece, boolean positions) {
    ManifestReader r = new ManifestReader(new ArrayList<>(), positions);
    List<Diagnostic> syntax = new ArrayList<>(1);
    String part = piece[0] == 0 && piece[1] == text.length() ? text
        : text.substring(piece[0], piece[1]);
    Yaml.read(file, part, piece[2], positions, doc -> {
      if (!(doc instanceof YScalar s && s.isNull())) { // an empty document, as after "---"
        r.object(doc, false);
      }
    }, syntax);
    return new Piece(syntax, r);
  }

  private void object(Yaml doc, boolean inList) {
    if (!(doc instanceof YMap m)) {
      f.error(Code.PC8101, "a Kubernetes object must be a mapping", doc.pos());
      return;
    }
    String kind = f.required(m, "kind", "kind", m.pos());
    if (kind == null) {
      return;
    }
    switch (kind) {
      case "Service" -> service(m);
      case "EndpointSlice" -> slice(m);
      default -> {
        if (LISTS.contains(kind) && !inList) {
          for (Yaml item : f.seq(m, "items", "items")) {
            object(item, true);
          }
        } else {
          f.error(Code.PC8102, "unknown kind '" + kind + "': policyc kube reads Service,"
              + " EndpointSlice and List", Fields.at(m, "kind"));
        }
      }
    }
  }

  private void service(YMap m) {
    YMap meta = f.map(m, "metadata", "metadata");
    String name = f.required(meta, "name", "metadata.name", m.pos());
    String ns = namespace(meta);
    YMap spec = f.map(m, "spec", "spec");
    if (spec == null) {
      f.error(Code.PC8103, "spec is missing", m.pos());
      return;
    }
    String typeWord = f.string(spec, "type", "spec.type");
    ServiceType type = ServiceType.CLUSTER_IP;
    if (typeWord != null) {
      type = null;
      for (ServiceType t : ServiceType.values()) {
        if (t.word.equals(typeWord)) {
          type = t;
        }
      }
      if (type == null) {
        f.bad("spec.type must be ClusterIP, NodePort, LoadBalancer or ExternalName, not '"
            + typeWord + "'", Fields.at(spec, "type"));
        return;
      }
    }
    String clusterIP = f.string(spec, "clusterIP", "spec.clusterIP");
    List<String> clusterIPs = f.strings(spec, "clusterIPs", "spec.clusterIPs");
    List<String> families = ipFamilies(spec);
    if (clusterIP == null && !clusterIPs.isEmpty()) {
      clusterIP = clusterIPs.get(0);
    }
    if (type == ServiceType.EXTERNAL_NAME || "None".equals(clusterIP)) {
      clusterIP = null; // ExternalName and headless Services get no rules from kube-proxy
      clusterIPs = List.of();
    } else if (clusterIP == null) {
      f.error(Code.PC8103, "spec.clusterIP is missing (the API server allocates it; give the"
          + " allocated address, or None for a headless Service)", spec.pos());
    } else {
      clusterIPs = clusterIPs(spec, clusterIP, clusterIPs, families);
    }
    List<ServicePort> ports = new ArrayList<>();
    List<Yaml> portNodes = f.seq(spec, "ports", "spec.ports");
    if (portNodes.isEmpty() && type != ServiceType.EXTERNAL_NAME && clusterIP != null) {
      f.error(Code.PC8103, "spec.ports is missing: a Service needs at least one port",
          spec.pos());
    }
    for (Yaml pn : portNodes) {
      ServicePort p = servicePort(pn, portNodes.size());
      if (p != null) {
        for (ServicePort q : ports) {
          if (q.name().equals(p.name())) {
            f.bad("two ports are named '" + p.name() + "'", p.namePos());
          }
        }
        ports.add(p);
      }
    }
    List<String> externalIPs = new ArrayList<>();
    List<String> externalTexts = f.strings(spec, "externalIPs", "spec.externalIPs");
    for (int i = 0; i < externalTexts.size(); i++) {
      if (address(externalTexts.get(i), ((Yaml.YSeq) spec.get("externalIPs")).items().get(i)
          .pos(), "an external IP")) {
        externalIPs.add(externalTexts.get(i));
      }
    }
    List<String> ingress = new ArrayList<>();
    List<String> ranges = new ArrayList<>();
    if (type == ServiceType.LOAD_BALANCER) {
      YMap status = f.map(m, "status", "status");
      YMap lb = f.map(status, "loadBalancer", "status.loadBalancer");
      for (Yaml in : f.seq(lb, "ingress", "status.loadBalancer.ingress")) {
        if (in instanceof YMap im) {
          String ip = f.string(im, "ip", "an ingress ip");
          // kube-proxy (>= 1.30) programs an ingress IP only in ipMode VIP (or unset); in
          // ipMode Proxy the load balancer proxies to the nodes and the IP is left alone
          String mode = f.string(im, "ipMode", "an ingress ipMode");
          if (mode != null && !mode.equals("VIP") && !mode.equals("Proxy")) {
            f.bad("an ingress ipMode must be VIP or Proxy, not '" + mode + "'",
                Fields.at(im, "ipMode"));
          }
          if (ip != null && address(ip, Fields.at(im, "ip"), "a load balancer ingress IP")
              && !"Proxy".equals(mode)) {
            ingress.add(ip);
          }
        } else {
          f.bad("each ingress must be a mapping", in.pos());
        }
      }
      List<Yaml> rangeNodes = f.seq(spec, "loadBalancerSourceRanges",
          "spec.loadBalancerSourceRanges");
      for (Yaml rn : rangeNodes) {
        if (rn instanceof YScalar s && !s.isNull()) {
          // kube-proxy trims the blanks the API has let through (its own test keeps one).
          String r = s.text().strip();
          if (Addrs.net(r, false) == null) {
            f.error(Code.PC8105, "'" + s.text() + "' is not an IPv4 or IPv6 CIDR", rn.pos());
          } else {
            ranges.add(r);
          }
        } else {
          f.bad("each source range must be a string", rn.pos());
        }
      }
    }
    boolean eLocal = policy(spec, "externalTrafficPolicy");
    boolean iLocal = policy(spec, "internalTrafficPolicy");
    String affinity = f.string(spec, "sessionAffinity", "spec.sessionAffinity");
    int timeout = 0;
    if ("ClientIP".equals(affinity)) {
      YMap cfg = f.map(f.map(spec, "sessionAffinityConfig", "spec.sessionAffinityConfig"),
          "clientIP", "spec.sessionAffinityConfig.clientIP");
      timeout = f.integer(cfg, "timeoutSeconds",
          "spec.sessionAffinityConfig.clientIP.timeoutSeconds", 10800);
      if (timeout < 1 || timeout > 86400) {
        f.bad("timeoutSeconds must be within 1..86400", Fields.at(cfg, "timeoutSeconds"));
      }
    } else if (affinity != null && !affinity.equals("None")) {
      f.bad("spec.sessionAffinity must be None or ClientIP, not '" + affinity + "'",
          Fields.at(spec, "sessionAffinity"));
    }
    int hc = f.integer(spec, "healthCheckNodePort", "spec.healthCheckNodePort", 0);
    if (hc < 0 || hc > 65535) {
      f.error(Code.PC8106, "healthCheckNodePort " + hc + " is not a port",
          Fields.at(spec, "healthCheckNodePort"));
    }
    // kube-proxy serves a health check only for a LoadBalancer with the Local policy.
    if (type != ServiceType.LOAD_BALANCER || !eLocal) {
      hc = 0;
    }
    if (name != null) {
      services.add(new Service(ns, name, type, clusterIP, clusterIPs, families, ports,
          externalIPs, ingress, ranges, eLocal, iLocal, timeout, hc, m.pos()));
    }
  }

  private boolean policy(YMap spec, String key) {
    String v = f.string(spec, key, "spec." + key);
    if (v == null || v.equals("Cluster")) {
      return false;
    }
    if (v.equals("Local")) {
      return true;
    }
    f.bad("spec." + key + " must be Cluster or Local, not '" + v + "'", Fields.at(spec, key));
    return false;
  }

  private ServicePort servicePort(Yaml pn, int count) {
    if (!(pn instanceof YMap p)) {
      f.bad("each port must be a mapping", pn.pos());
      return null;
    }
    String name = f.string(p, "name", "a port's name");
    if (name == null) {
      name = "";
      if (count > 1) {
        f.error(Code.PC8103, "a Service with several ports must name each", p.pos());
      }
    }
    Protocol proto = protocol(p);
    if (!p.entries().containsKey("port")) {
      f.error(Code.PC8103, "the port's port is missing", p.pos());
      return null;
    }
    int port = f.integer(p, "port", "port", 0);
    if (port < 1 || port > 65535) {
      f.error(Code.PC8106, "port " + port + " is out of range 1..65535", Fields.at(p, "port"));
    }
    int nodePort = f.integer(p, "nodePort", "nodePort", 0);
    if (nodePort != 0 && (nodePort < 1 || nodePort > 65535)) {
      f.error(Code.PC8106, "nodePort " + nodePort + " is out of range 1..65535",
          Fields.at(p, "nodePort"));
      nodePort = 0;
    }
    SourcePos namePos = p.entries().containsKey("name") ? Fields.at(p, "name") : p.pos();
    return proto == null ? null : new ServicePort(name, proto, port, nodePort, p.pos(), namePos);
  }

  private Protocol protocol(YMap p) {
    String w = f.string(p, "protocol", "protocol");
    if (w == null) {
      return Protocol.TCP;
    }
    for (Protocol pr : Protocol.values()) {
      if (pr.name().equals(w)) {
        return pr;
      }
    }
    f.bad("protocol must be TCP, UDP or SCTP, not '" + w + "'", Fields.at(p, "protocol"));
    return null;
  }

  private boolean address(String ip, SourcePos pos, String what) {
    if (Addrs.family(ip) == null) {
      f.error(Code.PC8105, what + " '" + ip + "' is not an IPv4 or IPv6 address", pos);
      return false;
    }
    return true;
  }

  /** spec.ipFamilies: IPv4 and IPv6, each at most once. */
  private List<String> ipFamilies(YMap spec) {
    List<String> out = f.strings(spec, "ipFamilies", "spec.ipFamilies");
    List<Yaml> items = f.seq(spec, "ipFamilies", "spec.ipFamilies");
    for (int i = 0; i < out.size() && i < items.size(); i++) {
      String w = out.get(i);
      if (!w.equals("IPv4") && !w.equals("IPv6")) {
        f.bad("spec.ipFamilies must hold IPv4 and IPv6, not '" + w + "'", items.get(i).pos());
      } else if (out.subList(0, i).contains(w)) {
        f.bad("spec.ipFamilies names " + w + " twice", items.get(i).pos());
      }
    }
    return out;
  }

  /**
   * Checks the cluster IPs as the API server does (each an address, the first the primary
   * spec.clusterIP, at most one of each family, each of the family ipFamilies gives it), and
   * returns them; a Service that gives only spec.clusterIP has that one.
   */
  private List<String> clusterIPs(YMap spec, String clusterIP, List<String> given,
      List<String> families) {
    List<String> ips = given.isEmpty() ? List.of(clusterIP) : given;
    List<Yaml> items = f.seq(spec, "clusterIPs", "spec.clusterIPs");
    String[] seen = new String[2];
    for (int i = 0; i < ips.size(); i++) {
      SourcePos pos = given.isEmpty() ? Fields.at(spec, "clusterIP")
          : i < items.size() ? items.get(i).pos() : spec.pos();
      String ip = ips.get(i);
      String what = given.isEmpty() ? "spec.clusterIP" : "spec.clusterIPs[" + i + "]";
      if (!address(ip, pos, what)) {
        continue;
      }
      String family = Addrs.word(Addrs.family(ip));
      if (i == 0 && !given.isEmpty() && !ip.equals(clusterIP)) {
        f.bad("spec.clusterIPs[0] '" + ip + "' must be spec.clusterIP '" + clusterIP + "'",
            pos);
      } else if (i >= 2 || family.equals(seen[0])) {
        f.bad(what + " '" + ip + "': a Service has at most one cluster IP of each family",
            pos);
      } else if (i < families.size() && !families.get(i).equals(family)) {
        f.bad(what + " '" + ip + "' is not of the family spec.ipFamilies[" + i + "] ("
            + families.get(i) + ")", pos);
      }
      if (i < 2) {
        seen[i] = family;
      }
    }
    return ips;
  }

  private String namespace(YMap meta) {
    String ns = f.string(meta, "namespace", "metadata.namespace");
    return ns == null ? "default" : ns;
  }

  private void slice(YMap m) {
    YMap meta = f.map(m, "metadata", "metadata");
    String name = f.required(meta, "name", "metadata.name", m.pos());
    String ns = namespace(meta);
    YMap labels = f.map(meta, "labels", "metadata.labels");
    String svc = f.string(labels, "kubernetes.io/service-name",
        "the label kubernetes.io/service-name");
    if (svc == null) {
      f.error(Code.PC8103, "the label kubernetes.io/service-name is missing: it names the"
          + " Service of the slice", meta == null ? m.pos() : meta.pos());
    }
    String addressType = f.required(m, "addressType", "addressType", m.pos());
    if (addressType != null && !Set.of("IPv4", "IPv6", "FQDN").contains(addressType)) {
      f.bad("addressType must be IPv4, IPv6 or FQDN, not '" + addressType + "'",
          Fields.at(m, "addressType"));
    }
    dev.policyc.dsl.Family family = "IPv4".equals(addressType) ? dev.policyc.dsl.Family.IPV4
        : "IPv6".equals(addressType) ? dev.policyc.dsl.Family.IPV6 : null;
    List<Endpoint> eps = new ArrayList<>();
    for (Yaml en : f.seq(m, "endpoints", "endpoints")) {
      if (!(en instanceof YMap e)) {
        f.bad("each endpoint must be a mapping", en.pos());
        continue;
      }
      List<String> addrs = f.strings(e, "addresses", "addresses");
      if (addrs.isEmpty()) {
        f.error(Code.PC8103, "the endpoint has no addresses", e.pos());
        continue;
      }
      // kube-proxy uses the first address only (the API allows one).
      String addr = addrs.get(0);
      if (family != null && Addrs.family(addr) != family) {
        f.error(Code.PC8105, "an endpoint address '" + addr + "' is not an " + addressType
            + " address", ((Yaml.YSeq) e.get("addresses")).items().get(0).pos());
        continue;
      }
      if (family == dev.policyc.dsl.Family.IPV6) {
        addr = Addrs.canonical(addr); // kube-proxy keeps ParseIPSloppy(address).String()
      }
      YMap cond = f.map(e, "conditions", "conditions");
      Boolean ready = tri(cond, "ready");
      Boolean serving = tri(cond, "serving");
      Boolean terminating = tri(cond, "terminating");
      boolean r = ready == null || ready;
      eps.add(new Endpoint(addr, f.string(e, "nodeName", "nodeName"), r,
          serving == null ? r : serving, terminating != null && terminating, e.pos()));
    }
    List<SlicePort> ports = new ArrayList<>();
    for (Yaml pn : f.seq(m, "ports", "ports")) {
      if (!(pn instanceof YMap p)) {
        f.bad("each port must be a mapping", pn.pos());
        continue;
      }
      String pname = f.string(p, "name", "a port's name");
      Protocol proto = protocol(p);
      if (!p.entries().containsKey("port")) {
        f.error(Code.PC8103, "the port's port is missing", p.pos());
        continue;
      }
      int port = f.integer(p, "port", "port", 0);
      if (port < 1 || port > 65535) {
        f.error(Code.PC8106, "port " + port + " is out of range 1..65535",
            Fields.at(p, "port"));
        continue;
      }
      if (proto != null) {
        ports.add(new SlicePort(pname == null ? "" : pname, proto, port,
            p.entries().containsKey("name") ? Fields.at(p, "name") : p.pos()));
      }
    }
    if (name != null && svc != null && addressType != null) {
      slices.add(new EndpointSlice(ns, name, svc, addressType, eps, ports, m.pos()));
    }
  }

  private Boolean tri(YMap cond, String key) {
    if (cond == null || cond.get(key) == null
        || cond.get(key) instanceof YScalar s && s.isNull()) {
      return null;
    }
    return f.bool(cond, key, "conditions." + key, true);
  }
}
