package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.IpAddr;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One line of a flow ({@code policyc explain --flow}): a packet, or the answer to the packet
 * before it, with an optional time stamp.
 *
 * <pre>[at TIME] PACKET
 * [at TIME] reply [ATTRIBUTE…]
 * [at TIME] reply icmp [from ADDR] [type T[/C]] [ATTRIBUTE…]</pre>
 *
 * TIME is in seconds ({@code 1.5s}, or {@code 1.5}) or milliseconds ({@code 250ms}), counted
 * from when the rules were loaded; a line without one happens at the time of the line before.
 * {@code reply} is the answer of the previous packet's destination, as that packet left the
 * host: addresses and ports swapped, arriving by the interface it left by; {@code reply icmp}
 * an ICMP (ICMPv6) error about it, from its destination or from ADDR (a router on the way),
 * quoting it. The session computes conntrack states and connection marks, so a flow's packets
 * name neither {@code state} nor {@code ctmark}, nor {@code seq}.
 *
 * @param at the time stamp in microseconds, or null
 * @param reply whether the line answers the packet before it
 * @param icmpError for a reply, whether it is an ICMP error quoting the packet before
 * @param from for an ICMP error, the address it comes from (null: the packet's destination)
 * @param text the packet (PROTO SRC -> DST …) or, for a reply, its attributes
 * @param column the 1-based column {@code text} starts at in the line
 * @param start the 1-based column of the line's first word after the time stamp ({@code reply}
 *     or the packet)
 */
public record FlowLine(Long at, boolean reply, boolean icmpError, IpAddr from, String text,
    int column, int start) {

  private static final long MAX_MICROS = 1_000_000L * 86_400 * 366 * 100;

  /** Reads a line; throws {@link Packet.SyntaxError} with the column at fault. */
  public static FlowLine parse(String line) {
    List<int[]> spans = new ArrayList<>();
    for (int i = 0; i < line.length(); ) {
      if (Character.isWhitespace(line.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < line.length() && !Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      spans.add(new int[] {start, i});
    }
    int w = 0;
    Long at = null;
    if (w < spans.size() && word(line, spans, w).equals("at")) {
      if (w + 1 >= spans.size()) {
        throw new Packet.SyntaxError("'at' needs a time, such as 1.5s or 250ms",
            spans.get(w)[0] + 1);
      }
      at = micros(word(line, spans, w + 1), spans.get(w + 1)[0] + 1);
      w += 2;
    }
    int first = w < spans.size() ? spans.get(w)[0] + 1 : line.length() + 1;
    boolean reply = false;
    boolean icmpError = false;
    IpAddr from = null;
    if (w < spans.size() && word(line, spans, w).equals("reply")) {
      reply = true;
      w++;
      if (w < spans.size() && List.of("icmp", "icmpv6", "ipv6-icmp")
          .contains(word(line, spans, w).toLowerCase(Locale.ROOT))) {
        icmpError = true;
        w++;
        if (w < spans.size() && word(line, spans, w).equals("from")) {
          if (w + 1 >= spans.size()) {
            throw new Packet.SyntaxError("'from' needs an address", spans.get(w)[0] + 1);
          }
          try {
            from = IpAddr.parse(word(line, spans, w + 1));
          } catch (IllegalArgumentException e) {
            throw new Packet.SyntaxError(e.getMessage(), spans.get(w + 1)[0] + 1);
          }
          w += 2;
        }
      }
    } else if (w >= spans.size()) {
      throw new Packet.SyntaxError("a time stamp without a packet", 1);
    }
    for (int k = w; k < spans.size(); k++) {
      String kw = word(line, spans, k).toLowerCase(Locale.ROOT);
      if (kw.equals("state") || kw.equals("ctmark") || kw.equals("seq")) {
        throw new Packet.SyntaxError("a flow's packets do not name '" + kw + "': the session"
            + " computes it from the packets before", spans.get(k)[0] + 1);
      }
      if (kw.equals("at") || kw.equals("reply")) {
        throw new Packet.SyntaxError("'" + kw + "' comes first in a line of a flow",
            spans.get(k)[0] + 1);
      }
    }
    int start = w < spans.size() ? spans.get(w)[0] : line.length();
    return new FlowLine(at, reply, icmpError, from, line.substring(start), start + 1, first);
  }

  private static String word(String line, List<int[]> spans, int i) {
    return line.substring(spans.get(i)[0], spans.get(i)[1]);
  }

  /** Microseconds as the seconds a flow writes: {@code 1.5s}, {@code 0s}. */
  public static String seconds(long micros) {
    return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString() + "s";
  }

  /** {@code 1.5s}, {@code 1.5} or {@code 250ms} in microseconds. */
  static long micros(String text, int column) {
    String t = text.toLowerCase(Locale.ROOT);
    long unit = 1_000_000;
    if (t.endsWith("ms")) {
      unit = 1_000;
      t = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      t = t.substring(0, t.length() - 1);
    }
    if (!t.matches("[0-9]{1,12}(\\.[0-9]{1,6})?")) {
      throw new Packet.SyntaxError("'" + text + "' is not a time, such as 1.5s or 250ms", column);
    }
    BigDecimal v = new BigDecimal(t).multiply(BigDecimal.valueOf(unit));
    if (v.compareTo(BigDecimal.valueOf(MAX_MICROS)) > 0 || v.stripTrailingZeros().scale() > 0) {
      throw new Packet.SyntaxError("'" + text + "' is not a time the session can count (at"
          + " most a century, in microseconds)", column);
    }
    return v.longValueExact();
  }
}
