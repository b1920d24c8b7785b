package dev.policyc.dsl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds a {@link MatchSpec} fluently; start with {@link Dsl#match()}. Methods named {@code notX}
 * build the negated match ({@code ! -s …}).
 */
public final class MatchBuilder {
  private Family family;
  private Negatable<List<String>> src;
  private Negatable<List<String>> dst;
  private Negatable<String> proto;
  private List<String> services;
  private Negatable<List<String>> sport;
  private Negatable<List<String>> dport;
  private Negatable<String> in;
  private Negatable<String> out;
  private Negatable<List<ConnState>> state;
  private Negatable<String> icmpType;
  private Negatable<MatchSpec.TcpFlags> tcpFlags;
  private Boolean syn;
  private Negatable<String> mark;
  private Negatable<String> connmark;
  private Negatable<String> dscp;
  private Negatable<String> tos;
  private Negatable<String> length;
  private MatchSpec.Ttl ttl;
  private Boolean fragment;
  private Negatable<List<AddressType>> srcType;
  private Negatable<List<AddressType>> dstType;
  private final List<Negatable<MatchSpec.SetRef>> sets = new ArrayList<>();
  private MatchSpec.Limit limit;
  private Negatable<MatchSpec.Statistic> statistic;

  MatchBuilder() {}

  public MatchBuilder ipv4() {
    family = Family.IPV4;
    return this;
  }

  public MatchBuilder ipv6() {
    family = Family.IPV6;
    return this;
  }

  public MatchBuilder src(String... addresses) {
    src = Negatable.is(List.of(addresses));
    return this;
  }

  public MatchBuilder notSrc(String... addresses) {
    src = Negatable.not(List.of(addresses));
    return this;
  }

  public MatchBuilder dst(String... addresses) {
    dst = Negatable.is(List.of(addresses));
    return this;
  }

  public MatchBuilder notDst(String... addresses) {
    dst = Negatable.not(List.of(addresses));
    return this;
  }

  public MatchBuilder proto(String protocol) {
    proto = Negatable.is(protocol);
    return this;
  }

  public MatchBuilder notProto(String protocol) {
    proto = Negatable.not(protocol);
    return this;
  }

  public MatchBuilder tcp() {
    return proto("tcp");
  }

  public MatchBuilder udp() {
    return proto("udp");
  }

  public MatchBuilder icmp() {
    return proto("icmp");
  }

  public MatchBuilder icmpv6() {
    return proto("icmpv6");
  }

  /** Service groups or literal services ({@code tcp/22}); sets protocol and destination port. */
  public MatchBuilder service(String... names) {
    services = List.of(names);
    return this;
  }

  public MatchBuilder sport(int... ports) {
    sport = Negatable.is(numbers(ports));
    return this;
  }

  public MatchBuilder sport(String... ports) {
    sport = Negatable.is(List.of(ports));
    return this;
  }

  public MatchBuilder notSport(String... ports) {
    sport = Negatable.not(List.of(ports));
    return this;
  }

  public MatchBuilder dport(int... ports) {
    dport = Negatable.is(numbers(ports));
    return this;
  }

  public MatchBuilder dport(String... ports) {
    dport = Negatable.is(List.of(ports));
    return this;
  }

  public MatchBuilder notDport(String... ports) {
    dport = Negatable.not(List.of(ports));
    return this;
  }

  public MatchBuilder in(String iface) {
    in = Negatable.is(iface);
    return this;
  }

  public MatchBuilder notIn(String iface) {
    in = Negatable.not(iface);
    return this;
  }

  public MatchBuilder out(String iface) {
    out = Negatable.is(iface);
    return this;
  }

  public MatchBuilder notOut(String iface) {
    out = Negatable.not(iface);
    return this;
  }

  public MatchBuilder state(ConnState... states) {
    state = Negatable.is(List.of(states));
    return this;
  }

  public MatchBuilder notState(ConnState... states) {
    state = Negatable.not(List.of(states));
    return this;
  }

  public MatchBuilder icmpType(String type) {
    icmpType = Negatable.is(type);
    return this;
  }

  public MatchBuilder notIcmpType(String type) {
    icmpType = Negatable.not(type);
    return this;
  }

  /** Examines the {@code mask} flags and requires exactly {@code set} of them to be set. */
  public MatchBuilder tcpFlags(List<TcpFlag> mask, List<TcpFlag> set) {
    tcpFlags = Negatable.is(new MatchSpec.TcpFlags(mask, set));
    return this;
  }

  public MatchBuilder notTcpFlags(List<TcpFlag> mask, List<TcpFlag> set) {
    tcpFlags = Negatable.not(new MatchSpec.TcpFlags(mask, set));
    return this;
  }

  /** SYN set with ACK, RST and FIN clear, as {@code --syn}. */
  public MatchBuilder syn() {
    syn = true;
    return this;
  }

  public MatchBuilder notSyn() {
    syn = false;
    return this;
  }

  public MatchBuilder mark(String valueMask) {
    mark = Negatable.is(valueMask);
    return this;
  }

  public MatchBuilder notMark(String valueMask) {
    mark = Negatable.not(valueMask);
    return this;
  }

  public MatchBuilder connmark(String valueMask) {
    connmark = Negatable.is(valueMask);
    return this;
  }

  public MatchBuilder notConnmark(String valueMask) {
    connmark = Negatable.not(valueMask);
    return this;
  }

  public MatchBuilder dscp(String valueOrClass) {
    dscp = Negatable.is(valueOrClass);
    return this;
  }

  public MatchBuilder notDscp(String valueOrClass) {
    dscp = Negatable.not(valueOrClass);
    return this;
  }

  public MatchBuilder tos(String valueMask) {
    tos = Negatable.is(valueMask);
    return this;
  }

  public MatchBuilder notTos(String valueMask) {
    tos = Negatable.not(valueMask);
    return this;
  }

  /** Total packet length or range {@code min:max}. */
  public MatchBuilder length(String range) {
    length = Negatable.is(range);
    return this;
  }

  public MatchBuilder notLength(String range) {
    length = Negatable.not(range);
    return this;
  }

  public MatchBuilder ttl(MatchSpec.Ttl.Op op, int value) {
    ttl = new MatchSpec.Ttl(op, value);
    return this;
  }

  /** Non-first IPv4 fragments only. */
  public MatchBuilder fragment() {
    fragment = true;
    return this;
  }

  /** Unfragmented packets and first fragments. */
  public MatchBuilder notFragment() {
    fragment = false;
    return this;
  }

  public MatchBuilder srcType(AddressType... types) {
    srcType = Negatable.is(List.of(types));
    return this;
  }

  public MatchBuilder notSrcType(AddressType... types) {
    srcType = Negatable.not(List.of(types));
    return this;
  }

  public MatchBuilder dstType(AddressType... types) {
    dstType = Negatable.is(List.of(types));
    return this;
  }

  public MatchBuilder notDstType(AddressType... types) {
    dstType = Negatable.not(List.of(types));
    return this;
  }

  /** Membership of the packet's {@code dirs} fields ({@code src}, {@code dst}) in a set. */
  public MatchBuilder inSet(String set, String... dirs) {
    sets.add(Negatable.is(new MatchSpec.SetRef(set, List.of(dirs))));
    return this;
  }

  public MatchBuilder notInSet(String set, String... dirs) {
    sets.add(Negatable.not(new MatchSpec.SetRef(set, List.of(dirs))));
    return this;
  }

  /** A rate such as {@code 10/second}, with the default burst of 5. */
  public MatchBuilder limit(String rate) {
    limit = new MatchSpec.Limit(rate, null);
    return this;
  }

  public MatchBuilder limit(String rate, int burst) {
    limit = new MatchSpec.Limit(rate, burst);
    return this;
  }

  /** A random fraction of packets. */
  public MatchBuilder random(double probability) {
    statistic = Negatable.is(
        new MatchSpec.Statistic(MatchSpec.Statistic.Mode.RANDOM, probability, null, null));
    return this;
  }

  /** Every {@code every}th packet, starting with counter value {@code packet}. */
  public MatchBuilder nth(int every, int packet) {
    statistic = Negatable.is(
        new MatchSpec.Statistic(MatchSpec.Statistic.Mode.NTH, null, every, packet));
    return this;
  }

  /** The packets a random sampling does not pick. */
  public MatchBuilder notRandom(double probability) {
    statistic = Negatable.not(
        new MatchSpec.Statistic(MatchSpec.Statistic.Mode.RANDOM, probability, null, null));
    return this;
  }

  /** The packets an nth sampling does not pick. */
  public MatchBuilder notNth(int every, int packet) {
    statistic = Negatable.not(
        new MatchSpec.Statistic(MatchSpec.Statistic.Mode.NTH, null, every, packet));
    return this;
  }

  public MatchSpec build() {
    return new MatchSpec(
        family, src, dst, proto, services, sport, dport, in, out, state, icmpType, tcpFlags, syn,
        mark, connmark, dscp, tos, length, ttl, fragment, srcType, dstType,
        sets.isEmpty() ? null : sets, limit, statistic);
  }

  private static List<String> numbers(int... ports) {
    return Arrays.stream(ports).mapToObj(Integer::toString).toList();
  }
}
