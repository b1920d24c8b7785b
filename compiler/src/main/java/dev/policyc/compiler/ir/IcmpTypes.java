package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * ICMP and ICMPv6 type names, as iptables' {@code icmp} and {@code icmp6} matches know them. A
 * name stands for a type and either every code (0–255) or one code.
 */
public final class IcmpTypes {
  /** A type with its code range. */
  public record TypeCode(int type, int codeLo, int codeHi) {}

  private static final Map<String, TypeCode> V4 = new LinkedHashMap<>();
  private static final Map<String, TypeCode> V6 = new LinkedHashMap<>();

  static {
    all(V4, 0, "echo-reply", "pong");
    all(V4, 3, "destination-unreachable");
    one(V4, 3, 0, "network-unreachable");
    one(V4, 3, 1, "host-unreachable");
    one(V4, 3, 2, "protocol-unreachable");
    one(V4, 3, 3, "port-unreachable");
    one(V4, 3, 4, "fragmentation-needed");
    one(V4, 3, 5, "source-route-failed");
    one(V4, 3, 6, "network-unknown");
    one(V4, 3, 7, "host-unknown");
    one(V4, 3, 9, "network-prohibited");
    one(V4, 3, 10, "host-prohibited");
    one(V4, 3, 11, "tos-network-unreachable");
    one(V4, 3, 12, "tos-host-unreachable");
    one(V4, 3, 13, "communication-prohibited");
    one(V4, 3, 14, "host-precedence-violation");
    one(V4, 3, 15, "precedence-cutoff");
    all(V4, 4, "source-quench");
    all(V4, 5, "redirect");
    one(V4, 5, 0, "network-redirect");
    one(V4, 5, 1, "host-redirect");
    one(V4, 5, 2, "tos-network-redirect");
    one(V4, 5, 3, "tos-host-redirect");
    all(V4, 8, "echo-request", "ping");
    all(V4, 9, "router-advertisement");
    all(V4, 10, "router-solicitation");
    all(V4, 11, "time-exceeded", "ttl-exceeded");
    one(V4, 11, 0, "ttl-zero-during-transit");
    one(V4, 11, 1, "ttl-zero-during-reassembly");
    all(V4, 12, "parameter-problem");
    one(V4, 12, 0, "ip-header-bad");
    one(V4, 12, 1, "required-option-missing");
    all(V4, 13, "timestamp-request");
    all(V4, 14, "timestamp-reply");
    all(V4, 17, "address-mask-request");
    all(V4, 18, "address-mask-reply");

    all(V6, 1, "destination-unreachable");
    one(V6, 1, 0, "no-route");
    one(V6, 1, 1, "communication-prohibited");
    one(V6, 1, 2, "beyond-scope");
    one(V6, 1, 3, "address-unreachable");
    one(V6, 1, 4, "port-unreachable");
    one(V6, 1, 5, "failed-policy");
    one(V6, 1, 6, "reject-route");
    all(V6, 2, "packet-too-big");
    all(V6, 3, "time-exceeded", "ttl-exceeded");
    one(V6, 3, 0, "ttl-zero-during-transit");
    one(V6, 3, 1, "ttl-zero-during-reassembly");
    all(V6, 4, "parameter-problem");
    one(V6, 4, 0, "bad-header");
    one(V6, 4, 1, "unknown-header-type");
    one(V6, 4, 2, "unknown-option");
    all(V6, 128, "echo-request", "ping");
    all(V6, 129, "echo-reply", "pong");
    all(V6, 130, "mld-listener-query");
    all(V6, 131, "mld-listener-report");
    all(V6, 132, "mld-listener-done", "mld-listener-reduction");
    all(V6, 133, "router-solicitation");
    all(V6, 134, "router-advertisement");
    all(V6, 135, "neighbour-solicitation", "neighbor-solicitation");
    all(V6, 136, "neighbour-advertisement", "neighbor-advertisement");
    all(V6, 137, "redirect");
  }

  private IcmpTypes() {}

  private static void all(Map<String, TypeCode> m, int type, String... names) {
    for (String n : names) {
      m.put(n, new TypeCode(type, 0, 255));
    }
  }

  private static void one(Map<String, TypeCode> m, int type, int code, String name) {
    m.put(name, new TypeCode(type, code, code));
  }

  /**
   * Resolves {@code name}, {@code type} or {@code type/code}; null when unknown or out of
   * range.
   */
  public static TypeCode resolve(Family f, String text) {
    String t = text.toLowerCase(Locale.ROOT);
    TypeCode named = (f == Family.IPV4 ? V4 : V6).get(t);
    if (named != null) {
      return named;
    }
    String[] parts = t.split("/", -1);
    if (parts.length > 2 || !isByte(parts[0]) || (parts.length == 2 && !isByte(parts[1]))) {
      return null;
    }
    int type = Integer.parseInt(parts[0]);
    if (parts.length == 1) {
      return new TypeCode(type, 0, 255);
    }
    int code = Integer.parseInt(parts[1]);
    return new TypeCode(type, code, code);
  }

  /** Every ICMP (IPv4) or ICMPv6 type name with what it stands for, in the table's order. */
  public static Map<String, TypeCode> names(Family f) {
    return Collections.unmodifiableMap(f == Family.IPV4 ? V4 : V6);
  }

  /** The type a name or number stands for, or -1. */
  public static int type(Family f, String text) {
    TypeCode tc = resolve(f, text);
    return tc == null ? -1 : tc.type();
  }

  /** The code a name stands for; 0 when it stands for every code. */
  public static int code(Family f, String text) {
    TypeCode tc = resolve(f, text);
    return tc == null || tc.codeLo() != tc.codeHi() ? 0 : tc.codeLo();
  }

  private static boolean isByte(String s) {
    return !s.isEmpty() && s.length() <= 3 && s.chars().allMatch(c -> c >= '0' && c <= '9')
        && Integer.parseInt(s) <= 255;
  }
}
