package dev.policyc.dsl.yaml;

import dev.policyc.dsl.Action;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Host;
import dev.policyc.dsl.IpvsSpec;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.Ownership;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyObjects;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;
import tools.jackson.dataformat.yaml.util.StringQuotingChecker;

/**
 * Writes a {@link Policy} as YAML in the form {@link PolicyYamlReader} reads. The output is
 * deterministic: keys in a fixed order, values in the order of the model.
 */
public final class PolicyYamlWriter {
  private static final YAMLMapper MAPPER =
      YAMLMapper.builder(
              YAMLFactory.builder()
                  .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
                  .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
                  .enable(YAMLWriteFeature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                  .enable(YAMLWriteFeature.INDENT_ARRAYS_WITH_INDICATOR)
                  .disable(YAMLWriteFeature.SPLIT_LINES)
                  .stringQuotingChecker(new Yaml11Safe())
                  .build())
          .build();

  private PolicyYamlWriter() {}

  /**
   * Quotes every value and key a YAML 1.1 tool could read as something other than a string:
   * anything starting like a number ({@code 20:21} is the integer 1221 there, {@code 0777}
   * octal), the 1.1 booleans, and the 1.1 value and merge keys {@code =} and {@code <<}. policyc
   * reads both forms, but other tools in a GitOps pipeline may not.
   */
  private static final class Yaml11Safe extends StringQuotingChecker.Default {
    private static final long serialVersionUID = 1L;
    private static final Set<String> YAML11_WORDS =
        Set.of("y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "=", "<<");

    @Override
    public boolean needToQuoteValue(String v) {
      return super.needToQuoteValue(v) || yaml11Special(v);
    }

    @Override
    public boolean needToQuoteName(String name) {
      return super.needToQuoteName(name) || yaml11Special(name);
    }

    private static boolean yaml11Special(String v) {
      return (!v.isEmpty() && "0123456789+-.".indexOf(v.charAt(0)) >= 0)
          || YAML11_WORDS.contains(v.toLowerCase(Locale.ROOT));
    }
  }

  /** The policy as YAML text. */
  public static String write(Policy policy) {
    return MAPPER.writeValueAsString(tree(policy));
  }

  static Map<String, Object> tree(Policy p) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("policy", p.name());
    if (p.description() != null) {
      root.put("description", p.description());
    }
    if (p.owns() != Ownership.TABLES) {
      root.put("owns", p.owns().name().toLowerCase(Locale.ROOT));
    }
    if (p.host() != null) {
      root.put("host", host(p.host()));
    }
    if (!p.objects().isEmpty()) {
      root.put("objects", objects(p.objects()));
    }
    for (Table t : Table.values()) {
      List<ChainSpec> chains = p.chains(t);
      if (chains.isEmpty()) {
        continue;
      }
      Map<String, Object> tm = new LinkedHashMap<>();
      for (ChainSpec c : chains) {
        Map<String, Object> cm = new LinkedHashMap<>();
        if (c.policy() != null) {
          cm.put("policy", c.policy().name());
        }
        List<Object> rules = new ArrayList<>();
        for (RuleSpec r : c.rules()) {
          rules.add(rule(r));
        }
        cm.put("rules", rules);
        tm.put(c.name(), cm);
      }
      root.put(t.iptablesName(), tm);
    }
    if (!p.ipvs().isEmpty()) {
      List<Object> services = new ArrayList<>();
      p.ipvs().services().forEach(vs -> services.add(ipvsService(vs)));
      root.put("ipvs", Map.of("services", services));
    }
    return root;
  }

  private static Map<String, Object> ipvsService(IpvsSpec.VirtualService vs) {
    Map<String, Object> m = new LinkedHashMap<>();
    putIf(m, "protocol", vs.protocol());
    putIf(m, "address", vs.address());
    putIf(m, "port", vs.port());
    putIf(m, "fwmark", vs.fwmark());
    putIf(m, "family", vs.family() == null ? null : vs.family().yamlName());
    putIf(m, "scheduler", vs.scheduler());
    if (!vs.flags().isEmpty()) {
      m.put("flags", vs.flags());
    }
    if (vs.persistence() != null) {
      Map<String, Object> pm = new LinkedHashMap<>();
      putIf(pm, "timeout", vs.persistence().timeout());
      putIf(pm, "netmask", vs.persistence().netmask());
      m.put("persistence", pm);
    }
    if (vs.onePacket()) {
      m.put("ops", true);
    }
    List<Object> reals = new ArrayList<>();
    for (IpvsSpec.RealServer r : vs.realServers()) {
      Map<String, Object> rm = new LinkedHashMap<>();
      putIf(rm, "address", r.address());
      putIf(rm, "port", r.port());
      putIf(rm, "weight", r.weight());
      putIf(rm, "method", r.method());
      putIf(rm, "u-threshold", r.upperThreshold());
      putIf(rm, "l-threshold", r.lowerThreshold());
      reals.add(rm);
    }
    m.put("real-servers", reals);
    IpvsSpec.HealthCheck c = vs.check();
    if (c != null) {
      Map<String, Object> cm = new LinkedHashMap<>();
      putIf(cm, "type", c.type());
      putIf(cm, "path", c.path());
      putIf(cm, "status", c.status());
      putIf(cm, "delay", c.delay());
      putIf(cm, "timeout", c.timeout());
      putIf(cm, "retries", c.retries());
      m.put("health-check", cm);
    }
    return m;
  }

  private static void putIf(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  private static Map<String, Object> host(Host h) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (!h.forwarding()) {
      m.put("forwarding", false);
    }
    Map<String, Object> ifs = new LinkedHashMap<>();
    h.interfaces().forEach((k, v) -> ifs.put(k, Map.of("addresses", v)));
    m.put("interfaces", ifs);
    if (!h.routes().isEmpty()) {
      List<Object> routes = new ArrayList<>();
      for (Host.Route r : h.routes()) {
        Map<String, Object> rm = new LinkedHashMap<>();
        rm.put("to", r.to());
        if (r.via() != null) {
          rm.put("via", r.via());
        }
        rm.put("dev", r.dev());
        routes.add(rm);
      }
      m.put("routes", routes);
    }
    return m;
  }

  private static Map<String, Object> objects(PolicyObjects o) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (!o.networks().isEmpty()) {
      m.put("networks", o.networks());
    }
    if (!o.services().isEmpty()) {
      m.put("services", o.services());
    }
    if (!o.interfaces().isEmpty()) {
      m.put("interfaces", o.interfaces());
    }
    if (!o.sets().isEmpty()) {
      Map<String, Object> sets = new LinkedHashMap<>();
      for (IpSetSpec s : o.sets()) {
        Map<String, Object> sm = new LinkedHashMap<>();
        sm.put("type", s.type());
        if (s.family() != null) {
          sm.put("family", s.family().yamlName());
        }
        if (s.range() != null) {
          sm.put("range", s.range());
        }
        if (s.maxelem() != null) {
          sm.put("maxelem", s.maxelem());
        }
        sm.put("entries", s.entries());
        sets.put(s.name(), sm);
      }
      m.put("sets", sets);
    }
    return m;
  }

  private static Map<String, Object> rule(RuleSpec r) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (!r.match().isEmpty()) {
      m.put("match", match(r.match()));
    }
    m.put("action", action(r.action()));
    if (r.comment() != null) {
      m.put("comment", r.comment());
    }
    return m;
  }

  private static Map<String, Object> match(MatchSpec s) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (s.family() != null) {
      m.put("family", s.family().yamlName());
    }
    neg(m, "src", s.src(), PolicyYamlWriter::listOrOne);
    neg(m, "dst", s.dst(), PolicyYamlWriter::listOrOne);
    neg(m, "proto", s.proto(), v -> v);
    if (s.services() != null) {
      m.put("service", listOrOne(s.services()));
    }
    neg(m, "sport", s.sport(), PolicyYamlWriter::listOrOne);
    neg(m, "dport", s.dport(), PolicyYamlWriter::listOrOne);
    neg(m, "in", s.in(), v -> v);
    neg(m, "out", s.out(), v -> v);
    neg(m, "state", s.state(), v -> listOrOne(v.stream().map(x -> x.yamlName()).toList()));
    neg(m, "icmp-type", s.icmpType(), v -> v);
    neg(
        m,
        "tcp-flags",
        s.tcpFlags(),
        v -> {
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("mask", v.mask().stream().map(Enum::name).toList());
          f.put("set", v.set().stream().map(Enum::name).toList());
          return f;
        });
    if (s.syn() != null) {
      m.put("syn", s.syn());
    }
    neg(m, "mark", s.mark(), v -> v);
    neg(m, "connmark", s.connmark(), v -> v);
    neg(m, "dscp", s.dscp(), v -> v);
    neg(m, "tos", s.tos(), v -> v);
    neg(m, "length", s.length(), v -> v);
    if (s.ttl() != null) {
      m.put("ttl", Map.of(s.ttl().op().name().toLowerCase(Locale.ROOT), s.ttl().value()));
    }
    if (s.fragment() != null) {
      m.put("fragment", s.fragment());
    }
    neg(m, "src-type", s.srcType(), v -> listOrOne(v.stream().map(Enum::name).toList()));
    neg(m, "dst-type", s.dstType(), v -> listOrOne(v.stream().map(Enum::name).toList()));
    if (s.sets() != null) {
      List<Object> sets = new ArrayList<>();
      for (Negatable<MatchSpec.SetRef> ref : s.sets()) {
        Map<String, Object> rm = new LinkedHashMap<>();
        rm.put("name", ref.value().name());
        rm.put("dir", listOrOne(ref.value().dirs()));
        sets.add(ref.negated() ? Map.of("not", rm) : rm);
      }
      m.put("set", sets.size() == 1 ? sets.get(0) : sets);
    }
    if (s.limit() != null) {
      if (s.limit().burst() == null) {
        m.put("limit", s.limit().rate());
      } else {
        Map<String, Object> lm = new LinkedHashMap<>();
        lm.put("rate", s.limit().rate());
        lm.put("burst", s.limit().burst());
        m.put("limit", lm);
      }
    }
    neg(m, "statistic", s.statistic(), st -> {
      Map<String, Object> sm = new LinkedHashMap<>();
      if (st.mode() == MatchSpec.Statistic.Mode.RANDOM) {
        sm.put("probability", st.probability());
      } else {
        sm.put("every", st.every());
        sm.put("packet", st.packet());
      }
      return sm;
    });
    return m;
  }

  private static Object action(Action a) {
    if (a instanceof Action.Accept) {
      return "accept";
    } else if (a instanceof Action.Drop) {
      return "drop";
    } else if (a instanceof Action.Reject r) {
      return r.with() == null ? "reject" : Map.of("reject", r.with());
    } else if (a instanceof Action.Return) {
      return "return";
    } else if (a instanceof Action.Jump j) {
      return Map.of("jump", j.chain());
    } else if (a instanceof Action.Goto g) {
      return Map.of("goto", g.chain());
    } else if (a instanceof Action.Log l) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (l.prefix() != null) {
        m.put("prefix", l.prefix());
      }
      if (l.level() != null) {
        m.put("level", l.level());
      }
      return Map.of("log", m);
    } else if (a instanceof Action.Dnat d) {
      return Map.of("dnat", d.to());
    } else if (a instanceof Action.Snat s) {
      return Map.of("snat", s.to());
    } else if (a instanceof Action.Masquerade mq) {
      return mq.ports() == null ? "masquerade" : Map.of("masquerade", Map.of("ports", mq.ports()));
    } else if (a instanceof Action.Redirect rd) {
      return rd.ports() == null ? "redirect" : Map.of("redirect", Map.of("ports", rd.ports()));
    } else if (a instanceof Action.Mark mk) {
      return Map.of("mark", Map.of(mk.op().name().toLowerCase(Locale.ROOT), mk.value()));
    } else if (a instanceof Action.ConnMark cm) {
      String op = cm.op().name().toLowerCase(Locale.ROOT);
      if (cm.op() == Action.ConnMark.Op.SET || cm.op() == Action.ConnMark.Op.XSET) {
        return Map.of("connmark", Map.of(op, cm.value()));
      }
      if (cm.nfmask() == null && cm.ctmask() == null) {
        return Map.of("connmark", op);
      }
      Map<String, Object> masks = new LinkedHashMap<>();
      if (cm.nfmask() != null) {
        masks.put("nfmask", cm.nfmask());
      }
      if (cm.ctmask() != null) {
        masks.put("ctmask", cm.ctmask());
      }
      return Map.of("connmark", Map.of(op, masks));
    } else if (a instanceof Action.Dscp d) {
      return Map.of("dscp", d.value());
    } else if (a instanceof Action.Tos t) {
      return Map.of("tos", t.value());
    } else if (a instanceof Action.Ttl t) {
      return Map.of("ttl", Map.of(t.op().name().toLowerCase(Locale.ROOT), t.value()));
    } else if (a instanceof Action.TcpMss t) {
      return Map.of("tcpmss", t.mss());
    } else if (a instanceof Action.NoTrack) {
      return "notrack";
    } else if (a instanceof Action.Count) {
      return "count";
    }
    throw new AssertionError("unknown action " + a);
  }

  private static <T> void neg(
      Map<String, Object> m, String key, Negatable<T> n, Function<T, Object> value) {
    if (n != null) {
      Object v = value.apply(n.value());
      m.put(key, n.negated() ? Map.of("not", v) : v);
    }
  }

  private static Object listOrOne(List<String> values) {
    return values.size() == 1 ? values.get(0) : values;
  }
}
