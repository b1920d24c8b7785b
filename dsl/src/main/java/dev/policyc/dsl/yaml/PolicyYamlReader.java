package dev.policyc.dsl.yaml;

import dev.policyc.dsl.Action;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Host;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyObjects;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YScalar;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Reads a policy file into a {@link Policy}, keeping the position of every element.
 *
 * <p>Unknown keys, wrong types and bad enum values are errors with {@code file:line:column};
 * the reader reports all of them before giving up. Values that need the rest of the policy to be
 * checked (addresses, ports, group names) are kept as written and checked by the compiler.
 */
public final class PolicyYamlReader {
  private static final Set<String> TOP_KEYS =
      Set.of("policy", "description", "host", "objects", "filter", "nat", "mangle", "raw");
  private static final Set<String> MATCH_KEYS =
      Set.of(
          "family", "src", "dst", "proto", "service", "sport", "dport", "in", "out", "state",
          "icmp-type", "tcp-flags", "syn", "mark", "connmark", "dscp", "tos", "length", "ttl",
          "fragment", "src-type", "dst-type", "set", "limit", "statistic");
  private static final Set<String> ACTION_WORDS =
      Set.of("accept", "drop", "reject", "return", "masquerade", "redirect", "notrack",
          "count");
  private static final Set<String> ACTION_KEYS =
      Set.of(
          "reject", "jump", "goto", "log", "dnat", "snat", "masquerade", "redirect", "mark",
          "connmark", "dscp", "tos", "ttl", "tcpmss");

  private final String file;
  private final List<Diagnostic> problems = new ArrayList<>();
  private final Map<String, SourcePos> positions = new LinkedHashMap<>();

  private PolicyYamlReader(String file) {
    this.file = file;
  }

  /** Reads a policy file. */
  public static Policy read(Path path) throws IOException, PolicyParseException {
    return read(path.toString(), new StringReader(utf8(path)));
  }

  /**
   * The file's text; a byte that is not UTF-8 is a problem at its line and column, where
   * Files.readString would only say "Input length = 1".
   */
  private static String utf8(Path path) throws IOException, PolicyParseException {
    byte[] bytes = Files.readAllBytes(path);
    CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never decodes to more chars
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
    CoderResult r = dec.decode(in, out, true);
    if (!r.isError()) {
      r = dec.flush(out);
    }
    if (r.isError()) {
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < out.position(); i++) {
        if (out.get(i) == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new PolicyParseException(List.of(new Diagnostic(Code.PC0001,
          String.format("byte 0x%02X is not UTF-8; policy files are UTF-8 text",
              bytes[in.position()] & 0xff),
          new SourcePos(path.toString(), line, out.position() - lineStart + 1))));
    }
    return out.flip().toString();
  }

  /** Reads a policy from text; {@code file} names it in positions. */
  public static Policy read(String file, String text) throws PolicyParseException {
    return read(file, new StringReader(text));
  }

  /** Reads a policy from a reader; {@code file} names it in positions. */
  public static Policy read(String file, Reader in) throws PolicyParseException {
    PolicyYamlReader r = new PolicyYamlReader(file);
    YamlNode root = new YamlTreeReader(file, r.problems).read(in);
    Policy p = root == null ? null : r.policy(root);
    if (!r.problems.isEmpty() || p == null) {
      throw new PolicyParseException(r.problems);
    }
    return p;
  }

  private Policy policy(YamlNode root) {
    YMap m = map(root, "");
    if (m == null) {
      return null;
    }
    keys(m, TOP_KEYS, "");
    String name = requiredString(m, "policy", "");
    String description = optString(m, "description", "");
    Host host = m.entries().containsKey("host") ? host(m.entries().get("host").value()) : null;
    PolicyObjects objects =
        m.entries().containsKey("objects")
            ? objects(m.entries().get("objects").value())
            : PolicyObjects.NONE;
    List<ChainSpec> chains = new ArrayList<>();
    for (Table t : Table.values()) {
      Entry e = m.entries().get(t.iptablesName());
      if (e != null) {
        chains.addAll(table(t, e.value()));
      }
    }
    if (name == null) {
      return null;
    }
    return new Policy(
        name, description, host, objects, chains, SourceMap.of(file, positions));
  }

  // ---------------------------------------------------------------- host

  private Host host(YamlNode n) {
    YMap m = map(n, "host");
    if (m == null) {
      return null;
    }
    keys(m, Set.of("forwarding", "interfaces", "routes"), "host");
    boolean forwarding = true;
    Entry fw = m.entries().get("forwarding");
    if (fw != null) {
      Boolean b = bool(fw.value(), "host.forwarding");
      forwarding = b == null || b;
    }
    Map<String, List<String>> ifaces = new LinkedHashMap<>();
    Entry ie = m.entries().get("interfaces");
    if (ie != null) {
      YMap im = map(ie.value(), "host.interfaces");
      if (im != null) {
        for (Entry e : im.entries().values()) {
          String path = "host.interfaces." + e.key();
          // Diagnostics about an interface's name point at the name, not at its addresses.
          positions.put(path, e.keyPos());
          YamlNode v = e.value();
          if (v instanceof YMap vm) {
            record(path, v);
            keys(vm, Set.of("addresses"), path);
            Entry a = vm.entries().get("addresses");
            ifaces.put(e.key(), a == null ? List.of() : stringList(a.value(), path));
          } else {
            ifaces.put(e.key(), stringList(v, path));
          }
        }
      }
    }
    List<Host.Route> routes = new ArrayList<>();
    Entry re = m.entries().get("routes");
    if (re != null) {
      YSeq seq = seq(re.value(), "host.routes");
      if (seq != null) {
        for (int i = 0; i < seq.items().size(); i++) {
          String path = "host.routes[" + i + "]";
          YMap rm = map(seq.items().get(i), path);
          if (rm == null) {
            continue;
          }
          keys(rm, Set.of("to", "via", "dev"), path);
          String to = requiredString(rm, "to", path);
          String via = optString(rm, "via", path);
          String dev = requiredString(rm, "dev", path);
          if (to != null && dev != null) {
            routes.add(new Host.Route(to, via, dev));
          }
        }
      }
    }
    return new Host(forwarding, ifaces, routes);
  }

  // ---------------------------------------------------------------- objects

  private PolicyObjects objects(YamlNode n) {
    YMap m = map(n, "objects");
    if (m == null) {
      return PolicyObjects.NONE;
    }
    keys(m, Set.of("networks", "services", "interfaces", "sets"), "objects");
    Map<String, List<String>> networks = groups(m, "networks");
    Map<String, List<String>> services = groups(m, "services");
    Map<String, List<String>> interfaces = groups(m, "interfaces");
    List<IpSetSpec> sets = new ArrayList<>();
    Entry se = m.entries().get("sets");
    if (se != null) {
      YMap sm = map(se.value(), "objects.sets");
      if (sm != null) {
        for (Entry e : sm.entries().values()) {
          // Diagnostics about a set as a whole (its name, its size) point at its name.
          positions.put("objects.sets." + e.key(), e.keyPos());
          IpSetSpec s = set(e.key(), e.value(), "objects.sets." + e.key());
          if (s != null) {
            sets.add(s);
          }
        }
      }
    }
    return new PolicyObjects(networks, services, interfaces, sets);
  }

  private Map<String, List<String>> groups(YMap objects, String kind) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Entry e = objects.entries().get(kind);
    if (e == null) {
      return out;
    }
    YMap m = map(e.value(), "objects." + kind);
    if (m != null) {
      for (Entry g : m.entries().values()) {
        // Diagnostics about a group's name point at the name, not at its first member.
        positions.put("objects." + kind + "." + g.key(), g.keyPos());
        out.put(g.key(), stringList(g.value(), "objects." + kind + "." + g.key()));
      }
    }
    return out;
  }

  private IpSetSpec set(String name, YamlNode n, String path) {
    YMap m = map(n, path);
    if (m == null) {
      return null;
    }
    keys(m, Set.of("type", "family", "entries", "range", "maxelem"), path);
    String type = requiredString(m, "type", path);
    Family family = Family.IPV4;
    Entry fe = m.entries().get("family");
    if (fe != null) {
      family = family(fe.value(), path + ".family");
    }
    Entry ee = m.entries().get("entries");
    List<String> entries = ee == null ? List.of() : stringList(ee.value(), path + ".entries");
    String range = optString(m, "range", path);
    Integer maxelem = null;
    Entry me = m.entries().get("maxelem");
    if (me != null) {
      maxelem = integer(me.value(), path + ".maxelem");
    }
    return type == null ? null : new IpSetSpec(name, type, family, entries, range, maxelem);
  }

  // ---------------------------------------------------------------- chains

  private List<ChainSpec> table(Table t, YamlNode n) {
    String tpath = t.iptablesName();
    YMap m = map(n, tpath);
    List<ChainSpec> out = new ArrayList<>();
    if (m == null) {
      return out;
    }
    for (Entry e : m.entries().values()) {
      String path = tpath + "." + e.key();
      record(path, e.value());
      positions.put(path, e.keyPos());
      Verdict policy = null;
      YamlNode rulesNode = null;
      if (e.value() instanceof YMap cm) {
        keys(cm, Set.of("policy", "rules"), path);
        Entry pe = cm.entries().get("policy");
        if (pe != null) {
          policy = enumValue(pe.value(), path + ".policy", Verdict.class, "ACCEPT or DROP");
        }
        Entry re = cm.entries().get("rules");
        rulesNode = re == null ? null : re.value();
      } else if (e.value() instanceof YSeq) {
        rulesNode = e.value();
      } else if (!(e.value() instanceof YScalar s && s.kind() == YScalar.Kind.NULL)) {
        problem(
            Code.PC0003,
            "chain '" + e.key() + "' must be a mapping with 'policy' and 'rules', or a list of"
                + " rules",
            e.value().pos());
      }
      List<RuleSpec> rules = new ArrayList<>();
      if (rulesNode != null) {
        YSeq seq = seq(rulesNode, path + ".rules");
        if (seq != null) {
          for (int i = 0; i < seq.items().size(); i++) {
            RuleSpec r = rule(seq.items().get(i), path + ".rules[" + i + "]");
            if (r != null) {
              rules.add(r);
            }
          }
        }
      }
      out.add(new ChainSpec(t, e.key(), policy, rules));
    }
    return out;
  }

  private RuleSpec rule(YamlNode n, String path) {
    YMap m = map(n, path);
    if (m == null) {
      return null;
    }
    keys(m, Set.of("match", "action", "comment"), path);
    MatchSpec match = MatchSpec.ANY;
    Entry me = m.entries().get("match");
    if (me != null) {
      match = match(me.value(), path + ".match");
    }
    Entry ae = m.entries().get("action");
    Action action = null;
    if (ae == null) {
      problem(Code.PC0004, "rule has no 'action'", m.pos());
    } else {
      action = action(ae.value(), path + ".action");
    }
    String comment = optString(m, "comment", path);
    if (action == null || match == null) {
      return null;
    }
    return new RuleSpec(match, action, comment);
  }

  private MatchSpec match(YamlNode n, String path) {
    YMap m = map(n, path);
    if (m == null) {
      return null;
    }
    keys(m, MATCH_KEYS, path);
    Map<String, Entry> e = m.entries();
    Family family = e.containsKey("family") ? family(e.get("family").value(), path + ".family") : null;
    var src = negList(e, "src", path, this::stringList);
    var dst = negList(e, "dst", path, this::stringList);
    var proto = negScalar(e, "proto", path);
    List<String> services =
        e.containsKey("service") ? stringList(e.get("service").value(), path + ".service") : null;
    var sport = negList(e, "sport", path, this::stringList);
    var dport = negList(e, "dport", path, this::stringList);
    var in = negScalar(e, "in", path);
    var out = negScalar(e, "out", path);
    var state =
        negList(
            e, "state", path,
            (v, p) -> enumList(v, p, ConnState.class, "new, established, related, invalid or untracked"));
    var icmpType = negScalar(e, "icmp-type", path);
    Negatable<MatchSpec.TcpFlags> tcpFlags = null;
    if (e.containsKey("tcp-flags")) {
      tcpFlags = negated(e.get("tcp-flags").value(), path + ".tcp-flags", this::tcpFlags);
    }
    Boolean syn = e.containsKey("syn") ? bool(e.get("syn").value(), path + ".syn") : null;
    var mark = negScalar(e, "mark", path);
    var connmark = negScalar(e, "connmark", path);
    var dscp = negScalar(e, "dscp", path);
    var tos = negScalar(e, "tos", path);
    var length = negScalar(e, "length", path);
    MatchSpec.Ttl ttl = e.containsKey("ttl") ? ttl(e.get("ttl").value(), path + ".ttl") : null;
    Boolean fragment =
        e.containsKey("fragment") ? bool(e.get("fragment").value(), path + ".fragment") : null;
    String typeNames = "UNSPEC, UNICAST, LOCAL, BROADCAST or MULTICAST";
    var srcType =
        negList(e, "src-type", path, (v, p) -> enumList(v, p, AddressType.class, typeNames));
    var dstType =
        negList(e, "dst-type", path, (v, p) -> enumList(v, p, AddressType.class, typeNames));
    List<Negatable<MatchSpec.SetRef>> sets = null;
    if (e.containsKey("set")) {
      sets = new ArrayList<>();
      YamlNode sv = e.get("set").value();
      String sp = path + ".set";
      List<YamlNode> items = sv instanceof YSeq s ? s.items() : List.of(sv);
      record(sp, sv);
      for (int i = 0; i < items.size(); i++) {
        Negatable<MatchSpec.SetRef> ref = negated(items.get(i), sp + "[" + i + "]", this::setRef);
        if (ref != null) {
          sets.add(ref);
        }
      }
    }
    MatchSpec.Limit limit = e.containsKey("limit") ? limit(e.get("limit").value(), path + ".limit") : null;
    Negatable<MatchSpec.Statistic> statistic = e.containsKey("statistic")
        ? negated(e.get("statistic").value(), path + ".statistic", this::statistic)
        : null;
    return new MatchSpec(
        family, src, dst, proto, services, sport, dport, in, out, state, icmpType, tcpFlags, syn,
        mark, connmark, dscp, tos, length, ttl, fragment, srcType, dstType, sets, limit, statistic);
  }

  private MatchSpec.TcpFlags tcpFlags(YamlNode n, String path) {
    YMap m = map(n, path);
    if (m == null) {
      return null;
    }
    keys(m, Set.of("mask", "set"), path);
    List<TcpFlag> mask = flags(m, "mask", path);
    List<TcpFlag> set = flags(m, "set", path);
    if (!m.entries().containsKey("mask")) {
      problem(Code.PC0004, "tcp-flags needs 'mask' (the flags examined)", m.pos());
    }
    return mask == null || set == null ? null : new MatchSpec.TcpFlags(mask, set);
  }

  private List<TcpFlag> flags(YMap m, String key, String path) {
    Entry e = m.entries().get(key);
    if (e == null) {
      return List.of();
    }
    List<String> words = stringList(e.value(), path + "." + key);
    List<TcpFlag> out = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String w = ascii(words.get(i)).toUpperCase(Locale.ROOT);
      if (w.equals("ALL")) {
        out.addAll(Arrays.asList(TcpFlag.values()));
      } else if (!w.equals("NONE")) {
        try {
          out.add(TcpFlag.valueOf(w));
        } catch (IllegalArgumentException ex) {
          problem(
              Code.PC0008,
              "unknown TCP flag '" + words.get(i) + "' (FIN, SYN, RST, PSH, ACK, URG,"
                  + " ALL or NONE)",
              positions.getOrDefault(path + "." + key + "[" + i + "]", e.value().pos()));
        }
      }
    }
    return out.stream().distinct().sorted().toList();
  }

  private MatchSpec.Ttl ttl(YamlNode n, String path) {
    YMap m = map(n, path);
    if (m == null) {
      return null;
    }
    keys(m, Set.of("eq", "ne", "lt", "gt"), path);
    if (m.entries().size() != 1) {
      problem(Code.PC0008, "ttl takes exactly one of eq, ne, lt, gt", m.pos());
      return null;
    }
    Entry e = m.entries().values().iterator().next();
    if (!Set.of("eq", "ne", "lt", "gt").contains(e.key())) {
      return null; // reported as an unknown key
    }
    Integer v = integer(e.value(), path + "." + e.key());
    return v == null ? null : new MatchSpec.Ttl(MatchSpec.Ttl.Op.valueOf(e.key().toUpperCase(Locale.ROOT)), v);
  }

  private MatchSpec.SetRef setRef(YamlNode n, String path) {
    YMap m = map(n, path);
    if (m == null) {
      return null;
    }
    keys(m, Set.of("name", "dir"), path);
    String name = requiredString(m, "name", path);
    List<String> dirs = List.of("src");
    Entry de = m.entries().get("dir");
    if (de != null) {
      dirs = new ArrayList<>();
      for (String d : stringList(de.value(), path + ".dir")) {
        dirs.addAll(Arrays.asList(d.split(",", -1)));
      }
    }
    return name == null ? null : new MatchSpec.SetRef(name, dirs);
  }

  private MatchSpec.Limit limit(YamlNode n, String path) {
    if (n instanceof YMap m) {
      record(path, n);
      keys(m, Set.of("rate", "burst"), path);
      String rate = requiredString(m, "rate", path);
      Integer burst = null;
      Entry b = m.entries().get("burst");
      if (b != null) {
        burst = integer(b.value(), path + ".burst");
      }
      return rate == null ? null : new MatchSpec.Limit(rate, burst);
    }
    String rate = string(n, path);
    return rate == null ? null : new MatchSpec.Limit(rate, null);
  }

  private MatchSpec.Statistic statistic(YamlNode n, String path) {
    YMap m = map(n, path);
    if (m == null) {
      return null;
    }
    keys(m, Set.of("probability", "every", "packet"), path);
    Entry pe = m.entries().get("probability");
    Entry ee = m.entries().get("every");
    if (pe != null && ee == null && !m.entries().containsKey("packet")) {
      Double p = number(pe.value(), path + ".probability");
      return p == null
          ? null
          : new MatchSpec.Statistic(MatchSpec.Statistic.Mode.RANDOM, p, null, null);
    }
    if (ee != null && pe == null) {
      Integer every = integer(ee.value(), path + ".every");
      Integer packet = 0;
      Entry pk = m.entries().get("packet");
      if (pk != null) {
        packet = integer(pk.value(), path + ".packet");
      }
      return every == null || packet == null
          ? null
          : new MatchSpec.Statistic(MatchSpec.Statistic.Mode.NTH, null, every, packet);
    }
    problem(
        Code.PC0008,
        "statistic takes either 'probability' or 'every' (with an optional 'packet')",
        m.pos());
    return null;
  }

  // ---------------------------------------------------------------- actions

  private Action action(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s && s.kind() == YScalar.Kind.STRING) {
      String w = ascii(s.text()).toLowerCase(Locale.ROOT);
      switch (w) {
        case "accept":
          return new Action.Accept();
        case "drop":
          return new Action.Drop();
        case "reject":
          return new Action.Reject(null);
        case "return":
          return new Action.Return();
        case "masquerade":
          return new Action.Masquerade(null);
        case "redirect":
          return new Action.Redirect(null);
        case "notrack":
          return new Action.NoTrack();
        case "count":
          return new Action.Count();
        default:
          problem(
              Code.PC0008,
              "unknown action '" + s.text() + "'" + suggest(w, ACTION_WORDS)
                  + " (or a mapping such as {jump: CHAIN})",
              n.pos());
          return null;
      }
    }
    if (!(n instanceof YMap m)) {
      problem(
          Code.PC0003,
          "action must be a word (accept, drop, …) or a mapping with one key, not "
              + YamlNode.describe(n),
          n.pos());
      return null;
    }
    if (m.entries().size() != 1) {
      problem(
          Code.PC0008,
          "action must have exactly one key, found " + m.entries().size(),
          m.pos());
      return null;
    }
    Entry e = m.entries().values().iterator().next();
    String key = e.key();
    String p = path + "." + key;
    YamlNode v = e.value();
    record(p, v);
    switch (key) {
      case "reject":
        return new Action.Reject(oneOrKey(v, p, "with"));
      case "jump":
        {
          String c = string(v, p);
          return c == null ? null : new Action.Jump(c);
        }
      case "goto":
        {
          String c = string(v, p);
          return c == null ? null : new Action.Goto(c);
        }
      case "log":
        {
          if (v instanceof YMap lm) {
            keys(lm, Set.of("prefix", "level"), p);
            return new Action.Log(optString(lm, "prefix", p), optString(lm, "level", p));
          }
          String prefix = string(v, p);
          return prefix == null ? null : new Action.Log(prefix, null);
        }
      case "dnat":
        {
          String to = oneOrKey(v, p, "to");
          return to == null ? missing(v, "dnat needs a destination") : new Action.Dnat(to);
        }
      case "snat":
        {
          String to = oneOrKey(v, p, "to");
          return to == null ? missing(v, "snat needs a source") : new Action.Snat(to);
        }
      case "masquerade":
        return new Action.Masquerade(oneOrKey(v, p, "ports"));
      case "redirect":
        return new Action.Redirect(oneOrKey(v, p, "ports"));
      case "mark":
        {
          YMap mm = map(v, p);
          if (mm == null) {
            return null;
          }
          keys(mm, Set.of("set", "xset", "or", "and", "xor"), p);
          if (mm.entries().size() != 1) {
            problem(Code.PC0008, "mark takes exactly one of set, xset, or, and, xor",
                mm.pos());
            return null;
          }
          Entry op = mm.entries().values().iterator().next();
          if (!Set.of("set", "xset", "or", "and", "xor").contains(op.key())) {
            return null; // reported as an unknown key
          }
          String val = string(op.value(), p + "." + op.key());
          return val == null
              ? null
              : new Action.Mark(Action.Mark.Op.valueOf(op.key().toUpperCase(Locale.ROOT)), val);
        }
      case "connmark":
        return connmark(v, p);
      case "dscp":
        {
          String val = string(v, p);
          return val == null ? null : new Action.Dscp(val);
        }
      case "tos":
        {
          String val = string(v, p);
          return val == null ? null : new Action.Tos(val);
        }
      case "ttl":
        {
          YMap tm = map(v, p);
          if (tm == null) {
            return null;
          }
          keys(tm, Set.of("set", "inc", "dec"), p);
          if (tm.entries().size() != 1) {
            problem(Code.PC0008, "ttl takes exactly one of set, inc, dec", tm.pos());
            return null;
          }
          Entry op = tm.entries().values().iterator().next();
          if (!Set.of("set", "inc", "dec").contains(op.key())) {
            return null; // reported as an unknown key
          }
          Integer val = integer(op.value(), p + "." + op.key());
          return val == null
              ? null
              : new Action.Ttl(Action.Ttl.Op.valueOf(op.key().toUpperCase(Locale.ROOT)), val);
        }
      case "tcpmss":
        {
          String val = string(v, p);
          return val == null ? null : new Action.TcpMss(val);
        }
      default:
        problem(
            Code.PC0002,
            "unknown action '" + key + "'" + suggest(key, ACTION_KEYS),
            e.keyPos());
        return null;
    }
  }

  private Action connmark(YamlNode v, String p) {
    if (v instanceof YScalar s && s.kind() == YScalar.Kind.STRING
        && (s.text().equals("save") || s.text().equals("restore"))) {
      return new Action.ConnMark(
          s.text().equals("save") ? Action.ConnMark.Op.SAVE : Action.ConnMark.Op.RESTORE,
          null, null, null);
    }
    YMap cm = map(v, p);
    if (cm == null) {
      return null;
    }
    keys(cm, Set.of("set", "xset", "save", "restore"), p);
    if (cm.entries().size() != 1) {
      problem(Code.PC0008, "connmark takes exactly one of set, xset, save, restore",
          cm.pos());
      return null;
    }
    Entry op = cm.entries().values().iterator().next();
    if (!Set.of("set", "xset", "save", "restore").contains(op.key())) {
      return null; // reported as an unknown key
    }
    String op2 = p + "." + op.key();
    if (op.key().equals("set") || op.key().equals("xset")) {
      String val = string(op.value(), op2);
      return val == null ? null : new Action.ConnMark(op.key().equals("set")
          ? Action.ConnMark.Op.SET : Action.ConnMark.Op.XSET, val, null, null);
    }
    Action.ConnMark.Op kind =
        op.key().equals("save") ? Action.ConnMark.Op.SAVE : Action.ConnMark.Op.RESTORE;
    if (op.value() instanceof YScalar s && s.kind() == YScalar.Kind.NULL) {
      return new Action.ConnMark(kind, null, null, null);
    }
    YMap masks = map(op.value(), op2);
    if (masks == null) {
      return null;
    }
    keys(masks, Set.of("nfmask", "ctmask"), op2);
    return new Action.ConnMark(
        kind, null, optString(masks, "nfmask", op2), optString(masks, "ctmask", op2));
  }

  private Action missing(YamlNode v, String message) {
    problem(Code.PC0004, message, v.pos());
    return null;
  }

  /** A scalar, or a mapping with exactly the one optional key {@code key}; null when absent. */
  private String oneOrKey(YamlNode v, String path, String key) {
    if (v instanceof YScalar s && s.kind() == YScalar.Kind.NULL) {
      return null;
    }
    if (v instanceof YMap m) {
      keys(m, Set.of(key), path);
      return optString(m, key, path);
    }
    return string(v, path);
  }

  // ---------------------------------------------------------------- value helpers

  private <T> Negatable<T> negated(YamlNode n, String path, BiFunction<YamlNode, String, T> inner) {
    if (n instanceof YMap m && m.entries().containsKey("not")) {
      record(path, n);
      keys(m, Set.of("not"), path);
      T v = inner.apply(m.entries().get("not").value(), path);
      return v == null ? null : Negatable.not(v);
    }
    T v = inner.apply(n, path);
    return v == null ? null : Negatable.is(v);
  }

  private <T> Negatable<List<T>> negList(
      Map<String, Entry> e, String key, String path, BiFunction<YamlNode, String, List<T>> inner) {
    Entry en = e.get(key);
    return en == null ? null : negated(en.value(), path + "." + key, inner);
  }

  private Negatable<String> negScalar(Map<String, Entry> e, String key, String path) {
    Entry en = e.get(key);
    return en == null ? null : negated(en.value(), path + "." + key, this::string);
  }

  private Family family(YamlNode n, String path) {
    String s = string(n, path);
    if (s == null) {
      return null;
    }
    for (Family f : Family.values()) {
      if (f.yamlName().equalsIgnoreCase(ascii(s))) {
        return f;
      }
    }
    problem(Code.PC0008, "family must be ipv4 or ipv6, not '" + s + "'", n.pos());
    return null;
  }

  private <E extends Enum<E>> E enumValue(YamlNode n, String path, Class<E> type, String allowed) {
    String s = string(n, path);
    if (s == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, ascii(s).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException ex) {
      problem(Code.PC0008, "'" + s + "' is not one of " + allowed, n.pos());
      return null;
    }
  }

  private <E extends Enum<E>> List<E> enumList(
      YamlNode n, String path, Class<E> type, String allowed) {
    List<E> out = new ArrayList<>();
    List<YamlNode> items = n instanceof YSeq s ? s.items() : List.of(n);
    record(path, n);
    for (int i = 0; i < items.size(); i++) {
      E v = enumValue(items.get(i), path + "[" + i + "]", type, allowed);
      if (v != null && !out.contains(v)) {
        out.add(v);
      }
    }
    return out;
  }

  /** A string, or a list of strings; numbers are taken as their text. */
  private List<String> stringList(YamlNode n, String path) {
    record(path, n);
    List<String> out = new ArrayList<>();
    if (n instanceof YSeq s) {
      for (int i = 0; i < s.items().size(); i++) {
        String v = string(s.items().get(i), path + "[" + i + "]");
        if (v != null) {
          out.add(v);
        }
      }
      return out;
    }
    String v = string(n, path + "[0]");
    if (v != null) {
      out.add(v);
    }
    return out;
  }

  /** A scalar's text; strings and numbers are accepted, booleans and null are not. */
  private String string(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s
        && (s.kind() == YScalar.Kind.STRING
            || s.kind() == YScalar.Kind.INT
            || s.kind() == YScalar.Kind.FLOAT)) {
      return s.text();
    }
    problem(
        Code.PC0003,
        "expected a string, found " + YamlNode.describe(n)
            + (n instanceof YScalar s && s.kind() == YScalar.Kind.BOOL
                ? " (quote it: \"" + s.text() + "\")"
                : ""),
        n.pos());
    return null;
  }

  private Boolean bool(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s && s.kind() == YScalar.Kind.BOOL) {
      return Boolean.parseBoolean(s.text().toLowerCase(Locale.ROOT));
    }
    problem(
        Code.PC0003,
        "expected true or false, found " + YamlNode.describe(n),
        n.pos());
    return null;
  }

  private Integer integer(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s
        && (s.kind() == YScalar.Kind.INT || s.kind() == YScalar.Kind.STRING)
        && s.text().matches("-?[0-9]+")) {
      // Every int of the model reads back (the writer prints up to 10 digits); the schema's
      // "integer" says the same.
      if (s.text().matches("-?[0-9]{1,10}")) {
        long v = Long.parseLong(s.text());
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
          return (int) v;
        }
      }
      problem(
          Code.PC0008,
          "'" + s.text() + "' is not a 32-bit integer (" + Integer.MIN_VALUE + " to "
              + Integer.MAX_VALUE + ")",
          n.pos());
      return null;
    }
    problem(Code.PC0003, "expected an integer, found " + YamlNode.describe(n), n.pos());
    return null;
  }

  private Double number(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YScalar s
        && (s.kind() == YScalar.Kind.INT || s.kind() == YScalar.Kind.FLOAT)) {
      try {
        return Double.parseDouble(s.text());
      } catch (NumberFormatException ex) {
        // YAML's .nan and .inf are numbers Java does not parse: a bad value, not a wrong type.
        problem(Code.PC0008, "'" + s.text() + "' is not a usable number", n.pos());
        return null;
      }
    }
    problem(Code.PC0003, "expected a number, found " + YamlNode.describe(n), n.pos());
    return null;
  }

  private String requiredString(YMap m, String key, String path) {
    Entry e = m.entries().get(key);
    if (e == null) {
      problem(Code.PC0004, "missing required key '" + key + "'", m.pos());
      return null;
    }
    return string(e.value(), join(path, key));
  }

  private String optString(YMap m, String key, String path) {
    Entry e = m.entries().get(key);
    if (e == null || (e.value() instanceof YScalar s && s.kind() == YScalar.Kind.NULL)) {
      return null;
    }
    return string(e.value(), join(path, key));
  }

  private YMap map(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YMap m) {
      return m;
    }
    if (n instanceof YScalar s && s.kind() == YScalar.Kind.NULL && !path.isEmpty()) {
      return new YMap(Map.of(), n.pos());
    }
    problem(
        Code.PC0003,
        (path.isEmpty() ? "the policy" : "'" + path + "'") + " must be a mapping, not "
            + YamlNode.describe(n),
        n.pos());
    return null;
  }

  private YSeq seq(YamlNode n, String path) {
    record(path, n);
    if (n instanceof YSeq s) {
      return s;
    }
    if (n instanceof YScalar s && s.kind() == YScalar.Kind.NULL) {
      return new YSeq(List.of(), n.pos());
    }
    problem(
        Code.PC0003,
        "'" + path + "' must be a list, not " + YamlNode.describe(n),
        n.pos());
    return null;
  }

  private void keys(YMap m, Set<String> allowed, String path) {
    for (Entry e : m.entries().values()) {
      if (!allowed.contains(e.key())) {
        problem(
            Code.PC0002,
            "unknown key '" + e.key() + "'" + (path.isEmpty() ? "" : " in " + path)
                + suggest(e.key(), allowed),
            e.keyPos());
      }
    }
  }

  private void record(String path, YamlNode n) {
    if (!path.isEmpty()) {
      positions.putIfAbsent(path, n.pos());
    }
  }

  private void problem(Code code, String message, SourcePos pos) {
    problems.add(new Diagnostic(code, message, pos));
  }

  /**
   * The word itself when it is ASCII, else a string no keyword equals: case folding must not turn
   * 'ı' (dotless i) or 'ſ' (long s) into a keyword's letters.
   */
  private static String ascii(String word) {
    return word.chars().allMatch(c -> c < 128) ? word : "\u0000" + word;
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** {@code " (did you mean 'x'?)"} for the closest allowed word within two edits, else "". */
  static String suggest(String word, Set<String> allowed) {
    String best = null;
    int bestD = 3;
    for (String a : allowed.stream().sorted().toList()) {
      int d = distance(word.toLowerCase(Locale.ROOT), a);
      if (d < bestD) {
        bestD = d;
        best = a;
      }
    }
    return best == null ? "" : " (did you mean '" + best + "'?)";
  }

  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
      }
    }
    return d[a.length()][b.length()];
  }

}
