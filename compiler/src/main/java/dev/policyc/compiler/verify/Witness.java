package dev.policyc.compiler.verify;

import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.Hook;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.compiler.space.MaskSet;
import dev.policyc.compiler.space.NameSet;
import dev.policyc.compiler.space.ValueSet;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Packets that enter the host so as to reach a table at a hook as a member of a class of
 * packets: candidates for a counterexample, which the interpreter then confirms or not.
 * Unconstrained fields take ordinary values (a documentation address, TCP to port 80, TTL 64).
 */
final class Witness {
  private Witness() {}

  /** Candidate packets, most ordinary first; {@code hostModel} when the host routes them. */
  static List<Packet> candidates(Family f, Hook hook, Term region, HostModel host) {
    boolean hostModel = host != null;
    Set<Packet> out = new LinkedHashSet<>();
    List<IpAddr> own = new ArrayList<>();
    if (host != null) {
      for (HostModel.Iface i : host.ifaces()) {
        for (HostModel.IfAddr a : i.addrs()) {
          if (a.addr().family() == f) {
            own.add(a.addr());
          }
        }
      }
    }
    int variants = 3 + own.size();
    for (int variant = 0; variant < variants; variant++) {
      Cube c = region.cube();
      IpAddr src = addr(f, c.get(Field.SRC), variant >= 3 ? 0 : variant, true);
      IpAddr dst = addr(f, c.get(Field.DST), variant >= 3 ? 0 : variant, false);
      if (variant >= 3) {
        // the host's own address: as destination of what arrives, as source of what it sends
        IpAddr mine = own.get(variant - 3);
        boolean sent = hook == Hook.OUTPUT || hook == Hook.POSTROUTING;
        IntervalSet side = (IntervalSet) c.get(sent ? Field.SRC : Field.DST);
        if (!side.contains(mine)) {
          continue;
        }
        if (sent) {
          src = mine;
        } else {
          dst = mine;
        }
      }
      int v = variant >= 3 ? 0 : variant;
      int proto = (int) number(c.get(Field.PROTO), Protocols.TCP, v);
      int sport = (int) number(c.get(Field.SPORT), 40000, v);
      int dport = (int) number(c.get(Field.DPORT), 80, v);
      int icmp = (int) number(c.get(Field.ICMP), f == Family.IPV4 ? 0x0800 : 0x8000, v);
      int flags = (int) number(c.get(Field.TCP_FLAGS), 0x02, v);
      int stateNo = (int) number(c.get(Field.CT_STATE), ConnState.NEW.ordinal(), v);
      ConnState state = ConnState.values()[stateNo];
      if (state == ConnState.UNTRACKED || state == ConnState.INVALID && v > 0) {
        state = ConnState.NEW; // raw sees INVALID whatever the packet's state
      }
      long mark = number(c.get(Field.MARK), 0, v);
      long ctmark = number(c.get(Field.CT_MARK), 0, v);
      int tos = (int) number(c.get(Field.TOS), 0, v);
      int length = (int) number(c.get(Field.LENGTH), Packet.defaultLength(f, proto), v);
      int ttl = (int) number(c.get(Field.TTL), 64, v);
      boolean fragment = number(c.get(Field.FRAGMENT), 0, v) == 1;
      String in = name(c.get(Field.IN), "eth0");
      String out2 = name(c.get(Field.OUT), "eth1");
      int seq = 0;
      long random = 0;
      for (Map.Entry<Atom, Boolean> a : region.atoms().entrySet()) {
        Match m = a.getKey().match();
        if (m instanceof Match.Limit && !a.getValue()) {
          seq = 1_000_000;
        } else if (m instanceof Match.Statistic st) {
          boolean want = a.getValue() ^ st.negated();
          if (st.nth()) {
            seq = want ? st.packet() : st.packet() + 1;
          } else {
            random = want ? 0 : 0x7fffffffL;
          }
        }
      }
      String inIf;
      String outIf;
      switch (hook) {
        case PREROUTING, INPUT -> {
          inIf = in;
          outIf = null;
        }
        case FORWARD -> {
          inIf = in;
          outIf = hostModel ? null : out2;
          ttl = Math.min(255, ttl + 1); // the forward path decremented it before FORWARD
        }
        default -> {
          inIf = null;
          outIf = hostModel ? null : out2;
        }
      }
      if (in == null && (hook == Hook.PREROUTING || hook == Hook.INPUT || hook == Hook.FORWARD)) {
        continue;
      }
      try {
        out.add(new Packet(f, src, dst, proto, sport, dport, icmp >> 8, icmp & 0xff, flags,
            inIf, outIf, state, mark, ctmark, tos, length, ttl, fragment, seq, random));
        if (hook == Hook.POSTROUTING || hook == Hook.PREROUTING) {
          // also forwarded through the host
          out.add(new Packet(f, src, dst, proto, sport, dport, icmp >> 8, icmp & 0xff, flags,
              hook == Hook.POSTROUTING ? "eth9" : in, hostModel ? null : out2, state, mark,
              ctmark, tos, length, Math.min(255, ttl + 1), fragment, seq, random));
        }
      } catch (IllegalArgumentException e) {
        // a combination the interpreter refuses; try the next
      }
    }
    return new ArrayList<>(out);
  }

  private static IpAddr addr(Family f, ValueSet v, int variant, boolean src) {
    IntervalSet s = (IntervalSet) v;
    IpAddr ordinary = f == Family.IPV4
        ? IpAddr.v4(src ? 0xc6336401L : 0xcb007101L) // 198.51.100.1, 203.0.113.1
        : IpAddr.v6(0x20010db800000000L, src ? 1 : 2);
    if (variant == 0 && s.contains(ordinary)) {
      return ordinary;
    }
    List<IpRange> ranges = s.ipRanges(f);
    IpRange r = ranges.get(variant == 2 ? ranges.size() - 1 : 0);
    // one above the start when it can: away from 0.0.0.0 and the network address
    return r.first().equals(r.last()) ? r.first() : r.first().plus(1);
  }

  private static long number(ValueSet v, long ordinary, int variant) {
    if (v instanceof MaskSet m) {
      return variant == 0 && m.contains(ordinary) ? ordinary : m.sample();
    }
    IntervalSet s = (IntervalSet) v;
    if (variant == 0 && s.contains(ordinary)) {
      return ordinary;
    }
    List<long[]> ranges = s.ranges();
    long[] r = ranges.get(variant == 2 ? ranges.size() - 1 : 0);
    return variant == 2 ? r[1] : r[0];
  }

  private static String name(ValueSet v, String ordinary) {
    NameSet n = (NameSet) v;
    if (n.contains(ordinary)) {
      return ordinary;
    }
    return n.sample().orElse(null);
  }
}
