package dev.policyc.dsl.yaml;

import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Host;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.IpvsSpec;
import dev.policyc.dsl.Ownership;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyObjects;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a policy file into a {@link Policy}, keeping the position of every element.
 *
 * <p>Unknown keys, wrong types and bad enum values are errors with {@code file:line:column};
 * the reader reports all of them before giving up. Values that need the rest of the policy to be
 * checked (addresses, ports, group names) are kept as written and checked by the compiler.
 *
 * <p>This class reads the document, the host model and the objects; {@link ChainSpecReader}
 * reads the tables' chains and rules, with {@link MatchSpecReader} and {@link ActionReader};
 * {@link NodeReader} reads typed values and collects the problems and positions.
 */
public final class PolicyYamlReader {
  private static final Set<String> TOP_KEYS =
      Set.of("policy", "description", "owns", "host", "objects", "filter", "nat", "mangle",
          "raw", "include", "fragments", "ipvs");
  /** What an included file may hold. */
  private static final Set<String> INCLUDED_KEYS =
      Set.of("include", "description", "objects", "fragments");

  private final String file;
  private final NodeReader nodes;
  private final ChainSpecReader chainReader;
  /** The includes of a policy read from a file; null for standard input and text. */
  private IncludeLoader includes;
  private final Map<String, List<String>> networks = new LinkedHashMap<>();
  private final Map<String, List<String>> services = new LinkedHashMap<>();
  private final Map<String, List<String>> interfaces = new LinkedHashMap<>();
  private final List<IpSetSpec> sets = new ArrayList<>();
  private final Map<String, YamlNode> fragments = new LinkedHashMap<>();
  /** Where each object and fragment was defined, by kind and name, for PC1020. */
  private final Map<String, SourcePos> defined = new HashMap<>();

  private PolicyYamlReader(String file, int chars) {
    this.file = file;
    this.nodes = new NodeReader(chars);
    this.chainReader = new ChainSpecReader(nodes);
  }

  /**
   * Reads a policy file, at most {@link InputText#MAX_BYTES} bytes of it, with the files it
   * includes ({@code include:}, resolved relative to it).
   */
  public static Policy read(Path path) throws IOException, PolicyParseException {
    String name = path.toString();
    String text = InputText.read(path);
    PolicyYamlReader r = new PolicyYamlReader(name, text.length());
    r.includes = new IncludeLoader(path, name, r.nodes);
    YamlNode root = PlainYamlReader.read(name, text);
    if (root == null) {
      root = new YamlTreeReader(name, r.nodes.problems()).read(new StringReader(text));
    }
    return r.finish(root);
  }

  /**
   * Reads a policy from a stream (standard input), at most {@link InputText#MAX_BYTES} bytes of
   * it; {@code file} names it in positions.
   */
  public static Policy read(String file, InputStream in) throws IOException, PolicyParseException {
    return read(file, InputText.read(file, in));
  }

  /** Reads a policy from text; {@code file} names it in positions. */
  public static Policy read(String file, String text) throws PolicyParseException {
    // The plain subset has a fast reader; the rest, and every problem, is SnakeYAML's.
    YamlNode root = PlainYamlReader.read(file, text);
    return root == null
        ? read(file, new StringReader(text))
        : new PolicyYamlReader(file, text.length()).finish(root);
  }

  /** Reads a policy from a reader; {@code file} names it in positions. */
  public static Policy read(String file, Reader in) throws PolicyParseException {
    PolicyYamlReader r = new PolicyYamlReader(file, 0);
    return r.finish(new YamlTreeReader(file, r.nodes.problems()).read(in));
  }

  /**
   * The policy of a document's tree (null when it could not be read), or every problem with the
   * policy as far as it could be read.
   */
  private Policy finish(YamlNode root) throws PolicyParseException {
    Policy p = root == null ? null : policy(root);
    if (!nodes.problems().isEmpty() || p == null) {
      // a fragment placed twice is read twice: its problems are reported once
      throw new PolicyParseException(List.copyOf(new LinkedHashSet<>(nodes.problems())), p);
    }
    return p;
  }

  private Policy policy(YamlNode root) {
    YMap m = nodes.map(root, "");
    if (m == null) {
      return null;
    }
    nodes.keys(m, TOP_KEYS, "");
    String name = nodes.requiredString(m, "policy", "");
    String description = nodes.optString(m, "description", "");
    Ownership owns = m.entries().containsKey("owns")
        ? nodes.enumValue(m.entries().get("owns").value(), "owns", Ownership.class,
            "tables or chains")
        : Ownership.TABLES;
    int before = nodes.problems().size();
    Host host = m.entries().containsKey("host") ? host(m.entries().get("host").value()) : null;
    if (nodes.problems().size() > before) {
      host = null; // half a host model would draw errors about the half that is missing
    }
    List<String> files = new ArrayList<>(List.of(file));
    Entry inc = m.entries().get("include");
    if (inc != null && includes == null) {
      nodes.problem(Code.PC0016, "'include' needs a policy read from a file, to resolve paths"
          + " relative to it; " + file + " is not one", inc.keyPos());
    } else if (inc != null) {
      includes.include(inc.value());
      for (IncludeLoader.Included lib : includes.loaded()) {
        files.add(lib.name());
        for (Entry e : lib.root().entries().values()) {
          if (!INCLUDED_KEYS.contains(e.key())) {
            nodes.problem(Code.PC0002, "unknown key '" + e.key() + "' in an included file, which"
                + " holds only include, description, objects and fragments"
                + NodeReader.suggest(e.key(), INCLUDED_KEYS), e.keyPos());
          }
        }
        definitions(lib.root());
      }
    }
    definitions(m);
    PolicyObjects objects = new PolicyObjects(networks, services, interfaces, sets);
    chainReader.fragments(fragments);
    List<ChainSpec> chains = new ArrayList<>();
    for (Table t : Table.values()) {
      Entry e = m.entries().get(t.iptablesName());
      if (e != null) {
        chains.addAll(chainReader.table(t, e.value()));
      }
    }
    IpvsSpec ipvs = m.entries().containsKey("ipvs")
        ? new IpvsSpecReader(nodes).read(m.entries().get("ipvs").value())
        : IpvsSpec.NONE;
    if (name == null && nodes.problems().isEmpty()) {
      return null;
    }
    // Without a readable name (reported), a partial policy takes a stand-in.
    return new Policy(name == null ? "unnamed" : name, description, host, objects, chains,
        SourceMap.of(file, nodes.positions(), files), owns, ipvs);
  }

  /** The objects and fragments of one file (the policy's or an included one). */
  private void definitions(YMap m) {
    Entry oe = m.entries().get("objects");
    if (oe != null) {
      objects(oe.value());
    }
    Entry fe = m.entries().get("fragments");
    if (fe != null) {
      YMap fm = nodes.map(fe.value(), "fragments");
      if (fm != null) {
        for (Entry e : fm.entries().values()) {
          if (define("fragment", e)) {
            fragments.put(e.key(), e.value());
          }
        }
      }
    }
  }

  /**
   * Records where {@code e} defines a {@code kind} named {@code e.key()}, or reports it defined
   * twice, naming both places (PC1020), and answers false.
   */
  private boolean define(String kind, Entry e) {
    SourcePos first = defined.putIfAbsent(kind + ":" + e.key(), e.keyPos());
    if (first == null) {
      return true;
    }
    nodes.problem(Code.PC1020, kind + " '" + e.key() + "' is defined twice: at " + first
        + " and at " + e.keyPos(), e.keyPos());
    return false;
  }

  // ---------------------------------------------------------------- host

  private Host host(YamlNode n) {
    YMap m = nodes.map(n, "host");
    if (m == null) {
      return null;
    }
    nodes.keys(m, Set.of("forwarding", "interfaces", "routes"), "host");
    boolean forwarding = true;
    Entry fw = m.entries().get("forwarding");
    if (fw != null) {
      Boolean b = nodes.bool(fw.value(), "host.forwarding");
      forwarding = b == null || b;
    }
    Map<String, List<String>> ifaces = new LinkedHashMap<>();
    Entry ie = m.entries().get("interfaces");
    if (ie != null) {
      YMap im = nodes.map(ie.value(), "host.interfaces");
      if (im != null) {
        for (Entry e : im.entries().values()) {
          String path = "host.interfaces." + e.key();
          // Diagnostics about an interface's name point at the name, not at its addresses.
          nodes.pointAt(path, e.keyPos());
          YamlNode v = e.value();
          if (v instanceof YMap vm) {
            nodes.record(path, v);
            nodes.keys(vm, Set.of("addresses"), path);
            Entry a = vm.entries().get("addresses");
            ifaces.put(e.key(), a == null ? List.of() : nodes.stringList(a.value(), path));
          } else {
            ifaces.put(e.key(), nodes.stringList(v, path));
          }
        }
      }
    }
    List<Host.Route> routes = new ArrayList<>();
    Entry re = m.entries().get("routes");
    if (re != null) {
      YSeq seq = nodes.seq(re.value(), "host.routes");
      if (seq != null) {
        for (int i = 0; i < seq.items().size(); i++) {
          String path = "host.routes[" + i + "]";
          YMap rm = nodes.map(seq.items().get(i), path);
          if (rm == null) {
            continue;
          }
          nodes.keys(rm, Set.of("to", "via", "dev"), path);
          String to = nodes.requiredString(rm, "to", path);
          String via = nodes.optString(rm, "via", path);
          String dev = nodes.requiredString(rm, "dev", path);
          if (to != null && dev != null) {
            routes.add(new Host.Route(to, via, dev));
          }
        }
      }
    }
    return new Host(forwarding, ifaces, routes);
  }

  // ---------------------------------------------------------------- objects

  private void objects(YamlNode n) {
    YMap m = nodes.map(n, "objects");
    if (m == null) {
      return;
    }
    nodes.keys(m, Set.of("networks", "services", "interfaces", "sets"), "objects");
    groups(m, "networks", "network group", networks);
    groups(m, "services", "service group", services);
    groups(m, "interfaces", "interface group", interfaces);
    Entry se = m.entries().get("sets");
    if (se != null) {
      YMap sm = nodes.map(se.value(), "objects.sets");
      if (sm != null) {
        for (Entry e : sm.entries().values()) {
          if (!define("ipset", e)) {
            continue;
          }
          // Diagnostics about a set as a whole (its name, its size) point at its name.
          nodes.pointAt("objects.sets." + e.key(), e.keyPos());
          IpSetSpec s = set(e.key(), e.value(), "objects.sets." + e.key());
          if (s != null) {
            sets.add(s);
          }
        }
      }
    }
  }

  private void groups(YMap objects, String kind, String what, Map<String, List<String>> out) {
    Entry e = objects.entries().get(kind);
    if (e == null) {
      return;
    }
    YMap m = nodes.map(e.value(), "objects." + kind);
    if (m != null) {
      for (Entry g : m.entries().values()) {
        if (!define(what, g)) {
          continue;
        }
        // Diagnostics about a group's name point at the name, not at its first member.
        nodes.pointAt("objects." + kind + "." + g.key(), g.keyPos());
        out.put(g.key(), nodes.stringList(g.value(), "objects." + kind + "." + g.key()));
      }
    }
  }

  private IpSetSpec set(String name, YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, Set.of("type", "family", "entries", "range", "maxelem"), path);
    String type = nodes.requiredString(m, "type", path);
    Family family = Family.IPV4;
    Entry fe = m.entries().get("family");
    if (fe != null) {
      family = nodes.family(fe.value(), path + ".family");
    }
    Entry ee = m.entries().get("entries");
    List<String> entries = ee == null ? List.of() : nodes.stringList(ee.value(), path + ".entries");
    String range = nodes.optString(m, "range", path);
    Integer maxelem = null;
    Entry me = m.entries().get("maxelem");
    if (me != null) {
      maxelem = nodes.integer(me.value(), path + ".maxelem");
    }
    return type == null ? null : new IpSetSpec(name, type, family, entries, range, maxelem);
  }
}
