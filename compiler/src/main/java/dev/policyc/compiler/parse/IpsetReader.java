package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code ipset save} output or an {@code ipset restore} script (create, add, flush, swap,
 * destroy) and returns the sets that exist when it has run, in creation order. Only the set types
 * policyc models are accepted: those it emits, and kube-proxy's {@code hash:ip,port,ip} and
 * {@code hash:ip,port,net} (members {@code ip,[proto:]port,ip} and {@code ip,[proto:]port,net}).
 */
public final class IpsetReader {
  private final String file;
  private final Map<String, Builder> sets = new LinkedHashMap<>();

  private IpsetReader(String file) {
    this.file = file;
  }

  private static final class Builder {
    String name;
    IpSet.Type type;
    Family family = Family.IPV4;
    PortRange range;
    int maxelem = 65536;
    List<IpSet.Entry> entries = new ArrayList<>();

    IpSet build() {
      return new IpSet(name, type, family, entries, range, maxelem);
    }
  }

  public static List<IpSet> read(String file, String text) throws ParseException {
    IpsetReader r = new IpsetReader(file);
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      r.line(line.split("\\s+"), i + 1);
    }
    List<IpSet> out = new ArrayList<>();
    for (Builder b : r.sets.values()) {
      out.add(b.build());
    }
    return out;
  }

  private void line(String[] w, int ln) throws ParseException {
    switch (w[0]) {
      case "create" -> create(w, ln);
      case "add" -> {
        need(w, 3, ln);
        Builder b = set(w[1], ln);
        IpSet.Entry e = entry(b, w[2], ln);
        addOptions(w, ln);
        b.entries.add(e);
      }
      case "flush" -> {
        need(w, 2, ln);
        set(w[1], ln).entries = new ArrayList<>();
      }
      case "swap" -> {
        need(w, 3, ln);
        Builder a = set(w[1], ln);
        Builder b = set(w[2], ln);
        if (a.type != b.type || a.family != b.family) {
          throw error(ln, "swap of sets with different types or families");
        }
        List<IpSet.Entry> tmp = a.entries;
        a.entries = b.entries;
        b.entries = tmp;
      }
      case "destroy" -> {
        need(w, 2, ln);
        if (sets.remove(w[1]) == null) {
          throw error(ln, "destroy of unknown set " + w[1]);
        }
      }
      default -> throw error(ln, "unsupported ipset command '" + w[0] + "'");
    }
  }

  /**
   * The options after an added member: those that do not change what the set matches are read
   * past; {@code nomatch} (an exception carved out of a larger net) would, and is refused rather
   * than read as a member.
   */
  private void addOptions(String[] w, int ln) throws ParseException {
    for (int i = 3; i < w.length; i++) {
      switch (w[i]) {
        case "-exist", "-!" -> {
          // a member already there is no error
        }
        case "timeout", "packets", "bytes", "skbmark", "skbprio", "skbqueue" -> arg(w, ++i, ln);
        case "comment" -> {
          String c = arg(w, ++i, ln);
          // a quoted comment may hold blanks: read on to its closing quote
          while (c.startsWith("\"") && (c.length() == 1 || !c.endsWith("\"")) && i + 1 < w.length) {
            c = w[++i];
          }
        }
        case "nomatch" -> throw error(ln, "a 'nomatch' member (an exception inside the set) is"
            + " not modelled");
        default -> throw error(ln, "unsupported add option '" + w[i] + "'");
      }
    }
  }

  private void create(String[] w, int ln) throws ParseException {
    need(w, 3, ln);
    IpSet.Type type = IpSet.Type.byName(w[2]);
    if (type == null) {
      throw error(ln, "unsupported set type '" + w[2] + "'");
    }
    Builder b = new Builder();
    b.name = w[1];
    b.type = type;
    boolean exist = false;
    for (int i = 3; i < w.length; i++) {
      switch (w[i]) {
        case "-exist", "-!" -> exist = true;
        case "family" -> b.family = switch (arg(w, ++i, ln)) {
          case "inet" -> Family.IPV4;
          case "inet6" -> Family.IPV6;
          default -> throw error(ln, "unknown family " + w[i]);
        };
        case "range" -> {
          try {
            b.range = range(arg(w, ++i, ln));
          } catch (IllegalArgumentException e) {
            throw error(ln, e.getMessage());
          }
        }
        case "maxelem" -> {
          String v = arg(w, ++i, ln);
          if (!v.matches("[0-9]{1,9}") || Integer.parseInt(v) == 0) {
            throw error(ln, "maxelem must be a number from 1 to 999999999, not '" + v + "'");
          }
          b.maxelem = Integer.parseInt(v);
        }
        case "hashsize", "bucketsize", "initval", "timeout", "netmask", "size" -> arg(w, ++i, ln);
        case "counters", "comment", "skbinfo", "forceadd" -> {
          // flags without a value that do not change membership
        }
        default -> throw error(ln, "unsupported create option '" + w[i] + "'");
      }
    }
    Builder old = sets.get(b.name);
    if (old != null) {
      if (!exist || old.type != b.type || old.family != b.family) {
        throw error(ln, "set " + b.name + " already exists");
      }
      return;
    }
    sets.put(b.name, b);
  }

  private IpSet.Entry entry(Builder b, String text, int ln) throws ParseException {
    try {
      if (b.type == IpSet.Type.BITMAP_PORT) {
        String t = text.indexOf(':') >= 0 ? text.substring(text.indexOf(':') + 1) : text;
        return new IpSet.Entry(null, 0, range(t));
      }
      String addr = text;
      int proto = 0;
      PortRange ports = null;
      IpRange addr2 = null;
      if (b.type.hasPort()) {
        int comma = text.indexOf(',');
        if (comma < 0) {
          throw new IllegalArgumentException("missing ',port'");
        }
        addr = text.substring(0, comma);
        String pp = text.substring(comma + 1);
        if (b.type.hasSecondAddress()) {
          int second = pp.indexOf(',');
          if (second < 0) {
            throw new IllegalArgumentException("missing the third element (',"
                + (b.type == IpSet.Type.HASH_IP_PORT_NET ? "net" : "ip") + "')");
          }
          addr2 = secondAddress(b, pp.substring(second + 1));
          pp = pp.substring(0, second);
        }
        int colon = pp.indexOf(':');
        proto = colon < 0 ? Protocols.TCP : Protocols.number(pp.substring(0, colon));
        if (proto <= 0) {
          throw new IllegalArgumentException("unknown protocol in '" + pp + "'");
        }
        ports = range(colon < 0 ? pp : pp.substring(colon + 1));
      }
      IpRange r = IpRange.parse(addr);
      if (r.family() != b.family) {
        throw new IllegalArgumentException(addr + " is not of the set's family");
      }
      return new IpSet.Entry(r, proto, ports, addr2);
    } catch (IllegalArgumentException e) {
      throw error(ln, "bad member '" + text + "': " + e.getMessage());
    }
  }

  /**
   * The third element of a {@code hash:ip,port,ip} member (a host; a range or CIDR stands for
   * its hosts, as in the first element) or of a {@code hash:ip,port,net} member (a network,
   * which the kernel refuses as /0).
   */
  private static IpRange secondAddress(Builder b, String text) {
    IpRange r = IpRange.parse(text);
    if (r.family() != b.family) {
      throw new IllegalArgumentException(text + " is not of the set's family");
    }
    if (b.type == IpSet.Type.HASH_IP_PORT_NET && r.isAll()) {
      throw new IllegalArgumentException("a hash:ip,port,net network cannot be /0");
    }
    return r;
  }

  private static PortRange range(String t) {
    int dash = t.indexOf('-');
    if (dash < 0) {
      int p = Integer.parseInt(t);
      return new PortRange(p, p);
    }
    return new PortRange(Integer.parseInt(t.substring(0, dash)),
        Integer.parseInt(t.substring(dash + 1)));
  }

  private Builder set(String name, int ln) throws ParseException {
    Builder b = sets.get(name);
    if (b == null) {
      throw error(ln, "unknown set " + name);
    }
    return b;
  }

  /** Word {@code i} of the line, the value of the option before it. */
  private String arg(String[] w, int i, int ln) throws ParseException {
    if (i >= w.length) {
      throw error(ln, "'" + w[i - 1] + "' needs a value");
    }
    return w[i];
  }

  private void need(String[] w, int n, int ln) throws ParseException {
    if (w.length < n) {
      throw error(ln, "'" + w[0] + "' needs " + (n - 1) + " argument(s)");
    }
  }

  private ParseException error(int ln, String msg) {
    return new ParseException(Code.PC8009, new SourcePos(file, ln, 1), msg);
  }
}
