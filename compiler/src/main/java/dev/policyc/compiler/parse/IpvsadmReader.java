package dev.policyc.compiler.parse;

import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.IpvsProtocol;
import dev.policyc.compiler.ipvs.Persistence;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.SchedFlags;
import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code ipvsadm -S -n} output (or an {@code ipvsadm -R} script of {@code -A} and {@code
 * -a} lines, each optionally starting with the word {@code ipvsadm}) into an {@link IpvsConfig}:
 * services in the order of their {@code -A} lines, real servers in the order of their {@code -a}
 * lines (the order {@code -R} adds them). Defaults are ipvsadm's: scheduler wlc, forwarding
 * {@code -g}, weight 1, persistence 300 s. Short and long option names are taken; blank lines
 * and {@code #} comments are skipped. Health checks are not in this text.
 */
public final class IpvsadmReader {
  private final String file;
  /** Service name (as ipvsadm prints it) → the service read so far, with its servers. */
  private final Map<String, Svc> services = new LinkedHashMap<>();

  private IpvsadmReader(String file) {
    this.file = file;
  }

  /** A service being read. */
  private static final class Svc {
    VirtualService head;
    final List<RealServer> reals = new ArrayList<>();
  }

  /** The virtual service part of a line: protocol, address, port, or fwmark and family. */
  private record Target(IpvsProtocol protocol, IpAddr address, int port, long fwmark,
      Family family) {
    String key() {
      return fwmark != 0 ? "-f " + fwmark + " " + family
          : protocol + " " + address + " " + port;
    }
  }

  public static IpvsConfig read(String file, String text) throws ParseException {
    IpvsadmReader r = new IpvsadmReader(file);
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      r.line(lines[i], i + 1);
    }
    List<VirtualService> out = new ArrayList<>();
    for (Svc s : r.services.values()) {
      out.add(s.head.withReals(s.reals));
    }
    return new IpvsConfig(out);
  }

  /** The words of a line with the column each starts at. */
  private record Word(String text, int column) {}

  private void line(String raw, int ln) throws ParseException {
    List<Word> w = new ArrayList<>();
    for (int i = 0; i < raw.length(); ) {
      if (Character.isWhitespace(raw.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < raw.length() && !Character.isWhitespace(raw.charAt(i))) {
        i++;
      }
      w.add(new Word(raw.substring(start, i), start + 1));
    }
    int k = w.get(0).text().equals("ipvsadm") ? 1 : 0;
    if (k >= w.size()) {
      throw error(ln, w.get(0), "a line with no command");
    }
    Word cmd = w.get(k);
    switch (cmd.text()) {
      case "-A", "--add-service" -> service(w, k + 1, ln);
      case "-a", "--add-server" -> server(w, k + 1, ln);
      default -> throw error(ln, cmd, "expected -A or -a, not '" + cmd.text() + "'");
    }
  }

  private void service(List<Word> w, int k, int ln) throws ParseException {
    Target t = null;
    Scheduler scheduler = Scheduler.WLC;
    int flags = 0;
    List<Word> flagWords = new ArrayList<>();
    Integer timeout = null;
    Word mask = null;
    boolean ops = false;
    for (int i = k; i < w.size(); i++) {
      Word o = w.get(i);
      switch (o.text()) {
        case "-t", "--tcp-service", "-u", "--udp-service", "--sctp-service", "-f",
            "--fwmark-service" -> {
          if (t != null) {
            throw error(ln, o, "a second virtual service on one line");
          }
          Parsed parsed = target(w, i, ln);
          t = parsed.target();
          i = parsed.last();
        }
        case "-6", "--ipv6" -> {
          throw error(ln, o, "-6 goes right after -f MARK");
        }
        case "-s", "--scheduler" -> {
          Word v = value(w, ++i, ln, o);
          scheduler = Scheduler.of(v.text())
              .orElseThrow(() -> error(ln, v, "unknown scheduler '" + v.text() + "'"));
        }
        case "-b", "--sched-flags" -> flagWords.add(value(w, ++i, ln, o));
        case "-p", "--persistent" -> {
          timeout = Persistence.DEFAULT_TIMEOUT;
          if (i + 1 < w.size() && w.get(i + 1).text().matches("[0-9]+")) {
            Word v = w.get(++i);
            timeout = number(v, ln, 1, Integer.MAX_VALUE);
          }
        }
        case "-M", "--netmask" -> mask = value(w, ++i, ln, o);
        case "ops", "-o", "--ops" -> ops = true;
        default -> throw error(ln, o, "unknown option '" + o.text() + "' for -A");
      }
    }
    if (t == null) {
      throw error(ln, w.get(k - 1), "-A without a virtual service (-t, -u, --sctp-service, -f)");
    }
    for (Word fw : flagWords) {
      for (String f : fw.text().split(",")) {
        Scheduler s = scheduler;
        flags |= SchedFlags.bit(f, s).orElseThrow(() -> error(ln, fw,
            "unknown or incompatible scheduler flag '" + f + "' for " + s.word()));
      }
    }
    Persistence persistence = null;
    if (timeout != null) {
      int prefix = t.family() == Family.IPV4 ? 32 : 128;
      if (mask != null) {
        prefix = prefix(mask, t.family(), ln);
      }
      persistence = new Persistence(timeout, prefix);
    } else if (mask != null) {
      throw error(ln, mask, "-M without -p");
    }
    if (services.containsKey(t.key())) {
      throw error(ln, w.get(k - 1), "the virtual service is added twice");
    }
    Svc s = new Svc();
    s.head = new VirtualService(t.protocol(), t.address(), t.port(), t.fwmark(), t.family(),
        scheduler, flags, persistence, ops, List.of(), null);
    services.put(t.key(), s);
  }

  private void server(List<Word> w, int k, int ln) throws ParseException {
    Target t = null;
    Word real = null;
    ForwardMethod method = ForwardMethod.GATE;
    int weight = 1;
    int upper = 0;
    int lower = 0;
    for (int i = k; i < w.size(); i++) {
      Word o = w.get(i);
      switch (o.text()) {
        case "-t", "--tcp-service", "-u", "--udp-service", "--sctp-service", "-f",
            "--fwmark-service" -> {
          if (t != null) {
            throw error(ln, o, "a second virtual service on one line");
          }
          Parsed parsed = target(w, i, ln);
          t = parsed.target();
          i = parsed.last();
        }
        case "-r", "--real-server" -> real = value(w, ++i, ln, o);
        case "-g", "--gatewaying" -> method = ForwardMethod.GATE;
        case "-m", "--masquerading" -> method = ForwardMethod.MASQ;
        case "-i", "--ipip" -> method = ForwardMethod.IPIP;
        case "-w", "--weight" -> weight = number(value(w, ++i, ln, o), ln, 0, 65535);
        case "-x", "--u-threshold" -> upper = number(value(w, ++i, ln, o), ln, 0, 65535);
        case "-y", "--l-threshold" -> lower = number(value(w, ++i, ln, o), ln, 0, 65535);
        default -> throw error(ln, o, "unknown option '" + o.text() + "' for -a");
      }
    }
    if (t == null) {
      throw error(ln, w.get(k - 1), "-a without a virtual service");
    }
    if (real == null) {
      throw error(ln, w.get(k - 1), "-a without -r SERVER");
    }
    Svc s = services.get(t.key());
    if (s == null) {
      throw error(ln, w.get(k - 1), "-a for a virtual service no -A line added");
    }
    Endpoint e = endpoint(real, ln, true);
    int port = e.port() < 0 ? t.port() : e.port();
    RealServer r = new RealServer(e.address(), port, weight, method, upper, lower);
    for (RealServer other : s.reals) {
      if (other.endpoint().equals(r.endpoint())) {
        throw error(ln, real, "real server " + r.endpoint() + " is added twice");
      }
    }
    s.reals.add(r);
  }

  /** A virtual service read, and the index of its last word. */
  private record Parsed(Target target, int last) {}

  /** Reads the service option at {@code i}. */
  private Parsed target(List<Word> w, int i, int ln) throws ParseException {
    Word o = w.get(i);
    Word v = value(w, i + 1, ln, o);
    switch (o.text()) {
      case "-f", "--fwmark-service" -> {
        long mark = v.text().matches("[0-9]{1,10}") ? Long.parseLong(v.text()) : -1;
        if (mark < 1 || mark > 0xffffffffL) {
          throw error(ln, v, "fwmark '" + v.text() + "' is not a number from 1 to 4294967295");
        }
        Family f = Family.IPV4;
        int last = i + 1;
        if (last + 1 < w.size() && (w.get(last + 1).text().equals("-6")
            || w.get(last + 1).text().equals("--ipv6"))) {
          f = Family.IPV6;
          last++;
        }
        return new Parsed(new Target(null, null, 0, mark, f), last);
      }
      default -> {
        IpvsProtocol p = switch (o.text()) {
          case "-t", "--tcp-service" -> IpvsProtocol.TCP;
          case "-u", "--udp-service" -> IpvsProtocol.UDP;
          default -> IpvsProtocol.SCTP;
        };
        Endpoint e = endpoint(v, ln, false);
        return new Parsed(new Target(p, e.address(), Math.max(e.port(), 0), 0,
            e.address().family()), i + 1);
      }
    }
  }

  /** An address and a port (-1 when the text has none). */
  private record Endpoint(IpAddr address, int port) {}

  private Endpoint endpoint(Word v, int ln, boolean portOptional) throws ParseException {
    String s = v.text();
    String host;
    String port = null;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw error(ln, v, "'" + s + "' has no closing ']'");
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw error(ln, v, "expected ':PORT' after ']' in '" + s + "'");
        }
        port = rest.substring(1);
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon >= 0 && s.indexOf(':') == colon) {
        host = s.substring(0, colon);
        port = s.substring(colon + 1);
      } else {
        host = s; // a bare IPv6 address, or IPv4 without port
      }
    }
    IpAddr a;
    try {
      a = IpAddr.parse(host);
    } catch (IllegalArgumentException e) {
      throw error(ln, v, "'" + host + "' is not an IP address (-S -n prints numbers)");
    }
    if (port == null) {
      if (!portOptional) {
        // ipvsadm -S always prints the port; -R takes a service without one as port 0
        return new Endpoint(a, 0);
      }
      return new Endpoint(a, -1);
    }
    if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
      throw error(ln, v, "port '" + port + "' is not a number from 0 to 65535");
    }
    return new Endpoint(a, Integer.parseInt(port));
  }

  private int prefix(Word mask, Family f, int ln) throws ParseException {
    String m = mask.text();
    if (f == Family.IPV6) {
      if (m.matches("[0-9]{1,3}") && Integer.parseInt(m) >= 1 && Integer.parseInt(m) <= 128) {
        return Integer.parseInt(m);
      }
      throw error(ln, mask, "an IPv6 service's -M is a prefix length 1-128, not '" + m + "'");
    }
    if (m.matches("[0-9]{1,2}") && Integer.parseInt(m) >= 1 && Integer.parseInt(m) <= 32) {
      return Integer.parseInt(m);
    }
    try {
      IpAddr a = IpAddr.parse(m);
      long v = a.lo();
      int ones = Long.bitCount(v);
      if (a.family() == Family.IPV4 && ones > 0
          && v == ((0xffffffffL << (32 - ones)) & 0xffffffffL)) {
        return ones;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw error(ln, mask, "'" + m + "' is not a netmask");
  }

  private Word value(List<Word> w, int i, int ln, Word option) throws ParseException {
    if (i >= w.size()) {
      throw error(ln, option, option.text() + " needs a value");
    }
    return w.get(i);
  }

  private int number(Word v, int ln, int min, int max) throws ParseException {
    if (!v.text().matches("[0-9]{1,10}") || Long.parseLong(v.text()) < min
        || Long.parseLong(v.text()) > max) {
      throw error(ln, v, "'" + v.text() + "' is not a number from " + min + " to " + max);
    }
    return Integer.parseInt(v.text());
  }

  private ParseException error(int ln, Word at, String message) {
    return new ParseException(new SourcePos(file, ln, at.column()), message);
  }
}
