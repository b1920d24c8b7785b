package dev.policyc.dsl.path;

/**
 * The path of a rule's {@code match}, with a method per match key. A negated match ({@code {not:
 * …}}) has the path of the key; the items of a negated list keep their indexes.
 */
public final class MatchPath extends SourcePath {
  MatchPath(RulePath rule) {
    super(rule, "match");
  }

  /** {@code family}. */
  public SourcePath family() {
    return child("family");
  }

  /** {@code src}: the source addresses and network groups. */
  public ListPath src() {
    return list("src");
  }

  /** {@code src[i]}. */
  public SourcePath src(int i) {
    return src().item(i);
  }

  /** {@code dst}: the destination addresses and network groups. */
  public ListPath dst() {
    return list("dst");
  }

  /** {@code dst[i]}. */
  public SourcePath dst(int i) {
    return dst().item(i);
  }

  /** {@code proto}. */
  public SourcePath proto() {
    return child("proto");
  }

  /** {@code service}: services and service groups. */
  public ListPath service() {
    return list("service");
  }

  /** {@code service[i]}. */
  public SourcePath service(int i) {
    return service().item(i);
  }

  /** {@code sport}. */
  public ListPath sport() {
    return list("sport");
  }

  /** {@code sport[i]}. */
  public SourcePath sport(int i) {
    return sport().item(i);
  }

  /** {@code dport}. */
  public ListPath dport() {
    return list("dport");
  }

  /** {@code dport[i]}. */
  public SourcePath dport(int i) {
    return dport().item(i);
  }

  /** {@code in}: the input interface or interface group. */
  public SourcePath in() {
    return child("in");
  }

  /** {@code out}: the output interface or interface group. */
  public SourcePath out() {
    return child("out");
  }

  /** {@code state}: conntrack states. */
  public ListPath state() {
    return list("state");
  }

  /** {@code icmp-type}. */
  public SourcePath icmpType() {
    return child("icmp-type");
  }

  /** {@code tcp-flags}. */
  public SourcePath tcpFlags() {
    return child("tcp-flags");
  }

  /** {@code syn}. */
  public SourcePath syn() {
    return child("syn");
  }

  /** {@code mark}: the packet mark. */
  public SourcePath mark() {
    return child("mark");
  }

  /** {@code connmark}: the connection mark. */
  public SourcePath connmark() {
    return child("connmark");
  }

  /** {@code dscp}. */
  public SourcePath dscp() {
    return child("dscp");
  }

  /** {@code tos}. */
  public SourcePath tos() {
    return child("tos");
  }

  /** {@code length}. */
  public SourcePath length() {
    return child("length");
  }

  /** {@code ttl}. */
  public SourcePath ttl() {
    return child("ttl");
  }

  /** {@code fragment}. */
  public SourcePath fragment() {
    return child("fragment");
  }

  /** {@code src-type}: address types of the source. */
  public ListPath srcType() {
    return list("src-type");
  }

  /** {@code dst-type}: address types of the destination. */
  public ListPath dstType() {
    return list("dst-type");
  }

  /** {@code set}: one ipset match or a list of them. */
  public ListPath set() {
    return list("set");
  }

  /** {@code set[i]}. */
  public SourcePath set(int i) {
    return set().item(i);
  }

  /** {@code limit}. */
  public SourcePath limit() {
    return child("limit");
  }

  /** {@code statistic}. */
  public SourcePath statistic() {
    return child("statistic");
  }
}
