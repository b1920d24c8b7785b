package dev.policyc.compiler.ir;

import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * IP protocol names and numbers as iptables-save prints them: the names of Debian's netbase
 * {@code /etc/protocols} (iptables depends on netbase), so emitted and saved rules agree. Carried
 * here rather than read from the machine so that output is the same everywhere.
 */
public final class Protocols {
  public static final int ICMP = 1;
  public static final int TCP = 6;
  public static final int UDP = 17;
  public static final int DCCP = 33;
  public static final int ICMPV6 = 58;
  public static final int SCTP = 132;
  public static final int UDPLITE = 136;

  private static final Map<Integer, String> NAMES =
      new TreeMap<>(
          Map.ofEntries(
              Map.entry(1, "icmp"),
              Map.entry(2, "igmp"),
              Map.entry(3, "ggp"),
              Map.entry(4, "ipencap"),
              Map.entry(5, "st"),
              Map.entry(6, "tcp"),
              Map.entry(8, "egp"),
              Map.entry(9, "igp"),
              Map.entry(12, "pup"),
              Map.entry(17, "udp"),
              Map.entry(20, "hmp"),
              Map.entry(22, "xns-idp"),
              Map.entry(27, "rdp"),
              Map.entry(29, "iso-tp4"),
              Map.entry(33, "dccp"),
              Map.entry(36, "xtp"),
              Map.entry(37, "ddp"),
              Map.entry(38, "idpr-cmtp"),
              Map.entry(41, "ipv6"),
              Map.entry(43, "ipv6-route"),
              Map.entry(44, "ipv6-frag"),
              Map.entry(45, "idrp"),
              Map.entry(46, "rsvp"),
              Map.entry(47, "gre"),
              Map.entry(50, "esp"),
              Map.entry(51, "ah"),
              Map.entry(57, "skip"),
              Map.entry(58, "ipv6-icmp"),
              Map.entry(59, "ipv6-nonxt"),
              Map.entry(60, "ipv6-opts"),
              Map.entry(73, "rspf"),
              Map.entry(81, "vmtp"),
              Map.entry(88, "eigrp"),
              Map.entry(89, "ospf"),
              Map.entry(93, "ax.25"),
              Map.entry(94, "ipip"),
              Map.entry(97, "etherip"),
              Map.entry(98, "encap"),
              Map.entry(103, "pim"),
              Map.entry(108, "ipcomp"),
              Map.entry(112, "vrrp"),
              Map.entry(115, "l2tp"),
              Map.entry(124, "isis"),
              Map.entry(132, "sctp"),
              Map.entry(133, "fc"),
              Map.entry(135, "mobility-header"),
              Map.entry(136, "udplite"),
              Map.entry(137, "mpls-in-ip"),
              Map.entry(138, "manet"),
              Map.entry(139, "hip"),
              Map.entry(140, "shim6"),
              Map.entry(141, "wesp"),
              Map.entry(142, "rohc"),
              Map.entry(143, "ethernet")));

  private static final Map<String, Integer> NUMBERS = new HashMap<>();

  static {
    NAMES.forEach((n, s) -> NUMBERS.put(s, n));
    NUMBERS.put("icmpv6", ICMPV6);
    NUMBERS.put("icmp6", ICMPV6);
  }

  private Protocols() {}

  /**
   * The protocol number for a name or decimal number ({@code tcp}, {@code 47}); -1 when unknown.
   * {@code all} and {@code 0} give 0 (any protocol).
   */
  public static int number(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    if (t.equals("all")) {
      return 0;
    }
    if (!t.isEmpty() && t.length() <= 3 && t.chars().allMatch(c -> c >= '0' && c <= '9')) {
      int n = Integer.parseInt(t);
      return n <= 255 ? n : -1;
    }
    return NUMBERS.getOrDefault(t, -1);
  }

  /** Every protocol name {@link #number} knows (aliases included), sorted by name. */
  public static Map<String, Integer> names() {
    return Collections.unmodifiableMap(new TreeMap<>(NUMBERS));
  }

  /** The name iptables-save prints for a protocol number, or the number itself. */
  public static String name(int number) {
    return NAMES.getOrDefault(number, Integer.toString(number));
  }

  /** True for the protocols with a port match module ({@code -m tcp}, {@code -m udp}, …). */
  public static boolean hasPorts(int number) {
    return number == TCP || number == UDP || number == SCTP || number == DCCP;
  }

  /** The match module iptables-save uses for ports of this protocol ({@code -m tcp}, …). */
  public static String portModule(int number) {
    return switch (number) {
      case TCP -> "tcp";
      case UDP -> "udp";
      case SCTP -> "sctp";
      case DCCP -> "dccp";
      default -> throw new IllegalArgumentException("protocol " + number + " has no ports");
    };
  }
}
