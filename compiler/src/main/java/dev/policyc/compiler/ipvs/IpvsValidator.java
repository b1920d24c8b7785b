package dev.policyc.compiler.ipvs;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.IpvsSpec;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.Suggestion;
import dev.policyc.dsl.path.IpvsPath;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.path.SourcePath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks the policy's {@code ipvs:} section as the kernel and ipvsadm would, and builds the
 * {@link IpvsConfig}: every problem is reported with its position, and the config is built only
 * when there is none. See {@code docs/ipvs.md} for the rules and their sources.
 */
public final class IpvsValidator {
  /** Defaults of the health check when the policy gives none (keepalived's are per version). */
  static final int DEFAULT_DELAY = 10;
  static final int DEFAULT_TIMEOUT = 5;
  static final int DEFAULT_RETRIES = 3;

  private final SourceMap source;
  private final List<Diagnostic> diagnostics = new ArrayList<>();

  private IpvsValidator(SourceMap source) {
    this.source = source;
  }

  /** The outcome: the config (null when there were errors) and every diagnostic. */
  public record Result(IpvsConfig config, List<Diagnostic> diagnostics) {
    public Result {
      diagnostics = List.copyOf(diagnostics);
    }

    public boolean ok() {
      return config != null;
    }
  }

  /** Checks {@code spec}, positions from {@code source}. */
  public static Result validate(IpvsSpec spec, SourceMap source) {
    IpvsValidator v = new IpvsValidator(source);
    List<VirtualService> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < spec.services().size(); i++) {
      VirtualService vs = v.service(spec.services().get(i), PolicyPath.ipvs(i));
      if (vs != null) {
        String key = vs.ipvsadmName();
        Integer first = seen.putIfAbsent(key, i);
        if (first != null) {
          v.error(Code.PC1031, "virtual service " + key + " is declared twice (first as"
              + " ipvs.services[" + first + "])", PolicyPath.ipvs(i));
        } else {
          out.add(vs);
        }
      }
    }
    boolean errors = v.diagnostics.stream().anyMatch(Diagnostic::isError);
    return new Result(errors ? null : new IpvsConfig(out), v.diagnostics);
  }

  private VirtualService service(IpvsSpec.VirtualService s, IpvsPath at) {
    int before = errorCount();
    IpvsProtocol protocol = null;
    IpAddr address = null;
    int port = 0;
    long fwmark = 0;
    Family family = s.family() == null ? Family.IPV4 : s.family();
    if (s.fwmark() != null) {
      if (s.protocol() != null) {
        error(Code.PC2030, "a fwmark service has no protocol (the mark selects the packets)",
            at.key("protocol"));
      }
      if (s.address() != null) {
        error(Code.PC2030, "a fwmark service has no address (the mark selects the packets)",
            at.key("address"));
      }
      if (s.port() != null) {
        error(Code.PC2030, "a port on a fwmark service: the mark selects the packets, whatever"
            + " their port", at.key("port"));
      }
      fwmark = fwmark(s.fwmark(), at.key("fwmark"));
    } else {
      if (s.family() != null) {
        error(Code.PC2030, "'family' is for fwmark services; an address service has the"
            + " family of its address", at.key("family"));
      }
      if (s.protocol() == null) {
        error(Code.PC2030, "a virtual service needs 'protocol' (tcp, udp or sctp) and"
            + " 'address', or 'fwmark'", at);
      } else {
        try {
          protocol = IpvsProtocol.valueOf(s.protocol().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          error(Code.PC2030, "protocol must be tcp, udp or sctp, not '" + s.protocol() + "'",
              at.key("protocol"));
        }
      }
      if (s.address() == null) {
        if (s.protocol() != null) {
          error(Code.PC2030, "a virtual service needs 'address' (its virtual IP)", at);
        }
      } else {
        address = address(s.address(), at.key("address"));
        if (address != null) {
          family = address.family();
        }
      }
      if (s.port() == null) {
        error(Code.PC2030, "a virtual service needs 'port' (0 for every port, with"
            + " persistence)", at);
      } else if (s.port() < 0 || s.port() > 65535) {
        error(Code.PC2037, "port " + s.port() + " is not in 0-65535", at.key("port"));
      } else {
        port = s.port();
        if (port == 0 && s.persistence() == null) {
          // ipvsadm: "Zero port specified for non-persistent service"
          error(Code.PC2030, "port 0 (every port) needs persistence, as ipvsadm requires",
              at.key("port"));
        }
      }
    }
    Scheduler scheduler = Scheduler.WLC;
    if (s.scheduler() != null) {
      scheduler = Scheduler.of(s.scheduler()).orElse(null);
      if (scheduler == null) {
        Set<String> names = Arrays.stream(Scheduler.values()).map(Scheduler::word)
            .collect(Collectors.toCollection(LinkedHashSet::new));
        error(Code.PC1030, "unknown scheduler '" + s.scheduler() + "'"
            + Suggestion.closest(s.scheduler(), names).map(b -> " (did you mean '" + b + "'?)")
                .orElse(" (one of " + String.join(", ", names) + ")"), at.key("scheduler"));
      }
    }
    int flags = 0;
    for (int k = 0; k < s.flags().size(); k++) {
      String w = s.flags().get(k);
      if (!SchedFlags.WORDS.contains(w)) {
        error(Code.PC1033, "unknown scheduler flag '" + w + "' (one of "
            + String.join(", ", SchedFlags.WORDS) + ")", at.flags().item(k));
      } else if (scheduler != null) {
        Integer bit = SchedFlags.bit(w, scheduler).orElse(null);
        if (bit == null) {
          error(Code.PC1033, "scheduler flag '" + w + "' is for the " + w.substring(0, 2)
              + " scheduler, not " + scheduler.word() + " (ipvsadm: incompatible scheduler"
              + " flag)", at.flags().item(k));
        } else {
          flags |= bit;
        }
      }
    }
    Persistence persistence = s.persistence() == null ? null
        : persistence(s.persistence(), family, at);
    List<RealServer> reals = new ArrayList<>();
    Set<String> endpoints = new HashSet<>();
    for (int j = 0; j < s.realServers().size(); j++) {
      RealServer r = real(s.realServers().get(j), at, j, family, port, fwmark != 0);
      if (r != null) {
        if (!endpoints.add(r.endpoint())) {
          error(Code.PC1032, "real server " + r.endpoint() + " is listed twice",
              at.realServer(j));
        } else {
          reals.add(r);
        }
      }
    }
    HealthCheck check = s.check() == null ? null : check(s.check(), at);
    if (errorCount() > before) {
      return null;
    }
    VirtualService vs = new VirtualService(protocol, address, port, fwmark, family, scheduler,
        flags, persistence, s.onePacket(), reals, check);
    warnings(vs, at);
    return vs;
  }

  private void warnings(VirtualService vs, IpvsPath at) {
    if (vs.reals().stream().noneMatch(r -> r.weight() > 0)) {
      diagnostics.add(new Diagnostic(Code.PC7020, "virtual service " + vs.ipvsadmName()
          + " has no real server of weight above 0: the kernel schedules no connection to it",
          source.atOrEnclosing(at)));
    }
    Set<Integer> weights = vs.reals().stream().map(RealServer::weight).filter(w -> w > 0)
        .collect(Collectors.toSet());
    if (weights.size() > 1 && (vs.scheduler() == Scheduler.RR || vs.scheduler() == Scheduler.LC
        || vs.scheduler() == Scheduler.DH)) {
      diagnostics.add(new Diagnostic(Code.PC7021, "the " + vs.scheduler().word() + " scheduler"
          + " ignores weights other than 0; use w" + vs.scheduler().word().replace("dh", "rr")
          + " to weigh the real servers", source.atOrEnclosing(at.key("scheduler"))));
    }
  }

  private Persistence persistence(IpvsSpec.Persistence p, Family family, IpvsPath at) {
    int timeout = Persistence.DEFAULT_TIMEOUT;
    if (p.timeout() != null) {
      if (p.timeout() < 1) {
        error(Code.PC2033, "persistence timeout must be at least 1 second, not " + p.timeout(),
            at.persistence("timeout"));
        return null;
      }
      timeout = p.timeout();
    }
    int full = family == Family.IPV4 ? 32 : 128;
    int prefix = full;
    String m = p.netmask();
    if (m != null) {
      SourcePath where = at.persistence("netmask");
      if (m.matches("[0-9]{1,3}")) {
        int plen = Integer.parseInt(m);
        if (plen > full) {
          error(family == Family.IPV4 && plen <= 128 ? Code.PC4011 : Code.PC2033,
              "persistence prefix /" + plen + " is longer than an " + family.yamlName()
                  + " address", where);
          return null;
        }
        if (plen < 1) {
          error(Code.PC2033, "persistence prefix must be at least 1", where);
          return null;
        }
        prefix = plen;
      } else if (m.indexOf('.') >= 0) {
        if (family == Family.IPV6) {
          // the kernel reads an IPv6 service's netmask as a prefix length (ip_vs_ctl.c)
          error(Code.PC4011, "a dotted netmask on an IPv6 service: give a prefix length"
              + " (1-128), as ipvsadm -M takes for IPv6", where);
          return null;
        }
        Integer plen = contiguous(m);
        if (plen == null) {
          error(Code.PC2033, "'" + m + "' is not a netmask (contiguous ones, then zeros)",
              where);
          return null;
        }
        prefix = plen;
      } else {
        error(Code.PC2033, "'" + m + "' is not a netmask or a prefix length", where);
        return null;
      }
    }
    return new Persistence(timeout, prefix);
  }

  private static Integer contiguous(String dotted) {
    IpAddr a;
    try {
      a = IpAddr.parse(dotted);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (a.family() != Family.IPV4) {
      return null;
    }
    long v = a.lo();
    int ones = Long.bitCount(v);
    long expect = ones == 0 ? 0 : (0xffffffffL << (32 - ones)) & 0xffffffffL;
    return v == expect && ones > 0 ? ones : null;
  }

  private RealServer real(IpvsSpec.RealServer r, IpvsPath at, int j, Family family, int vport,
      boolean fwmark) {
    int before = errorCount();
    IpAddr address = r.address() == null ? null : address(r.address(), at.realServer(j,
        "address"));
    ForwardMethod method = ForwardMethod.GATE;
    if (r.method() != null) {
      try {
        method = ForwardMethod.valueOf(r.method().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        error(Code.PC2035, "forwarding method must be masq, gate or ipip, not '" + r.method()
            + "'", at.realServer(j, "method"));
        method = null;
      }
    }
    if (address != null && address.family() != family && method != ForwardMethod.IPIP) {
      // ip_vs_ctl.c: mixed families only through a tunnel
      error(Code.PC4010, "an " + address.family().yamlName() + " real server behind an "
          + family.yamlName() + " virtual service: the kernel mixes families only with ipip",
          at.realServer(j, "address"));
    }
    int port = vport;
    if (r.port() != null) {
      if (r.port() < 0 || r.port() > 65535) {
        error(Code.PC2037, "port " + r.port() + " is not in 0-65535", at.realServer(j, "port"));
      } else {
        port = r.port();
        if (port != vport && !fwmark && vport != 0 && method != null
            && method != ForwardMethod.MASQ) {
          error(Code.PC2035, "real server port " + port + " differs from the virtual port "
              + vport + ": only masq can map ports (gate and ipip keep the port)",
              at.realServer(j, "port"));
        }
      }
    }
    int weight = 1;
    if (r.weight() != null) {
      if (r.weight() < 0 || r.weight() > 65535) {
        error(Code.PC2031, "weight " + r.weight() + " is not in 0-65535",
            at.realServer(j, "weight"));
      } else {
        weight = r.weight();
      }
    }
    int upper = threshold(r.upperThreshold(), at.realServer(j, "u-threshold"));
    int lower = threshold(r.lowerThreshold(), at.realServer(j, "l-threshold"));
    if (upper > 0 && lower > upper) {
      error(Code.PC2032, "lower threshold " + lower + " is above the upper one " + upper,
          at.realServer(j, "l-threshold"));
    }
    if (errorCount() > before || address == null || method == null) {
      return null;
    }
    return new RealServer(address, port, weight, method, upper, lower);
  }

  private int threshold(Integer t, SourcePath where) {
    if (t == null) {
      return 0;
    }
    if (t < 0 || t > 65535) {
      error(Code.PC2032, "threshold " + t + " is not in 0-65535", where);
      return 0;
    }
    return t;
  }

  private HealthCheck check(IpvsSpec.HealthCheck c, IpvsPath at) {
    int before = errorCount();
    HealthCheck.Kind kind = null;
    if (c.type() != null) {
      try {
        kind = HealthCheck.Kind.valueOf(c.type().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        error(Code.PC2034, "health check type must be tcp or http, not '" + c.type() + "'",
            at.healthCheck("type"));
      }
    } else {
      error(Code.PC2034, "a health check needs 'type' (tcp or http)", at.healthCheck());
    }
    String path = c.path();
    if (kind == HealthCheck.Kind.TCP && (path != null || c.status() != null)) {
      error(Code.PC2034, "path and status are for http checks, not tcp",
          at.healthCheck(path != null ? "path" : "status"));
    }
    if (kind == HealthCheck.Kind.HTTP) {
      if (path == null) {
        path = "/";
      } else if (!path.startsWith("/") || !path.chars().allMatch(ch -> ch > 32 && ch < 127
          && ch != '"' && ch != '\\')) {
        error(Code.PC2034, "the URL path must start with '/' and hold printable characters"
            + " without spaces, quotes or backslashes", at.healthCheck("path"));
      }
      if (c.status() != null && (c.status() < 100 || c.status() > 599)) {
        error(Code.PC2034, "HTTP status " + c.status() + " is not in 100-599",
            at.healthCheck("status"));
      }
    }
    int delay = positive(c.delay(), DEFAULT_DELAY, 1, at, "delay");
    int timeout = positive(c.timeout(), DEFAULT_TIMEOUT, 1, at, "timeout");
    int retries = positive(c.retries(), DEFAULT_RETRIES, 0, at, "retries");
    if (errorCount() > before) {
      return null;
    }
    return new HealthCheck(kind, kind == HealthCheck.Kind.HTTP ? path : null, c.status(), delay,
        timeout, retries);
  }

  private int positive(Integer v, int dflt, int min, IpvsPath at, String key) {
    if (v == null) {
      return dflt;
    }
    if (v < min) {
      error(Code.PC2034, "health check " + key + " must be at least " + min + ", not " + v,
          at.healthCheck(key));
      return dflt;
    }
    return v;
  }

  private long fwmark(String text, SourcePath where) {
    long v = -1;
    String t = text.strip();
    try {
      if (t.matches("0[xX][0-9a-fA-F]{1,8}")) {
        v = Long.parseLong(t.substring(2), 16);
      } else if (t.matches("[0-9]{1,10}")) {
        v = Long.parseLong(t);
      }
    } catch (NumberFormatException e) {
      v = -1;
    }
    if (v < 1 || v > 0xffffffffL) {
      error(Code.PC2036, "fwmark '" + text + "' is not a number from 1 to 4294967295 (decimal"
          + " or 0x hex)", where);
      return 0;
    }
    return v;
  }

  private IpAddr address(String text, SourcePath where) {
    try {
      return IpAddr.parse(text);
    } catch (IllegalArgumentException e) {
      error(Code.PC2037, "'" + text + "' is not an IP address", where);
      return null;
    }
  }

  private int errorCount() {
    return (int) diagnostics.stream().filter(Diagnostic::isError).count();
  }

  private void error(Code code, String message, SourcePath where) {
    SourcePos pos = source.atOrEnclosing(where);
    diagnostics.add(new Diagnostic(code, message, pos));
  }
}
