package dev.policyc.compiler.ir;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The canonical order of a rule's matches: the order iptables-save prints them in for the rules
 * policyc builds. The header options first ({@code -s -d -i -o -p -f}), then the protocol's own
 * module (ports, TCP flags, ICMP type), then the other modules in a fixed order, with the
 * stateful ones ({@code limit}, {@code statistic}) last so that they count only the packets every
 * other match let through.
 *
 * <p>Lowering and every pass that builds a rule use it. It is not for reordering the modules of a
 * rule read from an iptables-save dump, whose order is part of its meaning.
 */
public final class MatchOrder {
  private MatchOrder() {}

  /** The matches in canonical order; matches of equal rank keep their relative order. */
  public static List<Match> sorted(List<Match> matches) {
    List<Match> out = new ArrayList<>(matches);
    out.sort(Comparator.comparingInt(MatchOrder::rank));
    return out;
  }

  /** The position of a match's kind in the canonical order. */
  public static int rank(Match m) {
    if (m instanceof Match.Addr a) {
      return a.side() == Side.SRC ? 0 : 1;
    } else if (m instanceof Match.Iface i) {
      return i.out() ? 3 : 2;
    } else if (m instanceof Match.Proto) {
      return 4;
    } else if (m instanceof Match.Fragment) {
      return 5;
    } else if (m instanceof Match.Ports p) {
      return p.side() == Side.SRC ? 6 : 7;
    } else if (m instanceof Match.TcpFlags) {
      return 8;
    } else if (m instanceof Match.Icmp) {
      return 9;
    } else if (m instanceof Match.CtState) {
      return 10;
    } else if (m instanceof Match.Mark) {
      return 11;
    } else if (m instanceof Match.ConnMark) {
      return 12;
    } else if (m instanceof Match.Dscp) {
      return 13;
    } else if (m instanceof Match.Tos) {
      return 14;
    } else if (m instanceof Match.Length) {
      return 15;
    } else if (m instanceof Match.Ttl) {
      return 16;
    } else if (m instanceof Match.AddrType a) {
      return a.side() == Side.SRC ? 17 : 18;
    } else if (m instanceof Match.InSet) {
      return 19;
    } else if (m instanceof Match.Limit) {
      return 20;
    } else if (m instanceof Match.Statistic) {
      return 21;
    } else if (m instanceof Match.Recent) {
      return 22;
    } else if (m instanceof Match.Nfacct) {
      return 23;
    } else if (m instanceof Match.Ipvs) {
      return 24;
    } else if (m instanceof Match.Physdev) {
      return 25;
    }
    throw new AssertionError("unknown match " + m);
  }
}
