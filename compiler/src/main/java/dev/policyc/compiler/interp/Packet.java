package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.TcpFlag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A packet as the interpreter sees it when it enters the host.
 *
 * @param in the interface it arrives on; null for a packet the host itself sends
 * @param out without a host model, the interface it leaves by (forwarded or sent); null when it
 *     is delivered locally. With a host model the routing decision comes from the host and this
 *     must be null.
 * @param state the conntrack state it will be given: NEW, ESTABLISHED, RELATED or INVALID
 * @param fragment true for a second or later fragment (IPv6: behind a fragment header)
 * @param seq for stateful matches: how many identical packets went before it, back to back, since
 *     the rules were loaded (see {@link Interpreter})
 * @param random the kernel's random draw for {@code -m statistic --mode random} (31 bits)
 */
public record Packet(
    Family family,
    IpAddr src,
    IpAddr dst,
    int proto,
    int sport,
    int dport,
    int icmpType,
    int icmpCode,
    int tcpFlags,
    String in,
    String out,
    ConnState state,
    long mark,
    long ctmark,
    int tos,
    int length,
    int ttl,
    boolean fragment,
    int seq,
    long random) {

  public Packet {
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(src, "src");
    Objects.requireNonNull(dst, "dst");
    Objects.requireNonNull(state, "state");
    if (src.family() != family || dst.family() != family) {
      throw new IllegalArgumentException("addresses of the wrong family");
    }
    if (state == ConnState.UNTRACKED) {
      throw new IllegalArgumentException(
          "a packet cannot arrive untracked; only the raw table's notrack makes it so");
    }
  }

  public boolean locallyGenerated() {
    return in == null;
  }

  public boolean hasPorts() {
    return Protocols.hasPorts(proto) || proto == Protocols.UDPLITE;
  }

  public boolean isIcmp() {
    return family == Family.IPV4 ? proto == Protocols.ICMP : proto == Protocols.ICMPV6;
  }

  /**
   * The length a packet gets when none is given: its headers, and for a non-first IPv6
   * fragment the fragment header and 8 bytes of payload.
   */
  public static int defaultLength(Family f, int proto, boolean fragment) {
    return fragment && f == Family.IPV6 ? 40 + 8 + 8 : defaultLength(f, proto);
  }

  /** The minimal header length of a packet of this family and protocol. */
  public static int defaultLength(Family f, int proto) {
    int ip = f == Family.IPV4 ? 20 : 40;
    return ip
        + switch (proto) {
          case Protocols.TCP -> 20;
          case Protocols.UDP, Protocols.UDPLITE, Protocols.ICMP, Protocols.ICMPV6 -> 8;
          case Protocols.SCTP -> 12;
          case Protocols.DCCP -> 16;
          default -> 0;
        };
  }

  public Packet withSrc(IpAddr a, int port) {
    return new Packet(family, a, dst, proto, port, dport, icmpType, icmpCode, tcpFlags, in, out,
        state, mark, ctmark, tos, length, ttl, fragment, seq, random);
  }

  public Packet withDst(IpAddr a, int port) {
    return new Packet(family, src, a, proto, sport, port, icmpType, icmpCode, tcpFlags, in, out,
        state, mark, ctmark, tos, length, ttl, fragment, seq, random);
  }

  public Packet withMarks(long newMark, long newCtmark) {
    return new Packet(family, src, dst, proto, sport, dport, icmpType, icmpCode, tcpFlags, in, out,
        state, newMark, newCtmark, tos, length, ttl, fragment, seq, random);
  }

  public Packet withTosTtl(int newTos, int newTtl) {
    return new Packet(family, src, dst, proto, sport, dport, icmpType, icmpCode, tcpFlags, in, out,
        state, mark, ctmark, newTos, length, newTtl, fragment, seq, random);
  }

  public Packet withRoute(String newIn, String newOut) {
    return new Packet(family, src, dst, proto, sport, dport, icmpType, icmpCode, tcpFlags, newIn,
        newOut, state, mark, ctmark, tos, length, ttl, fragment, seq, random);
  }

  public Packet withLength(int newLength) {
    return new Packet(family, src, dst, proto, sport, dport, icmpType, icmpCode, tcpFlags, in, out,
        state, mark, ctmark, tos, newLength, ttl, fragment, seq, random);
  }

  public Packet withState(ConnState newState) {
    return new Packet(family, src, dst, proto, sport, dport, icmpType, icmpCode, tcpFlags, in, out,
        newState, mark, ctmark, tos, length, ttl, fragment, seq, random);
  }

  public Packet withSeq(int newSeq) {
    return new Packet(family, src, dst, proto, sport, dport, icmpType, icmpCode, tcpFlags, in, out,
        state, mark, ctmark, tos, length, ttl, fragment, newSeq, random);
  }

  /** ECE and CWR, which a packet may carry though no iptables flag match names them. */
  private static final int ECE = 0x40;

  private static final int CWR = 0x80;

  /** IFNAMSIZ − 1: the longest interface name the kernel accepts. */
  public static final int MAX_IFACE_NAME = 15;

  /**
   * A packet that cannot be read, with the 1-based column of the word at fault (1 when the
   * packet as a whole is).
   */
  public static final class SyntaxError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int column;

    public SyntaxError(String message, int column) {
      super(message);
      this.column = column;
    }

    public int column() {
      return column;
    }
  }

  /** A word of the packet syntax and the 1-based column it starts at. */
  private record Word(String text, int column) {}

  private static List<Word> words(String text) {
    List<Word> out = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      if (Character.isWhitespace(text.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      out.add(new Word(text.substring(start, i), start + 1));
    }
    return out;
  }

  /**
   * Parses the packet syntax of {@code policyc explain}:
   *
   * <pre>PROTO SRC[:PORT] -> DST[:PORT] [in IF] [out IF] [state S] [flags F,…] [type T[/C]]
   *   [mark N] [ctmark N] [tos N] [dscp N] [len N] [ttl N] [frag] [seq N] [random N]</pre>
   *
   * IPv6 addresses with a port are written {@code [2001:db8::1]:443}. Without {@code state}, the
   * packet has the state conntrack gives a packet that belongs to no connection ({@link
   * Conntrack#firstPacketState}): an echo reply is INVALID, a SYN NEW. {@code frag} is a
   * non-first fragment (of IPv6: behind a fragment header). Each attribute may be given once.
   * Throws {@link SyntaxError} with a reason and the column of the word at fault.
   */
  public static Packet parse(String text) {
    List<Word> t = words(text);
    if (t.size() < 4 || !t.get(2).text().equals("->")) {
      // the column of the word that should be the arrow, when there is one
      throw new SyntaxError(
          "expected 'PROTO SRC[:PORT] -> DST[:PORT] …', got '" + text.strip() + "'",
          t.size() >= 3 && !t.get(2).text().equals("->") ? t.get(2).column() : 1);
    }
    int proto = Protocols.number(t.get(0).text());
    if (proto <= 0) {
      throw new SyntaxError("unknown protocol '" + t.get(0).text() + "'", t.get(0).column());
    }
    Object[] s = endpoint(t.get(1));
    Object[] d = endpoint(t.get(3));
    IpAddr src = (IpAddr) s[0];
    IpAddr dst = (IpAddr) d[0];
    if (src.family() != dst.family()) {
      throw new SyntaxError("source and destination are of different families",
          t.get(3).column());
    }
    Family f = src.family();
    if (proto == Protocols.ICMP && f == Family.IPV6) {
      proto = Protocols.ICMPV6;
    }
    int sport = (Integer) s[1];
    int dport = (Integer) d[1];
    boolean ports = Protocols.hasPorts(proto) || proto == Protocols.UDPLITE;
    if (!ports && (sport >= 0 || dport >= 0)) {
      throw new SyntaxError("protocol " + t.get(0).text() + " has no ports",
          t.get(sport >= 0 ? 1 : 3).column());
    }
    String in = null;
    String out = null;
    ConnState state = null;
    Integer flags = null;
    int icmpType = -1;
    int icmpCode = 0;
    long mark = 0;
    long ctmark = 0;
    int tos = 0;
    Integer length = null;
    int ttl = 64;
    boolean frag = false;
    int seq = 0;
    long random = 0;
    Map<String, String> given = new HashMap<>();
    Word typeWord = null;
    Word flagsWord = null;
    for (int i = 4; i < t.size(); i++) {
      Word kw = t.get(i);
      String k = kw.text().toLowerCase(Locale.ROOT);
      // each attribute once; dscp and tos both set the TOS byte, so one of them
      String first = given.putIfAbsent(k.equals("dscp") ? "tos" : k, k);
      if (first != null) {
        throw new SyntaxError(first.equals(k) ? "'" + k + "' is given twice"
            : "'" + first + "' and '" + k + "' both set the TOS byte: give one", kw.column());
      }
      if (k.equals("frag")) {
        frag = true;
        continue;
      }
      if (i + 1 >= t.size()) {
        throw new SyntaxError("'" + k + "' needs a value", kw.column());
      }
      Word vw = t.get(++i);
      String v = vw.text();
      try {
        switch (k) {
          case "in" -> in = iface(v);
          case "out" -> out = iface(v);
          case "state" -> {
            try {
              state = ConnState.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
              state = null;
            }
            if (state == null || state == ConnState.UNTRACKED) {
              throw new IllegalArgumentException(
                  "state must be new, established, related or invalid, not '" + v + "'");
            }
          }
          case "flags" -> {
            flags = tcpFlags(v);
            flagsWord = kw;
          }
          case "type" -> {
            String[] tc = v.split("/", -1);
            icmpType = IcmpTypes.type(f, tc[0]);
            if (icmpType < 0) {
              throw new IllegalArgumentException("unknown ICMP type '" + v + "'");
            }
            icmpCode = tc.length > 1 ? number(tc[1], 255) : IcmpTypes.code(f, tc[0]);
            typeWord = kw;
          }
          case "mark" -> mark = longNumber(v);
          case "ctmark" -> ctmark = longNumber(v);
          case "tos" -> tos = number(v, 255);
          case "dscp" -> tos = number(v, 63) << 2;
          case "len" -> length = number(v, 65535);
          case "ttl" -> ttl = number(v, 255);
          case "seq" -> seq = number(v, Integer.MAX_VALUE);
          case "random" -> random = longNumber(v) & 0x7fffffffL;
          default -> throw new SyntaxError("unknown packet attribute '" + k + "'", kw.column());
        }
      } catch (SyntaxError e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw new SyntaxError(e.getMessage(), vw.column());
      }
    }
    boolean isIcmp = proto == Protocols.ICMP || proto == Protocols.ICMPV6;
    if (isIcmp && icmpType < 0) {
      icmpType = f == Family.IPV4 ? 8 : 128; // echo request
    }
    if (!isIcmp && icmpType >= 0) {
      throw new SyntaxError("'type' is only for ICMP packets", typeWord.column());
    }
    if (flags != null && proto != Protocols.TCP) {
      throw new SyntaxError("'flags' is only for TCP packets", flagsWord.column());
    }
    int tcpFlags = flags != null ? flags
        : proto == Protocols.TCP ? defaultFlags(state == null ? ConnState.NEW : state) : 0;
    int len = length == null ? defaultLength(f, proto, frag) : length;
    Packet p = new Packet(f, src, dst, proto, Math.max(sport, 0), Math.max(dport, 0),
        Math.max(icmpType, 0), icmpCode, tcpFlags, in, out, ConnState.NEW, mark, ctmark, tos,
        len, ttl, frag, seq, random);
    ConnState st = state != null ? state : Conntrack.firstPacketState(p);
    return st == ConnState.NEW ? p : p.withState(st);
  }

  /**
   * An interface name as the kernel takes it (dev_valid_name): 1 to 15 characters, none of
   * them '/', ':' or white space, and neither "." nor "..".
   */
  private static String iface(String name) {
    if (name.length() > MAX_IFACE_NAME) {
      throw new IllegalArgumentException("interface name '" + name + "' is longer than the "
          + MAX_IFACE_NAME + " characters the kernel allows");
    }
    if (name.equals(".") || name.equals("..") || name.contains("/") || name.contains(":")) {
      throw new IllegalArgumentException("'" + name + "' is not an interface name");
    }
    return name;
  }

  private static int defaultFlags(ConnState state) {
    return state == ConnState.NEW ? TcpFlag.SYN.bit() : TcpFlag.ACK.bit();
  }

  /** TCP flags: iptables' names, and ECE and CWR, which a packet may carry too. */
  static int tcpFlags(String v) {
    int bits = 0;
    for (String f : v.split(",", -1)) {
      String u = f.toUpperCase(Locale.ROOT);
      int b = u.equals("ECE") ? ECE : u.equals("CWR") ? CWR : Netfilter.tcpFlag(f);
      if (b < 0) {
        throw new IllegalArgumentException("unknown TCP flag '" + f + "'");
      }
      bits |= b;
    }
    return bits;
  }

  /** The flags as {@link #tcpFlags} reads them. */
  static String tcpFlagText(int bits) {
    List<String> names = new ArrayList<>();
    if ((bits & Netfilter.TCP_ALL) != 0 || bits == 0) {
      names.add(Netfilter.tcpFlagNames(bits & Netfilter.TCP_ALL));
    }
    if ((bits & ECE) != 0) {
      names.add("ECE");
    }
    if ((bits & CWR) != 0) {
      names.add("CWR");
    }
    return String.join(",", names);
  }

  private static Object[] endpoint(Word w) {
    try {
      return endpoint(w.text());
    } catch (IllegalArgumentException e) {
      throw new SyntaxError(e.getMessage(), w.column());
    }
  }

  private static Object[] endpoint(String s) {
    String addr = s;
    int port = -1;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' in '" + s + "'");
      }
      addr = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("bad endpoint '" + s + "'");
        }
        port = port(rest.substring(1), s);
      }
    } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
      addr = s.substring(0, s.indexOf(':'));
      port = port(s.substring(s.indexOf(':') + 1), s);
    }
    return new Object[] {IpAddr.parse(addr), port};
  }

  private static int port(String p, String endpoint) {
    if (p.isEmpty()) {
      throw new IllegalArgumentException("missing port after ':' in '" + endpoint + "'");
    }
    return number(p, 65535);
  }

  private static int number(String s, int max) {
    long v = longNumber(s);
    if (v > max) {
      throw new IllegalArgumentException("'" + s + "' is above " + max);
    }
    return (int) v;
  }

  /** A 32-bit unsigned number, decimal or 0x-hexadecimal; leading zeros are allowed. */
  private static long longNumber(String s) {
    if (!s.matches("0[xX][0-9a-fA-F]+|[0-9]+")) {
      throw new IllegalArgumentException("'" + s + "' is not a number");
    }
    boolean hex = s.length() > 1 && (s.charAt(1) == 'x' || s.charAt(1) == 'X');
    String digits = (hex ? s.substring(2) : s).replaceFirst("^0+(?=.)", "");
    // a value written with more digits than 0xffffffff has is out of range too
    if (digits.length() > (hex ? 8 : 10)) {
      throw new IllegalArgumentException("'" + s + "' is out of range (above 0xffffffff)");
    }
    long v = Long.parseLong(digits, hex ? 16 : 10);
    if (v > 0xffffffffL) {
      throw new IllegalArgumentException("'" + s + "' is out of range (above 0xffffffff)");
    }
    return v;
  }

  /** The packet in the syntax {@link #parse} reads. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(Protocols.name(proto)).append(' ');
    sb.append(endpointText(src, sport)).append(" -> ").append(endpointText(dst, dport));
    if (in != null) {
      sb.append(" in ").append(in);
    }
    if (out != null) {
      sb.append(" out ").append(out);
    }
    sb.append(" state ").append(state.yamlName());
    if (proto == Protocols.TCP) {
      sb.append(" flags ").append(tcpFlagText(tcpFlags));
    }
    if (isIcmp()) {
      sb.append(" type ").append(icmpType).append('/').append(icmpCode);
    }
    if (mark != 0) {
      sb.append(" mark 0x").append(Long.toHexString(mark));
    }
    if (ctmark != 0) {
      sb.append(" ctmark 0x").append(Long.toHexString(ctmark));
    }
    if (tos != 0) {
      sb.append(" tos 0x").append(Integer.toHexString(tos));
    }
    if (length != defaultLength(family, proto, fragment)) {
      sb.append(" len ").append(length);
    }
    if (ttl != 64) {
      sb.append(" ttl ").append(ttl);
    }
    if (fragment) {
      sb.append(" frag");
    }
    if (seq != 0) {
      sb.append(" seq ").append(seq);
    }
    if (random != 0) {
      sb.append(" random ").append(random);
    }
    return sb.toString();
  }

  private String endpointText(IpAddr a, int port) {
    if (!hasPorts()) {
      return a.toString();
    }
    return family == Family.IPV6 ? "[" + a + "]:" + port : a + ":" + port;
  }
}
