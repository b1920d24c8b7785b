package dev.policyc.compiler.optimize;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import java.util.ArrayList;
import java.util.List;

/**
 * Legalization: a rule whose port list needs more than the 15 slots of one multiport match (a
 * range takes two) becomes one rule per piece of at most 15 slots, in port order, source pieces
 * outside destination pieces. The pieces are disjoint, so a packet matches at most one of them
 * and first-match order is kept.
 *
 * <p>A negated list cannot be cut this way (lowering refuses one over 15 slots, PC5004). Each
 * piece carries its own copy of the rule's other matches, so a {@code limit} or {@code statistic}
 * match on such a rule keeps one counter per piece in the kernel, as the rules the compiler
 * always emitted did; the stateless interpreter model does not tell them apart.
 */
final class SplitMultiport implements Pass {
  @Override
  public String name() {
    return "split-multiport";
  }

  @Override
  public Kind kind() {
    return Kind.LEGALIZATION;
  }

  @Override
  public IrPolicy run(IrPolicy in, PassContext ctx) {
    if (!tooLong(in.ipv4()) && !tooLong(in.ipv6())) {
      return in; // the common case: nothing to split, and nothing to rebuild
    }
    return new IrPolicy(in.name(), in.host(), in.sets(), ruleset(in.ipv4(), ctx),
        ruleset(in.ipv6(), ctx));
  }

  private static Ruleset ruleset(Ruleset rs, PassContext ctx) {
    List<RuleTable> tables = new ArrayList<>();
    for (RuleTable t : rs.tables()) {
      List<Chain> chains = new ArrayList<>();
      for (Chain c : t.chains()) {
        List<Rule> rules = new ArrayList<>();
        for (Rule r : c.rules()) {
          List<Rule> pieces = split(r);
          if (pieces.size() > 1) {
            ctx.count("rules split", 1);
            ctx.count("rules added", pieces.size() - 1);
          }
          rules.addAll(pieces);
        }
        chains.add(new Chain(c.name(), c.policy(), rules));
      }
      tables.add(t.withChains(chains));
    }
    return new Ruleset(rs.family(), tables);
  }

  /** True when some rule has a port match that {@link #split} cuts. */
  private static boolean tooLong(Ruleset rs) {
    for (RuleTable t : rs.tables()) {
      for (Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          for (Match m : r.matches()) {
            if (m instanceof Match.Ports p && !p.negated()
                && p.slots() > Netfilter.MULTIPORT_SLOTS) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  /** The rule cut into pieces whose port matches fit, or the rule alone. */
  static List<Rule> split(Rule r) {
    List<Rule> out = List.of(r);
    for (int i = 0; i < r.matches().size(); i++) {
      if (r.matches().get(i) instanceof Match.Ports p && !p.negated()
          && p.slots() > Netfilter.MULTIPORT_SLOTS) {
        List<Rule> next = new ArrayList<>();
        for (Rule piece : out) {
          for (List<PortRange> chunk : chunks(p.ranges())) {
            List<Match> ms = new ArrayList<>(piece.matches());
            ms.set(i, new Match.Ports(p.side(), chunk, false));
            next.add(piece.withMatches(ms));
          }
        }
        out = next;
      }
    }
    return out;
  }

  /** Consecutive runs of ranges of at most 15 slots each. */
  static List<List<PortRange>> chunks(List<PortRange> ranges) {
    List<List<PortRange>> out = new ArrayList<>();
    List<PortRange> chunk = new ArrayList<>();
    int used = 0;
    for (PortRange r : ranges) {
      int need = r.isSingle() ? 1 : 2;
      if (used + need > Netfilter.MULTIPORT_SLOTS) {
        out.add(chunk);
        chunk = new ArrayList<>();
        used = 0;
      }
      chunk.add(r);
      used += need;
    }
    out.add(chunk);
    return out;
  }
}
