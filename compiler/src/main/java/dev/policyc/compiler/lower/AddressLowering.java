package dev.policyc.compiler.lower;

import static dev.policyc.compiler.lower.LowerContext.familyWord;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Side;
import dev.policyc.compiler.space.IntervalSet;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.ListPath;
import dev.policyc.dsl.path.SourcePath;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers a rule's {@code src} and {@code dst}: addresses and network groups resolved to ranges of
 * both families, then, per family, the disjoint pieces of their union, one address match each.
 */
final class AddressLowering {
  /** An address constraint resolved to ranges of both families, written at {@code path}. */
  record AddrSpec(boolean negated, List<IpRange> ranges, SourcePath path) {
    /** The families a positive list has addresses in; every family for a negated one. */
    boolean allows(Family f) {
      if (negated) {
        return true;
      }
      for (IpRange r : ranges) {
        if (r.family() == f) {
          return true;
        }
      }
      return false;
    }
  }

  private final LowerContext ctx;

  AddressLowering(LowerContext ctx) {
    this.ctx = ctx;
  }

  /** The ranges of an address list; null when there is none (or it is empty, reported). */
  AddrSpec addresses(Negatable<List<String>> n, ListPath path, RuleFamilies fams) {
    if (n == null) {
      return null;
    }
    if (n.value().isEmpty()) {
      ctx.report(Code.PC2014, path, "the address list is empty");
      return null;
    }
    Family explicit = fams.explicit();
    Groups.Resolver<IpRange> networks = ctx.groups().networks();
    List<IpRange> ranges = new ArrayList<>();
    String emptyGroup = null;
    for (int i = 0; i < n.value().size(); i++) {
      String ref = n.value().get(i);
      // positions are looked up only for a problem: most rules have none
      SourcePath item = path.item(i);
      if (networks.has(ref)) {
        List<IpRange> g = networks.get(ref);
        if (networks.isBroken(ref)) {
          ctx.markRuleUsesBrokenGroup();
        } else if (g.isEmpty() && emptyGroup == null) {
          emptyGroup = ref;
        }
        if (explicit != null && g.stream().noneMatch(r -> r.family() == explicit)
            && !g.isEmpty()) {
          ctx.report(Code.PC4001, ctx.at(item), "network group '" + ref + "' has no "
              + familyWord(explicit) + " address, and this rule is " + familyWord(explicit)
              + " only");
        }
        ranges.addAll(g);
      } else {
        IpRange r = ctx.groups().address(ref, item);
        if (r == null) {
          continue;
        }
        if (fams.excludes(r.family())) {
          ctx.report(Code.PC4001, ctx.at(item), familyWord(r.family()) + " address " + ref
              + " in an "
              + familyWord(explicit) + " rule");
          continue;
        }
        ranges.add(r);
      }
    }
    if (ranges.isEmpty() && emptyGroup != null && !n.negated()) {
      ctx.report(Code.PC2014, path, "network group '" + emptyGroup + "' is empty, so"
          + " the rule matches no packet");
    }
    return new AddrSpec(n.negated(), ranges, path);
  }

  /**
   * The address matches of one family: disjoint pieces of the union (a prefix each, or an
   * iprange); for a negated list, the single piece it must be. Null when the rule does not exist
   * in this family; a list holding null when there is no constraint.
   */
  List<Match.Addr> pieces(AddrSpec a, Side side, Family f) {
    List<Match.Addr> none = new ArrayList<>();
    none.add(null);
    if (a == null) {
      return none;
    }
    List<IpRange> mine = new ArrayList<>();
    for (IpRange r : a.ranges()) {
      if (r.family() == f) {
        mine.add(r);
      }
    }
    // sorted, disjoint, non-adjacent ranges covering exactly the union of the family's ranges
    // (one range, the common case, is its own)
    List<IpRange> union = mine.size() == 1 ? mine : IntervalSet.of(f, mine).ipRanges(f);
    if (a.negated()) {
      if (union.isEmpty()) {
        return none; // not in an empty set: every address of this family
      }
      if (union.size() > 1) {
        ctx.report(Code.PC2010, ctx.at(a.path()), "a negated address list must be one prefix or one"
            + " range per family; " + union.size() + " separate ranges cannot be expressed in"
            + " one rule (declare an ipset and match {not: {name: SET, dir: "
            + side.word() + "}})");
        return null;
      }
      if (union.get(0).isAll()) {
        return null; // not any address: matches nothing in this family
      }
      return List.of(new Match.Addr(side, union.get(0), true));
    }
    if (union.isEmpty()) {
      return null;
    }
    List<Match.Addr> out = new ArrayList<>();
    for (IpRange r : union) {
      if (r.isAll()) {
        out.add(null);
      } else {
        out.add(new Match.Addr(side, r, false));
      }
    }
    return out;
  }
}
