package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Coverage;
import dev.policyc.compiler.space.Cube;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The shortcut of a decision tree's proof ({@link ChainEdits}): a class of packets that reaches
 * a leaf of the tree is decided alike by the leaf and by the first version's rules when the
 * rules of each that may match its packets are the same rules in the same order, but for rules
 * no packet of the class reaches.
 *
 * <p>A rule whose cubes miss the class never matches its packets, in any state; so on the
 * class, the first version is the run of its rules that may match it, then the chain's end, and
 * the second is the run of the leaf's rules that may match it, then the leaf's end. The leaf's
 * end is the chain's when the class went to the leaf by goto from the chain explored (no chain
 * to return to), and the class arrives there as it arrived at the edit when no rule on its way
 * changed it (the same state, no LOG met). A rule of one run only is passed over when earlier
 * rules of both runs, since the last that lets packets go on, end the table for every packet of
 * the class it may match: rules that ACCEPT, DROP or REJECT every packet their cubes hold (they
 * match on addresses, protocol, ports and sets alone, which no target changes). The tree builds
 * a leaf by copying the rules of the first version that may match its packets and leaving out
 * those (docs/passes/decision-tree.md), so this is the common case; when it does not hold, the
 * class is explored.
 */
final class LeafRules {
  private LeafRules() {}

  /**
   * Whether the packets of {@code region}, arriving at the first version's rules {@code first}
   * (in order, to the end of the chain) in state {@code state}, and the same packets stopped at
   * a leaf ({@code pending}), are decided by the same rules.
   */
  static boolean same(List<Rule> first, TableExplorer.Task pending, SymState state, Term region,
      Function<Rule, Reach> reach) {
    TableExplorer.Frame at = pending.at();
    if (at.caller() != null || pending.events() != null
        || !pending.state().equals(state)) {
      return false;
    }
    Cube c = region.cube();
    long[] h = Reach.hull(c);
    List<Rule> a = meeting(first, c, h, reach);
    List<Rule> rules = at.chain().rules();
    List<Rule> b = meeting(rules.subList(at.next(), rules.size()), c, h, reach);
    // the cubes of the rules of both runs that end the table since the last that goes on
    List<Cube> ending = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && same(a.get(i), b.get(j), c, ending, reach)) {
        Rule x = a.get(i);
        i++;
        j++;
        if (!ends(x)) {
          ending.clear();
          continue;
        }
        for (Cube k : reach.apply(x).cubes()) {
          if (k.contains(c)) {
            return true; // every packet of the class that gets here ends here, in both
          }
          ending.add(k);
        }
      } else if (i < a.size() && unreached(a.get(i), ending, c, reach)) {
        i++;
      } else if (j < b.size() && unreached(b.get(j), ending, c, reach)) {
        j++;
      } else {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether two rules hold for the same packets of {@code c} that get past the {@code ending}
   * rules and do the same: the same rule, or two rules of the same target whose matches the
   * packet space says exactly, where within {@code c} the second's cubes are within the first's
   * and the first's hold no other packet but of the ending rules (a tree's leaf may hold a set
   * rule with the one entry of its region as an address, optimize/SetAtoms, where the region's
   * other entries are decided before it).
   */
  private static boolean same(Rule x, Rule y, Cube c, List<Cube> ending,
      Function<Rule, Reach> reach) {
    if (same(x, y)) {
      return true;
    }
    if (!x.target().equals(y.target()) || !exact(x) || !exact(y)) {
      return false;
    }
    List<Cube> xs = within(x, c, reach);
    List<Cube> ys = within(y, c, reach);
    if (!Reach.covers(xs, ys)) {
      return false; // the leaf's rule holds a packet the first version's does not
    }
    List<Cube> onlyX = Coverage.remainder(xs, ys, new Coverage.Budget(Long.MAX_VALUE));
    return onlyX != null && (onlyX.isEmpty() || Reach.covers(ending, onlyX));
  }

  /** Whether two rules hold for the same packets and do the same. */
  private static boolean same(Rule x, Rule y) {
    // both versions read sets from the second policy ({@code MatchSpace}), so equal matches
    // hold for the same packets
    return x == y || x.matches().equals(y.matches()) && x.target().equals(y.target());
  }

  /**
   * Whether a rule ends the table for exactly the packets of its cubes: a verdict, and matches
   * its cubes say exactly (no interface, no opaque match, nothing a target may change).
   */
  static boolean ends(Rule r) {
    Target t = r.target();
    if (!(t instanceof Target.Accept || t instanceof Target.Drop
        || t instanceof Target.Reject)) {
      return false;
    }
    return exact(r);
  }

  /** Whether a rule's matches are exactly its cubes: addresses, protocol, ports, set lookups. */
  private static boolean exact(Rule r) {
    for (Match m : r.matches()) {
      if (!(m instanceof Match.Addr || m instanceof Match.Proto || m instanceof Match.Ports
          || m instanceof Match.InSet s && !s.negated())) {
        return false;
      }
    }
    return true;
  }

  /** A rule's cubes within {@code c}. */
  private static List<Cube> within(Rule r, Cube c, Function<Rule, Reach> reach) {
    List<Cube> out = new ArrayList<>();
    for (Cube k : reach.apply(r).cubes()) {
      Cube in = k.intersect(c);
      if (!in.isEmpty()) {
        out.add(in);
      }
    }
    return out;
  }

  /** Whether no packet of {@code c} that the rule may match gets past the {@code ending} rules. */
  private static boolean unreached(Rule r, List<Cube> ending, Cube c,
      Function<Rule, Reach> reach) {
    if (ending.isEmpty()) {
      return false;
    }
    return Reach.covers(ending, within(r, c, reach));
  }

  private static List<Rule> meeting(List<Rule> rules, Cube c, long[] h,
      Function<Rule, Reach> reach) {
    List<Rule> out = new ArrayList<>();
    for (Rule r : rules) {
      if (reach.apply(r).meets(c, h)) {
        out.add(r);
      }
    }
    return out;
  }
}
