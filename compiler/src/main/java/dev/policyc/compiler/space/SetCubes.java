package dev.policyc.compiler.space;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Side;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The packets an ipset lookup holds for, as disjoint cubes: the union of its entries' cubes, with
 * the interpreter's semantics ({@code MatchEvaluator.inSet}, after the kernel's {@code
 * ip_set_get_ip_port}). A port type reads no port of a non-first fragment; the port of a TCP,
 * UDP, SCTP, DCCP or UDP-Lite packet is the port itself, of an ICMP packet of the set's family
 * {@code type << 8 | code}, of any other protocol 0. {@code bitmap:port} holds TCP and UDP
 * packets only. {@code hash:ip,port,ip} and {@code hash:ip,port,net} read a second address in
 * their third direction.
 */
public final class SetCubes {
  private SetCubes() {}

  /**
   * The packets of family {@code f} for which the lookup of {@code set} in the fields {@code
   * dirs} succeeds (the match not negated), as disjoint cubes; empty when none do.
   */
  public static List<Cube> of(IpSet set, List<Side> dirs, Family f) {
    if (dirs.size() < set.type().dimensions()
        || (set.type().hasAddress() && set.family() != f)) {
      return List.of(); // ip_set_test: too few directions, or a set of the other family
    }
    Cube base = Cube.all(f);
    if (set.type() == IpSet.Type.BITMAP_PORT) {
      List<PortRange> ports = new ArrayList<>();
      set.entries().forEach(e -> ports.add(e.ports()));
      Cube c = base.and(Field.PROTO, IntervalSet.point(8, Protocols.TCP)
              .union(IntervalSet.point(8, Protocols.UDP)))
          .and(Field.FRAGMENT, IntervalSet.point(1, 0))
          .and(portField(dirs.get(0)), IntervalSet.ofPorts(ports));
      return c.isEmpty() ? List.of() : List.of(c);
    }
    Field addrField = dirs.get(0) == Side.SRC ? Field.SRC : Field.DST;
    if (!set.type().hasPort()) {
      List<IpRange> ranges = new ArrayList<>();
      set.entries().forEach(e -> ranges.add(e.addr()));
      Cube c = base.and(addrField, IntervalSet.of(f, ranges));
      return c.isEmpty() ? List.of() : List.of(c);
    }
    if (set.type().hasSecondAddress()) {
      return addressPortAddressCubes(set, addrField, dirs.get(1),
          dirs.get(2) == Side.SRC ? Field.SRC : Field.DST, f);
    }
    return addressPortCubes(set, addrField, dirs.get(1), f);
  }

  /**
   * The cubes of a {@code hash:ip,port,ip} or {@code hash:ip,port,net} set: per protocol and
   * first address (a host: the type stores hosts there, so two first addresses never overlap),
   * the pieces of the port axis on which the same entries hold, each with the union of their
   * second addresses. The first and the second address may read the same field (the
   * directions {@code dst,dst,dst}): the cube then holds the addresses in both.
   */
  private static List<Cube> addressPortAddressCubes(IpSet set, Field addrField, Side portSide,
      Field addr2Field, Family f) {
    // (protocol, first address) -> entries; TreeMaps so the cubes come out in a fixed order
    TreeMap<Integer, TreeMap<IpRange, List<IpSet.Entry>>> groups = new TreeMap<>();
    for (IpSet.Entry e : set.entries()) {
      if (!e.addr().first().equals(e.addr().last())) {
        throw new IllegalArgumentException("set " + set.name() + ": a first element that is"
            + " not one address (" + e.addr() + ") in a " + set.type().ipsetName() + " set");
      }
      groups.computeIfAbsent(e.proto(), k -> new TreeMap<>())
          .computeIfAbsent(e.addr(), k -> new ArrayList<>()).add(e);
    }
    List<Cube> out = new ArrayList<>();
    Cube base = Cube.all(f).and(Field.FRAGMENT, IntervalSet.point(1, 0));
    for (var byP : groups.entrySet()) {
      int proto = byP.getKey();
      Field portField = portFieldOf(proto, portSide, f);
      for (var byA : byP.getValue().entrySet()) {
        Cube c = base.and(Field.PROTO, IntervalSet.point(8, proto))
            .and(addrField, IntervalSet.of(byA.getKey()));
        List<IpSet.Entry> entries = byA.getValue();
        if (portField == null) {
          // no port in the packet: ipset looks up port 0
          List<IpRange> seconds = new ArrayList<>();
          for (IpSet.Entry e : entries) {
            if (e.ports().contains(0)) {
              seconds.add(e.addr2());
            }
          }
          if (!seconds.isEmpty()) {
            add(out, c.and(addr2Field, IntervalSet.of(f, seconds)));
          }
          continue;
        }
        for (PortPiece piece : pieces(entries, f, IpSet.Entry::addr2)) {
          add(out, c.and(portField, IntervalSet.range(16, piece.lo, piece.hi))
              .and(addr2Field, piece.addrs));
        }
      }
    }
    return out;
  }

  /**
   * The cubes of a {@code hash:ip,port} or {@code hash:net,port} set: one per protocol and piece
   * of the port axis on which the same entries hold, so the cubes are disjoint.
   */
  private static List<Cube> addressPortCubes(IpSet set, Field addrField, Side portSide,
      Family f) {
    // protocol -> entries of it; a TreeMap so the cubes come out in protocol order
    TreeMap<Integer, List<IpSet.Entry>> byProto = new TreeMap<>();
    for (IpSet.Entry e : set.entries()) {
      byProto.computeIfAbsent(e.proto(), k -> new ArrayList<>()).add(e);
    }
    List<Cube> out = new ArrayList<>();
    Cube base = Cube.all(f).and(Field.FRAGMENT, IntervalSet.point(1, 0));
    for (var byP : byProto.entrySet()) {
      int proto = byP.getKey();
      Cube protoCube = base.and(Field.PROTO, IntervalSet.point(8, proto));
      Field portField = portFieldOf(proto, portSide, f);
      if (portField == null) {
        // no port in the packet: ipset looks up port 0
        List<IpRange> ranges = new ArrayList<>();
        for (IpSet.Entry e : byP.getValue()) {
          if (e.ports().contains(0)) {
            ranges.add(e.addr());
          }
        }
        add(out, protoCube.and(addrField, IntervalSet.of(f, ranges)));
        continue;
      }
      for (PortPiece piece : pieces(byP.getValue(), f, IpSet.Entry::addr)) {
        add(out, protoCube.and(portField, IntervalSet.range(16, piece.lo, piece.hi))
            .and(addrField, piece.addrs));
      }
    }
    return out;
  }

  /** Ports {@code lo..hi} on which exactly the entries with addresses {@code addrs} hold. */
  private record PortPiece(long lo, long hi, IntervalSet addrs) {}

  /**
   * The port axis cut where an entry's range starts or ends; each piece covered by some entry
   * with the union of their addresses, adjacent pieces of equal addresses joined.
   */
  private static List<PortPiece> pieces(List<IpSet.Entry> entries, Family f,
      java.util.function.Function<IpSet.Entry, IpRange> address) {
    TreeSet<Long> cuts = new TreeSet<>();
    for (IpSet.Entry e : entries) {
      cuts.add((long) e.ports().lo());
      cuts.add((long) e.ports().hi() + 1);
    }
    List<PortPiece> out = new ArrayList<>();
    Long lo = null;
    for (long cut : cuts) {
      if (lo != null) {
        long hi = cut - 1;
        List<IpRange> ranges = new ArrayList<>();
        for (IpSet.Entry e : entries) {
          if (e.ports().lo() <= lo && e.ports().hi() >= hi) {
            ranges.add(address.apply(e));
          }
        }
        if (!ranges.isEmpty()) {
          IntervalSet addrs = IntervalSet.of(f, ranges);
          PortPiece last = out.isEmpty() ? null : out.get(out.size() - 1);
          if (last != null && last.hi + 1 == lo && last.addrs.equals(addrs)) {
            out.set(out.size() - 1, new PortPiece(last.lo, hi, addrs));
          } else {
            out.add(new PortPiece(lo, hi, addrs));
          }
        }
      }
      lo = cut;
    }
    return out;
  }

  /** The field ipset reads as the port of a protocol, or null when it reads port 0. */
  private static Field portFieldOf(int proto, Side side, Family f) {
    if (Protocols.hasPorts(proto) || proto == Protocols.UDPLITE) {
      return portField(side);
    }
    int icmp = f == Family.IPV4 ? Protocols.ICMP : Protocols.ICMPV6;
    return proto == icmp ? Field.ICMP : null;
  }

  private static Field portField(Side side) {
    return side == Side.SRC ? Field.SPORT : Field.DPORT;
  }

  private static void add(List<Cube> out, Cube c) {
    if (!c.isEmpty()) {
      out.add(c);
    }
  }
}
