package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a whole {@link IrPolicy} against what the kernel accepts: chains where their table has
 * them, every jump to an existing user chain and no jump loop, targets only in the tables and
 * hooks that allow them, interface matches where packets have that interface, addresses and sets
 * of the rule set's family, names within the kernel's limits. The pass manager runs it before and
 * after every pass, so a pass that builds something the kernel would refuse fails at once, named.
 *
 * <p>{@link #problems(IrPolicy, boolean)} with {@code emittable} also checks what one iptables
 * rule can say: at most 15 multiport slots, comments and log prefixes within their sizes, ICMP
 * codes one or all. Lowering may leave those to the legalization passes.
 */
public final class IrValidator {
  private IrValidator() {}

  /** Throws {@link IllegalStateException} listing every problem, when there is one. */
  public static void validate(IrPolicy p, boolean emittable) {
    List<String> problems = problems(p, emittable);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("invalid IR for policy " + p.name() + ":\n  "
          + String.join("\n  ", problems));
    }
  }

  /**
   * Of an IR that {@code problems(p, false)} finds valid, the problems that {@code problems(p,
   * true)} adds, in the same order: what keeps it from being emitted. The pass manager checks
   * the IR it hands to the emitters with this, the rest having been checked after the pass that
   * made it (or before the passes).
   */
  public static List<String> emittableProblems(IrPolicy p) {
    List<String> out = new ArrayList<>();
    for (Family f : Family.values()) {
      for (RuleTable t : p.ruleset(f).tables()) {
        String where = f + " " + t.table().iptablesName();
        for (Chain c : t.chains()) {
          for (int i = 0; i < c.rules().size(); i++) {
            Rule r = c.rules().get(i);
            RuleAt at = new RuleAt(where, c.name(), i + 1);
            for (Match m : r.matches()) {
              if (m instanceof Match.Icmp ic) {
                icmpCodes(at, ic, out);
              } else if (m instanceof Match.Ports ports) {
                slots(at, ports, out);
              }
            }
            if (r.comment() != null) {
              text(at, "comment", r.comment(), Netfilter.MAX_COMMENT_BYTES, out);
            }
          }
        }
      }
    }
    return out;
  }

  /** Every problem, in a stable order; empty for a valid policy. */
  public static List<String> problems(IrPolicy p, boolean emittable) {
    List<String> out = new ArrayList<>();
    Set<String> setNames = new HashSet<>();
    for (IpSet s : p.sets()) {
      if (!setNames.add(s.name())) {
        out.add("set " + s.name() + " is declared twice");
      }
      if (s.name().isEmpty() || s.name().length() > Netfilter.MAX_SET_NAME) {
        out.add("set name '" + s.name() + "' is not 1-" + Netfilter.MAX_SET_NAME + " characters");
      }
    }
    for (Family f : Family.values()) {
      Ruleset rs = p.ruleset(f);
      if (rs.family() != f) {
        out.add("the " + f + " rule set says it is " + rs.family());
      }
      Set<Table> seen = EnumSet.noneOf(Table.class);
      for (RuleTable t : rs.tables()) {
        if (!seen.add(t.table())) {
          out.add(f + " has table " + t.table().iptablesName() + " twice");
        }
        table(p, f, t, emittable, out);
      }
    }
    return out;
  }

  private static void table(IrPolicy p, Family f, RuleTable t, boolean emittable,
      List<String> out) {
    String where = f + " " + t.table().iptablesName();
    for (Chain c : t.chains()) {
      boolean builtin = t.table().isBuiltin(c.name());
      if (builtin != c.isBuiltin()) {
        out.add(where + ": chain " + c.name() + (builtin
            ? " is a built-in chain without a policy"
            : " has a policy but is not a built-in chain of the table"));
      }
      if (!c.isBuiltin()) {
        userChainName(where, c.name(), out);
      } else if (t.table() == Table.NAT && c.policy() == Verdict.DROP) {
        out.add(where + ": chain " + c.name() + " has a DROP policy, which nat refuses");
      }
    }
    ChainGraph g = ChainGraph.of(t);
    for (ChainGraph.Edge[] loop : g.findCycles()) {
      out.add(where + ": chain " + loop[0].to() + " jumps to " + loop[1].to()
          + ", closing a loop");
    }
    for (Chain c : t.chains()) {
      Set<Hook> hooks = g.hooksOf(c.name());
      for (int i = 0; i < c.rules().size(); i++) {
        RuleAt at = new RuleAt(where, c.name(), i + 1);
        Rule r = c.rules().get(i);
        for (Match m : r.matches()) {
          match(p, f, c, at, m, emittable, out);
        }
        target(t, c, hooks, at, r, f, out);
        if (emittable && r.comment() != null) {
          text(at, "comment", r.comment(), Netfilter.MAX_COMMENT_BYTES, out);
        }
      }
    }
  }

  private static void userChainName(String where, String name, List<String> out) {
    if (name.isEmpty() || name.length() > Netfilter.MAX_CHAIN_NAME) {
      out.add(where + ": chain name '" + name + "' is not 1-" + Netfilter.MAX_CHAIN_NAME
          + " characters");
    } else if (Netfilter.HOOK_NAMES.contains(name)
        || Netfilter.RESERVED_TARGET_NAMES.contains(name) || name.startsWith("-")
        || name.startsWith("!") || name.chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f)) {
      out.add(where + ": '" + name + "' cannot name a user chain");
    }
  }

  private static void match(IrPolicy p, Family f, Chain c, RuleAt at, Match m, boolean emittable,
      List<String> out) {
    if (m instanceof Match.Addr a && a.range().family() != f) {
      out.add(at + ": address " + a.range() + " in the " + f + " rule set");
    } else if (m instanceof Match.Icmp ic) {
      if (ic.family() != f) {
        out.add(at + ": " + ic.family() + " ICMP match in the " + f + " rule set");
      }
      if (emittable) {
        icmpCodes(at, ic, out);
      }
    } else if (m instanceof Match.InSet s) {
      IpSet set = p.set(s.name()).orElse(null);
      if (set == null) {
        out.add(at + ": no set named " + s.name());
      } else if (s.dirs().size() != set.type().dimensions()) {
        out.add(at + ": set " + s.name() + " takes " + set.type().dimensions()
            + " direction(s), not " + s.dirs().size());
      } else if (set.type().hasAddress() && set.family() != f) {
        out.add(at + ": " + set.family() + " set " + s.name() + " in the " + f + " rule set");
      }
    } else if (m instanceof Match.Iface i) {
      if (i.name().isEmpty() || i.name().length() > Netfilter.MAX_IFACE_NAME) {
        out.add(at + ": interface name '" + i.name() + "' is not 1-"
            + Netfilter.MAX_IFACE_NAME + " characters");
      }
      Set<Hook> none = i.out() ? EnumSet.of(Hook.PREROUTING, Hook.INPUT)
          : EnumSet.of(Hook.OUTPUT, Hook.POSTROUTING);
      if (c.isBuiltin() && none.contains(Hook.valueOf(c.name()))) {
        out.add(at + ": " + (i.out() ? "-o" : "-i") + " in " + c.name()
            + ", where packets have no such interface");
      }
    } else if (m instanceof Match.Ports ports && emittable) {
      slots(at, ports, out);
    }
  }

  private static void icmpCodes(RuleAt at, Match.Icmp ic, List<String> out) {
    boolean oneOrAll = ic.codeLo() == ic.codeHi() || (ic.codeLo() == 0 && ic.codeHi() == 255);
    if (!oneOrAll) {
      out.add(at + ": ICMP codes " + ic.codeLo() + "-" + ic.codeHi()
          + " (iptables matches one code or all)");
    }
  }

  private static void slots(RuleAt at, Match.Ports ports, List<String> out) {
    if (ports.slots() > Netfilter.MULTIPORT_SLOTS) {
      out.add(at + ": " + ports.slots() + " port slots (a multiport match holds "
          + Netfilter.MULTIPORT_SLOTS + ")");
    }
  }

  private static void target(RuleTable t, Chain c, Set<Hook> hooks, RuleAt at, Rule r, Family f,
      List<String> out) {
    Target tg = r.target();
    Table table = t.table();
    Table only = null;
    Set<Hook> allowed = null;
    if (tg instanceof Target.Jump || tg instanceof Target.Goto) {
      String to = tg instanceof Target.Jump j ? j.chain() : ((Target.Goto) tg).chain();
      Chain dest = t.chain(to).orElse(null);
      if (dest == null) {
        out.add(at + ": jump to chain " + to + ", which the table does not have");
      } else if (dest.isBuiltin()) {
        out.add(at + ": jump to built-in chain " + to);
      }
    } else if (tg instanceof Target.Drop && table == Table.NAT) {
      out.add(at + ": DROP in the nat table");
    } else if (tg instanceof Target.Reject) {
      only = Table.FILTER;
    } else if (tg instanceof Target.Dnat || tg instanceof Target.Redirect) {
      only = Table.NAT;
      allowed = EnumSet.of(Hook.PREROUTING, Hook.OUTPUT);
    } else if (tg instanceof Target.Snat) {
      only = Table.NAT;
      allowed = EnumSet.of(Hook.POSTROUTING, Hook.INPUT);
    } else if (tg instanceof Target.Masquerade) {
      only = Table.NAT;
      allowed = EnumSet.of(Hook.POSTROUTING);
    } else if (tg instanceof Target.Dscp || tg instanceof Target.Tos
        || tg instanceof Target.Ttl) {
      only = Table.MANGLE;
    } else if (tg instanceof Target.NoTrack) {
      only = Table.RAW;
    } else if (tg instanceof Target.TcpMss) {
      allowed = EnumSet.of(Hook.FORWARD, Hook.OUTPUT, Hook.POSTROUTING);
    } else if (tg instanceof Target.Log l && l.prefix() != null) {
      text(at, "log prefix", l.prefix(), Netfilter.MAX_LOG_PREFIX, out);
    }
    if (only != null && table != only) {
      out.add(at + ": " + tg + " outside the " + only.iptablesName() + " table");
    }
    if (allowed != null && !allowed.containsAll(hooks)) {
      out.add(at + ": " + tg + " in chain " + c.name() + ", reached from " + hooks
          + " (allowed only from " + allowed + ")");
    }
    IpRange natAddrs = tg instanceof Target.Dnat d ? d.addrs()
        : tg instanceof Target.Snat s ? s.addrs() : null;
    if (natAddrs != null && natAddrs.family() != f) {
      out.add(at + ": NAT to " + natAddrs + " in the " + f + " rule set");
    }
  }

  private static void text(RuleAt at, String what, String text, int maxBytes,
      List<String> out) {
    if (text.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      out.add(at + ": " + what + " longer than " + maxBytes + " bytes");
    }
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch < 0x20 || ch == 0x7f) {
        out.add(at + ": " + what + " holds a control character");
        break;
      }
    }
  }

  /**
   * Which rule a problem is in, as text only when there is a problem: a 100K-rule policy is
   * validated several times, and naming every rule up front was a good part of that.
   */
  private record RuleAt(String where, String chain, int number) {
    @Override
    public String toString() {
      return where + " " + chain + " #" + number;
    }
  }
}
