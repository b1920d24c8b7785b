package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Host;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyObjects;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.TcpFlag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an IR policy back into a policy model, so that it can be written as YAML (for the kernel
 * oracle's reproductions, and for importing iptables-save dumps). Each IR rule becomes one rule
 * with an explicit family; lowering that policy gives back rules that decide every packet the
 * same way. IR that no policy can say (two address matches of one side in one rule, an ICMP
 * code range) is refused with {@link IllegalArgumentException}.
 */
public final class IrToPolicy {
  private IrToPolicy() {}

  public static Policy convert(IrPolicy ir) {
    List<ChainSpec> chains = new ArrayList<>();
    for (Table t : Table.values()) {
      RuleTable v4 = ir.ipv4().table(t).orElse(null);
      RuleTable v6 = ir.ipv6().table(t).orElse(null);
      RuleTable layout = v4 != null ? v4 : v6;
      if (layout == null) {
        continue;
      }
      for (Chain c : layout.chains()) {
        List<RuleSpec> rules = new ArrayList<>();
        for (RuleTable rt : new RuleTable[] {v4, v6}) {
          if (rt == null) {
            continue;
          }
          Family f = rt == v4 ? Family.IPV4 : Family.IPV6;
          Chain same = rt.chain(c.name()).orElse(null);
          if (same != null) {
            for (Rule r : same.rules()) {
              rules.add(new RuleSpec(match(r, f), action(r.target(), f), r.comment()));
            }
          }
        }
        chains.add(new ChainSpec(t, c.name(), c.policy(), rules));
      }
    }
    List<IpSetSpec> sets = new ArrayList<>();
    for (IpSet s : ir.sets()) {
      sets.add(set(s));
    }
    PolicyObjects objects = new PolicyObjects(Map.of(), Map.of(), Map.of(), sets);
    return new Policy(ir.name(), null, host(ir.host()), objects, chains, SourceMap.empty());
  }

  private static Host host(HostModel h) {
    if (h == null) {
      return null;
    }
    Map<String, List<String>> ifaces = new LinkedHashMap<>();
    for (HostModel.Iface i : h.ifaces()) {
      ifaces.put(i.name(), i.addrs().stream().map(a -> a.addr() + "/" + a.prefixLength())
          .toList());
    }
    List<Host.Route> routes = new ArrayList<>();
    for (HostModel.Route r : h.routes()) {
      // "default" without a gateway means both families; only a gateway says which one
      String to = r.dst().isAll() && r.via() != null ? "default" : r.dst().toString();
      routes.add(new Host.Route(to, r.via() == null ? null : r.via().toString(), r.dev()));
    }
    return new Host(h.forwarding(), ifaces, routes);
  }

  private static IpSetSpec set(IpSet s) {
    if (s.type().hasSecondAddress()) {
      // a policy cannot declare kube-proxy's IPVS-mode types (SetLowering refuses them)
      throw new IllegalArgumentException("set " + s.name() + ": a policy cannot hold "
          + s.type().ipsetName() + " sets");
    }
    List<String> entries = new ArrayList<>();
    for (IpSet.Entry e : s.entries()) {
      if (s.type() == IpSet.Type.BITMAP_PORT) {
        entries.add(dash(e.ports()));
      } else if (s.type().hasPort()) {
        entries.add(addr(e.addr()) + "," + Protocols.name(e.proto()) + ":" + dash(e.ports()));
      } else {
        entries.add(addr(e.addr()));
      }
    }
    return new IpSetSpec(s.name(), s.type().ipsetName(), s.family(), entries,
        s.range() == null ? null : dash(s.range()), s.maxelem() == 65536 ? null : s.maxelem());
  }

  private static MatchSpec match(Rule r, Family f) {
    Map<String, Object> m = new LinkedHashMap<>();
    Negatable<List<String>> src = null;
    Negatable<List<String>> dst = null;
    Negatable<String> proto = null;
    Negatable<List<String>> sport = null;
    Negatable<List<String>> dport = null;
    Negatable<String> in = null;
    Negatable<String> out = null;
    Negatable<List<dev.policyc.dsl.ConnState>> state = null;
    Negatable<String> icmp = null;
    Negatable<MatchSpec.TcpFlags> flags = null;
    Negatable<String> mark = null;
    Negatable<String> connmark = null;
    Negatable<String> dscp = null;
    Negatable<String> tos = null;
    Negatable<String> length = null;
    MatchSpec.Ttl ttl = null;
    Boolean fragment = null;
    Negatable<List<dev.policyc.dsl.AddressType>> srcType = null;
    Negatable<List<dev.policyc.dsl.AddressType>> dstType = null;
    List<Negatable<MatchSpec.SetRef>> sets = new ArrayList<>();
    MatchSpec.Limit limit = null;
    Negatable<MatchSpec.Statistic> statistic = null;
    for (Match x : r.matches()) {
      if (x instanceof Match.Addr a) {
        Negatable<List<String>> v = new Negatable<>(List.of(addr(a.range())), a.negated());
        if (a.side() == Side.SRC) {
          once(src, "src");
          src = v;
        } else {
          once(dst, "dst");
          dst = v;
        }
      } else if (x instanceof Match.Proto p) {
        proto = new Negatable<>(Protocols.name(p.number()), p.negated());
      } else if (x instanceof Match.Ports p) {
        Negatable<List<String>> v = new Negatable<>(
            p.ranges().stream().map(IrToPolicy::colon).toList(), p.negated());
        if (p.side() == Side.SRC) {
          once(sport, "sport");
          sport = v;
        } else {
          once(dport, "dport");
          dport = v;
        }
      } else if (x instanceof Match.Iface i) {
        if (i.out()) {
          out = new Negatable<>(i.name(), i.negated());
        } else {
          in = new Negatable<>(i.name(), i.negated());
        }
      } else if (x instanceof Match.CtState c) {
        if (c.snat() || c.dnat()) {
          throw new IllegalArgumentException("a policy has no conntrack state SNAT or DNAT");
        }
        state = new Negatable<>(c.ordered(), c.negated());
      } else if (x instanceof Match.Icmp ic) {
        String t = ic.codeLo() == 0 && ic.codeHi() == 255 ? Integer.toString(ic.type())
            : ic.type() + "/" + ic.codeLo();
        if (ic.codeLo() != ic.codeHi() && !(ic.codeLo() == 0 && ic.codeHi() == 255)) {
          throw new IllegalArgumentException("ICMP code range " + ic.codeLo() + "-"
              + ic.codeHi());
        }
        icmp = new Negatable<>(t, ic.negated());
      } else if (x instanceof Match.TcpFlags t) {
        flags = new Negatable<>(new MatchSpec.TcpFlags(tcpFlags(t.mask()), tcpFlags(t.comp())),
            t.negated());
      } else if (x instanceof Match.Mark k) {
        mark = new Negatable<>(hex(k.value()) + "/" + hex(k.mask()), k.negated());
      } else if (x instanceof Match.ConnMark k) {
        connmark = new Negatable<>(hex(k.value()) + "/" + hex(k.mask()), k.negated());
      } else if (x instanceof Match.Dscp d) {
        dscp = new Negatable<>(Integer.toString(d.value()), d.negated());
      } else if (x instanceof Match.Tos t) {
        tos = new Negatable<>(hex(t.value()) + "/" + hex(t.mask()), t.negated());
      } else if (x instanceof Match.Length l) {
        length = new Negatable<>(l.lo() + ":" + l.hi(), l.negated());
      } else if (x instanceof Match.Ttl t) {
        ttl = new MatchSpec.Ttl(MatchSpec.Ttl.Op.valueOf(t.op().name()), t.value());
      } else if (x instanceof Match.Fragment fr) {
        fragment = !fr.negated();
      } else if (x instanceof Match.AddrType at) {
        var v = new Negatable<>(at.ordered(), at.negated());
        if (at.side() == Side.SRC) {
          srcType = v;
        } else {
          dstType = v;
        }
      } else if (x instanceof Match.InSet s) {
        sets.add(new Negatable<>(new MatchSpec.SetRef(s.name(),
            s.dirs().stream().map(Side::word).toList()), s.negated()));
      } else if (x instanceof Match.Limit l) {
        limit = new MatchSpec.Limit(l.rate(), l.burst() == 5 ? null : l.burst());
      } else if (x instanceof Match.Statistic st) {
        statistic = new Negatable<>(st.nth()
            ? new MatchSpec.Statistic(MatchSpec.Statistic.Mode.NTH, null, st.every(), st.packet())
            : new MatchSpec.Statistic(MatchSpec.Statistic.Mode.RANDOM,
                st.probability() / (double) 0x80000000L, null, null), st.negated());
      } else if (x instanceof Match.Recent || x instanceof Match.Nfacct
          || x instanceof Match.Ipvs || x instanceof Match.Physdev) {
        throw new IllegalArgumentException("a policy has no " + (x instanceof Match.Recent
            ? "recent" : x instanceof Match.Nfacct ? "nfacct" : x instanceof Match.Ipvs ? "ipvs"
            : "physdev") + " match");
      } else {
        throw new AssertionError("unknown match " + x);
      }
    }
    m.clear();
    return new MatchSpec(f, src, dst, proto, null, sport, dport, in, out, state, icmp, flags,
        null, mark, connmark, dscp, tos, length, ttl, fragment, srcType, dstType,
        sets.isEmpty() ? null : sets, limit, statistic);
  }

  private static void once(Object previous, String what) {
    if (previous != null) {
      throw new IllegalArgumentException("two " + what + " matches in one rule");
    }
  }

  private static Action action(Target t, Family f) {
    if (t instanceof Target.Accept) {
      return new Action.Accept();
    } else if (t instanceof Target.Drop) {
      return new Action.Drop();
    } else if (t instanceof Target.Return) {
      return new Action.Return();
    } else if (t instanceof Target.Reject r) {
      return new Action.Reject(r.with());
    } else if (t instanceof Target.Jump j) {
      return new Action.Jump(j.chain());
    } else if (t instanceof Target.Goto g) {
      return new Action.Goto(g.chain());
    } else if (t instanceof Target.Log l) {
      return new Action.Log(l.prefix(), l.level() == 4 ? null : Integer.toString(l.level()));
    } else if (t instanceof Target.Dnat d) {
      return new Action.Dnat(nat(d.addrs(), d.ports(), f));
    } else if (t instanceof Target.Snat s) {
      return new Action.Snat(nat(s.addrs(), s.ports(), f));
    } else if (t instanceof Target.Masquerade m) {
      if (m.randomFully()) {
        throw new IllegalArgumentException("a policy has no MASQUERADE --random-fully");
      }
      return new Action.Masquerade(m.ports() == null ? null : dash(m.ports()));
    } else if (t instanceof Target.Redirect r) {
      return new Action.Redirect(r.ports() == null ? null : dash(r.ports()));
    } else if (t instanceof Target.Mark m) {
      return new Action.Mark(Action.Mark.Op.XSET, hex(m.value()) + "/" + hex(m.mask()));
    } else if (t instanceof Target.ConnMark c) {
      return switch (c.mode()) {
        case SET -> new Action.ConnMark(Action.ConnMark.Op.XSET,
            hex(c.value()) + "/" + hex(c.mask()), null, null);
        case SAVE -> new Action.ConnMark(Action.ConnMark.Op.SAVE, null, hex(c.nfmask()),
            hex(c.ctmask()));
        case RESTORE -> new Action.ConnMark(Action.ConnMark.Op.RESTORE, null, hex(c.nfmask()),
            hex(c.ctmask()));
      };
    } else if (t instanceof Target.Dscp d) {
      return new Action.Dscp(Integer.toString(d.value()));
    } else if (t instanceof Target.Tos tos) {
      return new Action.Tos(hex(tos.value()) + "/" + hex(tos.mask()));
    } else if (t instanceof Target.Ttl ttl) {
      return new Action.Ttl(Action.Ttl.Op.valueOf(ttl.op().name()), ttl.value());
    } else if (t instanceof Target.TcpMss m) {
      return new Action.TcpMss(m.mss() == 0 ? "clamp-to-pmtu" : Integer.toString(m.mss()));
    } else if (t instanceof Target.NoTrack) {
      return new Action.NoTrack();
    } else if (t instanceof Target.None) {
      return new Action.Count();
    }
    throw new AssertionError("unknown target " + t);
  }

  private static String nat(IpRange addrs, PortRange ports, Family f) {
    String a = addrs == null ? "" : addrs.first().equals(addrs.last()) ? addrs.first().toString()
        : addrs.first() + "-" + addrs.last();
    if (ports == null) {
      return a;
    }
    if (f == Family.IPV6 && addrs != null) {
      a = "[" + a + "]";
    }
    return a + ":" + dash(ports);
  }

  private static List<TcpFlag> tcpFlags(int bits) {
    List<TcpFlag> out = new ArrayList<>();
    for (TcpFlag t : TcpFlag.values()) {
      if ((bits & t.bit()) != 0) {
        out.add(t);
      }
    }
    return out;
  }

  private static String addr(IpRange r) {
    if (r.first().equals(r.last())) {
      return r.first().toString();
    }
    return r.isPrefix() ? r.toString() : r.first() + "-" + r.last();
  }

  // Port 0 alone is refused as a slip (PC2002); the range 0:0 says that it is meant.
  private static String colon(PortRange p) {
    return p.isSingle() && p.lo() != 0 ? Integer.toString(p.lo()) : p.lo() + ":" + p.hi();
  }

  private static String dash(PortRange p) {
    return p.isSingle() && p.lo() != 0 ? Integer.toString(p.lo()) : p.lo() + "-" + p.hi();
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
