package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.TcpFlag;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The netfilter vocabulary: the names, numbers and limits of the kernel and of iptables that
 * lowering, the readers, the emitters and the interpreter share. Each fact is written here once;
 * the source of each is named beside it.
 */
public final class Netfilter {
  private Netfilter() {}

  // ------------------------------------------------------------------ limits

  /** Chain names: {@code XT_EXTENSION_MAXNAMELEN} (29) less the NUL. */
  public static final int MAX_CHAIN_NAME = 28;

  /** ipset names: {@code IPSET_MAXNAMELEN} (32) less the NUL. */
  public static final int MAX_SET_NAME = 31;

  /** Interface names: {@code IFNAMSIZ} (16) less the NUL. */
  public static final int MAX_IFACE_NAME = 15;

  /** Comments: {@code XT_MAX_COMMENT_LEN} (256) bytes less the NUL. */
  public static final int MAX_COMMENT_BYTES = 255;

  /** LOG prefixes: {@code char prefix[30]} of {@code xt_log_info} less the NUL, in bytes. */
  public static final int MAX_LOG_PREFIX = 29;

  /** Ports of one multiport match: {@code XT_MULTI_PORTS}; a range takes two. */
  public static final int MULTIPORT_SLOTS = 15;

  /**
   * The most jumps and gotos a chain may be below a built-in chain: nf_tables keeps a jump stack
   * of {@code NFT_JUMP_STACK_SIZE} (16) levels, the built-in chain's included, and refuses a rule
   * that would link a chain deeper ("Too many links", EMLINK) — for gotos too, which it validates
   * alike. iptables-nft, the default backend of current distributions, loads rules through it.
   */
  public static final int MAX_CHAIN_DEPTH = 15;

  /** The rate limit's time unit: {@code XT_LIMIT_SCALE}, ten thousandths of a second. */
  public static final long LIMIT_SCALE = 10000;

  /** Marks, connection marks and masks are 32 bits. */
  public static final long MARK_MAX = 0xffffffffL;

  /**
   * Target names a user chain must not take: iptables reads {@code -j NAME} as the target before
   * it looks for a chain of that name.
   */
  public static final Set<String> RESERVED_TARGET_NAMES =
      Set.of("ACCEPT", "DROP", "RETURN", "QUEUE", "REJECT", "LOG", "DNAT", "SNAT", "MASQUERADE",
          "REDIRECT", "MARK", "CONNMARK", "DSCP", "TOS", "TTL", "HL", "TCPMSS", "CT", "NOTRACK",
          "NFLOG", "NFQUEUE", "CLASSIFY", "TRACE", "AUDIT", "CHECKSUM", "SET", "TEE", "TPROXY",
          "ULOG", "NETMAP", "SECMARK", "CONNSECMARK", "IDLETIMER", "LED", "RATEEST", "SYNPROXY",
          "CLUSTERIP", "ECN", "HMARK", "CONTINUE", "ERROR");

  /** The built-in chains, one per hook. */
  public static final Set<String> HOOK_NAMES =
      Set.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");

  // ------------------------------------------------------------------ TCP flags

  /** SYN alone. */
  public static final int TCP_SYN = TcpFlag.SYN.bit();

  /** What {@code --syn} examines: FIN, SYN, RST and ACK (libxt_tcp). */
  public static final int TCP_SYN_MASK =
      TcpFlag.FIN.bit() | TcpFlag.SYN.bit() | TcpFlag.RST.bit() | TcpFlag.ACK.bit();

  /** libxt_tcp's {@code ALL}: the six flags it knows. */
  public static final int TCP_ALL = 0x3f;

  /** The bits of a flag name (FIN…URG, ALL, NONE; any case), or -1 for an unknown name. */
  public static int tcpFlag(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    switch (n) {
      case "ALL":
        return TCP_ALL;
      case "NONE":
        return 0;
      default:
        for (TcpFlag f : TcpFlag.values()) {
          if (f.name().equals(n)) {
            return f.bit();
          }
        }
        return -1;
    }
  }

  /** Flag bits as iptables-save prints them: {@code SYN,ACK}, or {@code NONE}. */
  public static String tcpFlagNames(int bits) {
    if (bits == 0) {
      return "NONE";
    }
    List<String> out = new ArrayList<>();
    for (TcpFlag f : TcpFlag.values()) {
      if ((bits & f.bit()) != 0) {
        out.add(f.name());
      }
    }
    return String.join(",", out);
  }

  // ------------------------------------------------------------------ DSCP and logging

  /** DSCP class names and their values (libxt_dscp's {@code dscp_helper.c}). */
  public static final Map<String, Integer> DSCP_CLASSES =
      Map.ofEntries(
          Map.entry("BE", 0), Map.entry("CS0", 0), Map.entry("CS1", 8), Map.entry("CS2", 16),
          Map.entry("CS3", 24), Map.entry("CS4", 32), Map.entry("CS5", 40), Map.entry("CS6", 48),
          Map.entry("CS7", 56), Map.entry("AF11", 10), Map.entry("AF12", 12),
          Map.entry("AF13", 14), Map.entry("AF21", 18), Map.entry("AF22", 20),
          Map.entry("AF23", 22), Map.entry("AF31", 26), Map.entry("AF32", 28),
          Map.entry("AF33", 30), Map.entry("AF41", 34), Map.entry("AF42", 36),
          Map.entry("AF43", 38), Map.entry("EF", 46));

  /** Syslog level names libxt_LOG accepts, with its aliases. */
  public static final Map<String, Integer> LOG_LEVELS =
      Map.ofEntries(
          Map.entry("emerg", 0), Map.entry("alert", 1), Map.entry("crit", 2), Map.entry("err", 3),
          Map.entry("error", 3), Map.entry("warning", 4), Map.entry("warn", 4),
          Map.entry("notice", 5), Map.entry("info", 6), Map.entry("debug", 7));

  /** The level LOG uses when none is given. */
  public static final int LOG_DEFAULT_LEVEL = 4;

  // ------------------------------------------------------------------ REJECT

  /**
   * The policy language's family-neutral reject names and the kernel name of each per family
   * ({IPv4, IPv6}); null where a family has none.
   */
  public static final Map<String, List<String>> REJECT_TYPES;

  /** Every name the REJECT target accepts per family (libxt_REJECT's aliases included). */
  private static final Map<String, String> REJECT4 = new LinkedHashMap<>();

  private static final Map<String, String> REJECT6 = new LinkedHashMap<>();

  static {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("port-unreachable", both("icmp-port-unreachable", "icmp6-port-unreachable"));
    m.put("host-unreachable", both("icmp-host-unreachable", "icmp6-addr-unreachable"));
    m.put("net-unreachable", both("icmp-net-unreachable", "icmp6-no-route"));
    m.put("admin-prohibited", both("icmp-admin-prohibited", "icmp6-adm-prohibited"));
    m.put("tcp-reset", both("tcp-reset", "tcp-reset"));
    m.put("proto-unreachable", both("icmp-proto-unreachable", null));
    m.put("net-prohibited", both("icmp-net-prohibited", null));
    m.put("host-prohibited", both("icmp-host-prohibited", null));
    m.put("no-route", both(null, "icmp6-no-route"));
    m.put("addr-unreachable", both(null, "icmp6-addr-unreachable"));
    m.put("policy-fail", both(null, "icmp6-policy-fail"));
    m.put("reject-route", both(null, "icmp6-reject-route"));
    REJECT_TYPES = Collections.unmodifiableMap(m);
    for (String[] p : new String[][] {
      {"icmp-net-unreachable", "net-unreach"}, {"icmp-host-unreachable", "host-unreach"},
      {"icmp-port-unreachable", "port-unreach"}, {"icmp-proto-unreachable", "proto-unreach"},
      {"icmp-net-prohibited", "net-prohib"}, {"icmp-host-prohibited", "host-prohib"},
      {"icmp-admin-prohibited", "admin-prohib"}, {"tcp-reset", "tcp-rst"}}) {
      REJECT4.put(p[0], p[0]);
      REJECT4.put(p[1], p[0]);
    }
    for (String[] p : new String[][] {
      {"icmp6-no-route", "no-route"}, {"icmp6-adm-prohibited", "adm-prohibited"},
      {"icmp6-addr-unreachable", "addr-unreach"}, {"icmp6-port-unreachable", "port-unreach"},
      {"icmp6-policy-fail", "policy-fail"}, {"icmp6-reject-route", "reject-route"},
      {"tcp-reset", "tcp-rst"}}) {
      REJECT6.put(p[0], p[0]);
      REJECT6.put(p[1], p[0]);
    }
  }

  private static List<String> both(String v4, String v6) {
    List<String> l = new ArrayList<>(2);
    l.add(v4);
    l.add(v6);
    return Collections.unmodifiableList(l);
  }

  /** The reject name the kernel answers with by default in a family. */
  public static String defaultReject(Family f) {
    return REJECT_TYPES.get("port-unreachable").get(f.ordinal());
  }

  /**
   * The kernel name of a REJECT type as iptables-save prints it, for a name or alias {@code
   * --reject-with} accepts in a family; null when the family has no such type.
   */
  public static String rejectName(Family f, String name) {
    return (f == Family.IPV4 ? REJECT4 : REJECT6).get(name);
  }

  /** The reject name that answers with a TCP reset. */
  public static final String TCP_RESET = "tcp-reset";

  // ------------------------------------------------------------------ well-known addresses

  public static final IpRange V4_LOOPBACK = IpRange.parse("127.0.0.0/8");
  public static final IpAddr V4_LOCALHOST = IpAddr.parse("127.0.0.1");
  /** 127.255.255.255: the broadcast route of the 127.0.0.0/8 local route. */
  public static final IpAddr V4_LOOPBACK_BROADCAST = IpAddr.parse("127.255.255.255");
  public static final IpRange V4_MULTICAST = IpRange.parse("224.0.0.0/4");
  /** The link-local multicast block: routed without a source check. */
  public static final IpRange V4_LOCAL_MULTICAST = IpRange.parse("224.0.0.0/24");
  /** The all-hosts group every IPv4 host joins. */
  public static final IpAddr V4_ALL_HOSTS = IpAddr.parse("224.0.0.1");
  public static final IpAddr V6_LOOPBACK = IpAddr.parse("::1");
  public static final IpRange V6_MULTICAST = IpRange.parse("ff00::/8");
  /** IPv4-mapped IPv6 addresses. */
  public static final IpRange V6_MAPPED = IpRange.parse("::ffff:0.0.0.0/96");
  public static final IpRange V6_LINK_LOCAL = IpRange.parse("fe80::/10");
  /** The all-nodes group every IPv6 host joins. */
  public static final IpAddr V6_ALL_NODES = IpAddr.parse("ff02::1");

  /** The loopback address a family's REDIRECT in OUTPUT sends to. */
  public static IpAddr localhost(Family f) {
    return f == Family.IPV4 ? V4_LOCALHOST : V6_LOOPBACK;
  }

  /** Whether an address is a loopback one: 127.0.0.0/8 or ::1. */
  public static boolean isLoopback(IpAddr a) {
    return a.family() == Family.IPV4 ? V4_LOOPBACK.contains(a) : a.equals(V6_LOOPBACK);
  }

  /** Whether an address is a multicast one. */
  public static boolean isMulticast(IpAddr a) {
    return a.family() == Family.IPV4 ? V4_MULTICAST.contains(a) : V6_MULTICAST.contains(a);
  }
}
