package dev.policyc.compiler.optimize;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Target;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the rule that stands for several: its origin keeps every rule it replaces as a part (see
 * {@link Origin#parts()}), and its comment names them all, so the kernel's counters of the one
 * rule still say which policy rules they count.
 */
final class Merged {
  private Merged() {}

  /**
   * The rule with {@code matches} and {@code target} that replaces {@code rules} (in their
   * first-match order).
   */
  static Rule rule(List<Match> matches, Target target, List<Rule> rules) {
    return new Rule(matches, target, comment(rules), Origin.merged(rules));
  }

  /**
   * The comment of a rule that replaces {@code rules}: their distinct comments in order, joined
   * by {@code ", "}; cut to what the kernel keeps ({@link Netfilter#MAX_COMMENT_BYTES}) with
   * {@code " +N"} saying how many were left out. Null when none has a comment. The parts were
   * checked when lowered, so the result is safe text as well.
   */
  static String comment(List<Rule> rules) {
    Set<String> distinct = new LinkedHashSet<>();
    for (Rule r : rules) {
      for (Rule part : Origin.partsOf(r)) {
        if (part.comment() != null) {
          distinct.add(part.comment());
        }
      }
    }
    if (distinct.isEmpty()) {
      return null;
    }
    List<String> all = new ArrayList<>(distinct);
    StringBuilder sb = new StringBuilder(all.get(0));
    for (int i = 1; i < all.size(); i++) {
      String next = ", " + all.get(i);
      String more = " +" + (all.size() - i);
      if (bytes(sb) + bytes(next) + (i + 1 < all.size() ? bytes(more) : 0)
          > Netfilter.MAX_COMMENT_BYTES) {
        if (bytes(sb) + bytes(more) > Netfilter.MAX_COMMENT_BYTES) {
          String first = all.get(0) + " +" + (all.size() - 1);
          return bytes(first) <= Netfilter.MAX_COMMENT_BYTES ? first : all.get(0);
        }
        return sb + more;
      }
      sb.append(next);
    }
    return sb.toString();
  }

  private static int bytes(CharSequence s) {
    return s.toString().getBytes(StandardCharsets.UTF_8).length;
  }
}
