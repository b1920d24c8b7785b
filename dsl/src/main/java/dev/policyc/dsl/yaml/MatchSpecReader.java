package dev.policyc.dsl.yaml;

import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads a rule's {@code match} mapping into a {@link MatchSpec}. */
final class MatchSpecReader {
  private static final Set<String> MATCH_KEYS =
      Set.of(
          "family", "src", "dst", "proto", "service", "sport", "dport", "in", "out", "state",
          "icmp-type", "tcp-flags", "syn", "mark", "connmark", "dscp", "tos", "length", "ttl",
          "fragment", "src-type", "dst-type", "set", "limit", "statistic");

  private final NodeReader nodes;

  MatchSpecReader(NodeReader nodes) {
    this.nodes = nodes;
  }

  /** A rule's {@code match} mapping. */
  MatchSpec match(YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, MATCH_KEYS, path);
    Map<String, Entry> e = m.entries();
    Family family =
        e.containsKey("family") ? nodes.family(e.get("family").value(), path + ".family") : null;
    var src = nodes.negList(e, "src", path, nodes::stringList);
    var dst = nodes.negList(e, "dst", path, nodes::stringList);
    var proto = nodes.negScalar(e, "proto", path);
    List<String> services = e.containsKey("service")
        ? nodes.stringList(e.get("service").value(), path + ".service")
        : null;
    var sport = nodes.negList(e, "sport", path, nodes::stringList);
    var dport = nodes.negList(e, "dport", path, nodes::stringList);
    var in = nodes.negScalar(e, "in", path);
    var out = nodes.negScalar(e, "out", path);
    var state = nodes.negList(e, "state", path, (v, p) -> nodes.enumList(v, p, ConnState.class,
        "new, established, related, invalid or untracked"));
    var icmpType = nodes.negScalar(e, "icmp-type", path);
    Negatable<MatchSpec.TcpFlags> tcpFlags = null;
    if (e.containsKey("tcp-flags")) {
      tcpFlags = nodes.negated(e.get("tcp-flags").value(), path + ".tcp-flags", this::tcpFlags);
    }
    Boolean syn = e.containsKey("syn") ? nodes.bool(e.get("syn").value(), path + ".syn") : null;
    var mark = nodes.negScalar(e, "mark", path);
    var connmark = nodes.negScalar(e, "connmark", path);
    var dscp = nodes.negScalar(e, "dscp", path);
    var tos = nodes.negScalar(e, "tos", path);
    var length = nodes.negScalar(e, "length", path);
    MatchSpec.Ttl ttl = e.containsKey("ttl") ? ttl(e.get("ttl").value(), path + ".ttl") : null;
    Boolean fragment = e.containsKey("fragment")
        ? nodes.bool(e.get("fragment").value(), path + ".fragment")
        : null;
    String typeNames = "UNSPEC, UNICAST, LOCAL, BROADCAST or MULTICAST";
    var srcType = nodes.negList(e, "src-type", path,
        (v, p) -> nodes.enumList(v, p, AddressType.class, typeNames));
    var dstType = nodes.negList(e, "dst-type", path,
        (v, p) -> nodes.enumList(v, p, AddressType.class, typeNames));
    List<Negatable<MatchSpec.SetRef>> sets = null;
    if (e.containsKey("set")) {
      sets = new ArrayList<>();
      YamlNode sv = e.get("set").value();
      String sp = path + ".set";
      List<YamlNode> items = sv instanceof YSeq s ? s.items() : List.of(sv);
      nodes.record(sp, sv);
      for (int i = 0; i < items.size(); i++) {
        Negatable<MatchSpec.SetRef> ref =
            nodes.negated(items.get(i), sp + "[" + i + "]", this::setRef);
        if (ref != null) {
          sets.add(ref);
        }
      }
    }
    MatchSpec.Limit limit =
        e.containsKey("limit") ? limit(e.get("limit").value(), path + ".limit") : null;
    Negatable<MatchSpec.Statistic> statistic = e.containsKey("statistic")
        ? nodes.negated(e.get("statistic").value(), path + ".statistic", this::statistic)
        : null;
    return new MatchSpec(
        family, src, dst, proto, services, sport, dport, in, out, state, icmpType, tcpFlags, syn,
        mark, connmark, dscp, tos, length, ttl, fragment, srcType, dstType, sets, limit, statistic);
  }

  private MatchSpec.TcpFlags tcpFlags(YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, Set.of("mask", "set"), path);
    List<TcpFlag> mask = flags(m, "mask", path);
    List<TcpFlag> set = flags(m, "set", path);
    if (!m.entries().containsKey("mask")) {
      nodes.problem(Code.PC0004, "tcp-flags needs 'mask' (the flags examined)", m.pos());
    }
    return mask == null || set == null ? null : new MatchSpec.TcpFlags(mask, set);
  }

  private List<TcpFlag> flags(YMap m, String key, String path) {
    Entry e = m.entries().get(key);
    if (e == null) {
      return List.of();
    }
    List<String> words = nodes.stringList(e.value(), path + "." + key);
    List<TcpFlag> out = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String w = NodeReader.ascii(words.get(i)).toUpperCase(Locale.ROOT);
      if (w.equals("ALL")) {
        out.addAll(Arrays.asList(TcpFlag.values()));
      } else if (!w.equals("NONE")) {
        try {
          out.add(TcpFlag.valueOf(w));
        } catch (IllegalArgumentException ex) {
          nodes.problem(
              Code.PC0008,
              "unknown TCP flag '" + words.get(i) + "' (FIN, SYN, RST, PSH, ACK, URG,"
                  + " ALL or NONE)",
              nodes.positionOr(path + "." + key + "[" + i + "]", e.value().pos()));
        }
      }
    }
    return out.stream().distinct().sorted().toList();
  }

  private MatchSpec.Ttl ttl(YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, Set.of("eq", "ne", "lt", "gt"), path);
    if (m.entries().size() != 1) {
      nodes.problem(Code.PC0008, "ttl takes exactly one of eq, ne, lt, gt", m.pos());
      return null;
    }
    Entry e = m.entries().values().iterator().next();
    if (!Set.of("eq", "ne", "lt", "gt").contains(e.key())) {
      return null; // reported as an unknown key
    }
    Integer v = nodes.integer(e.value(), path + "." + e.key());
    return v == null
        ? null
        : new MatchSpec.Ttl(MatchSpec.Ttl.Op.valueOf(e.key().toUpperCase(Locale.ROOT)), v);
  }

  private MatchSpec.SetRef setRef(YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, Set.of("name", "dir"), path);
    String name = nodes.requiredString(m, "name", path);
    List<String> dirs = List.of("src");
    Entry de = m.entries().get("dir");
    if (de != null) {
      dirs = new ArrayList<>();
      for (String d : nodes.stringList(de.value(), path + ".dir")) {
        dirs.addAll(Arrays.asList(d.split(",", -1)));
      }
    }
    return name == null ? null : new MatchSpec.SetRef(name, dirs);
  }

  private MatchSpec.Limit limit(YamlNode n, String path) {
    if (n instanceof YMap m) {
      nodes.record(path, n);
      nodes.keys(m, Set.of("rate", "burst"), path);
      String rate = nodes.requiredString(m, "rate", path);
      Integer burst = null;
      Entry b = m.entries().get("burst");
      if (b != null) {
        burst = nodes.integer(b.value(), path + ".burst");
      }
      return rate == null ? null : new MatchSpec.Limit(rate, burst);
    }
    String rate = nodes.string(n, path);
    return rate == null ? null : new MatchSpec.Limit(rate, null);
  }

  private MatchSpec.Statistic statistic(YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, Set.of("probability", "every", "packet"), path);
    Entry pe = m.entries().get("probability");
    Entry ee = m.entries().get("every");
    if (pe != null && ee == null && !m.entries().containsKey("packet")) {
      Double p = nodes.number(pe.value(), path + ".probability");
      return p == null
          ? null
          : new MatchSpec.Statistic(MatchSpec.Statistic.Mode.RANDOM, p, null, null);
    }
    if (ee != null && pe == null) {
      Integer every = nodes.integer(ee.value(), path + ".every");
      Integer packet = 0;
      Entry pk = m.entries().get("packet");
      if (pk != null) {
        packet = nodes.integer(pk.value(), path + ".packet");
      }
      return every == null || packet == null
          ? null
          : new MatchSpec.Statistic(MatchSpec.Statistic.Mode.NTH, null, every, packet);
    }
    nodes.problem(
        Code.PC0008,
        "statistic takes either 'probability' or 'every' (with an optional 'packet')",
        m.pos());
    return null;
  }
}
