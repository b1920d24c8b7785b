package dev.policyc.dsl;

import java.util.List;

/**
 * What a rule matches, as the user wrote it: names are not yet resolved and values are not yet
 * checked (lowering does both, with positions). Every component is optional ({@code null} means
 * "not constrained"); all present components must hold for the rule to match.
 *
 * @param family restrict the rule to one address family; inferred from addresses when absent
 * @param src source addresses: CIDRs, ranges {@code a-b}, addresses or network group names
 * @param dst destination addresses, as {@code src}
 * @param proto protocol name or number
 * @param services service group names or literal services such as {@code tcp/22}
 * @param sport source ports and ranges ({@code "22"}, {@code "1024:65535"})
 * @param dport destination ports and ranges
 * @param in input interface, wildcard ({@code eth+}) or interface group
 * @param out output interface, wildcard or interface group
 * @param state conntrack states
 * @param icmpType ICMP or ICMPv6 type name, number or {@code type/code}
 * @param tcpFlags TCP flags examined and the ones that must be set
 * @param syn {@code true} for SYN-only packets (as {@code --syn}), {@code false} for the others
 * @param mark packet mark {@code value[/mask]}
 * @param connmark connection mark {@code value[/mask]}
 * @param dscp DSCP value (number) or class name ({@code EF}, {@code AF41}, …)
 * @param tos TOS byte {@code value[/mask]}
 * @param length total packet length or range
 * @param ttl TTL (hop limit for IPv6) comparison
 * @param fragment {@code true} for non-first IPv4 fragments, {@code false} for the others
 * @param srcType source address types
 * @param dstType destination address types
 * @param sets ipset membership tests
 * @param limit rate limit
 * @param statistic sampling (nth packet or random), or its negation
 */
public record MatchSpec(
    Family family,
    Negatable<List<String>> src,
    Negatable<List<String>> dst,
    Negatable<String> proto,
    List<String> services,
    Negatable<List<String>> sport,
    Negatable<List<String>> dport,
    Negatable<String> in,
    Negatable<String> out,
    Negatable<List<ConnState>> state,
    Negatable<String> icmpType,
    Negatable<TcpFlags> tcpFlags,
    Boolean syn,
    Negatable<String> mark,
    Negatable<String> connmark,
    Negatable<String> dscp,
    Negatable<String> tos,
    Negatable<String> length,
    Ttl ttl,
    Boolean fragment,
    Negatable<List<AddressType>> srcType,
    Negatable<List<AddressType>> dstType,
    List<Negatable<SetRef>> sets,
    Limit limit,
    Negatable<Statistic> statistic) {

  /** A match on nothing: every packet. */
  public static final MatchSpec ANY =
      new MatchSpec(
          null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null, null, null, null, null, null);

  public MatchSpec {
    src = copyList(src);
    dst = copyList(dst);
    services = services == null ? null : List.copyOf(services);
    sport = copyList(sport);
    dport = copyList(dport);
    state = distinct(copyList(state));
    srcType = distinct(copyList(srcType));
    dstType = distinct(copyList(dstType));
    sets = sets == null ? null : List.copyOf(sets);
  }

  /** Sets written as lists: repeats carry no meaning, so they are dropped (first one kept). */
  private static <T> Negatable<List<T>> distinct(Negatable<List<T>> n) {
    return n == null ? null : new Negatable<>(n.value().stream().distinct().toList(), n.negated());
  }

  private static <T> Negatable<List<T>> copyList(Negatable<List<T>> n) {
    return n == null ? null : new Negatable<>(List.copyOf(n.value()), n.negated());
  }

  /** True when nothing is constrained. */
  public boolean isEmpty() {
    return equals(ANY);
  }

  /**
   * TCP flags: the flags examined ({@code mask}) and those of them that must be set. Both lists
   * are kept in flag order without repeats, so equal flag sets compare equal.
   */
  public record TcpFlags(List<TcpFlag> mask, List<TcpFlag> set) {
    public TcpFlags {
      mask = mask.stream().distinct().sorted().toList();
      set = set.stream().distinct().sorted().toList();
    }
  }

  /** A TTL (IPv6: hop limit) comparison. */
  public record Ttl(Op op, int value) {
    /** The comparison: equal, not equal, less than, greater than. */
    public enum Op {
      EQ,
      NE,
      LT,
      GT
    }
  }

  /** A test of membership in a declared ipset, with the packet fields to look up. */
  public record SetRef(String name, List<String> dirs) {
    /** Directions may be given as one {@code "src,dst"} word or as a list; both read the same. */
    public SetRef {
      dirs = dirs.stream().flatMap(d -> java.util.Arrays.stream(d.split(",", -1)))
          .map(String::trim).toList();
    }
  }

  /** A rate limit {@code N/unit} with an optional burst (default 5). */
  public record Limit(String rate, Integer burst) {}

  /** Sampling: every {@code every}th packet starting at {@code packet}, or a random fraction. */
  public record Statistic(Mode mode, Double probability, Integer every, Integer packet) {
    /** How packets are chosen. */
    public enum Mode {
      RANDOM,
      NTH
    }
  }
}
