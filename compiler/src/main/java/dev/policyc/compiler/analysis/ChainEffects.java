package dev.policyc.compiler.analysis;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Target;
import dev.policyc.compiler.space.Field;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** What the chains of a table do to the packets that pass through them, for {@link RuleView}. */
public final class ChainEffects {
  private ChainEffects() {}

  /** The chain a rule jumps or goes to, or null. */
  public static String jumpTarget(Target t) {
    return t instanceof Target.Jump j ? j.chain() : t instanceof Target.Goto g ? g.chain() : null;
  }

  /**
   * The fields each chain, or a chain it jumps or goes to, may change, by chain name in table
   * order: a fixpoint, so that it ends on a loop too (a complete IR has none).
   */
  public static Map<String, Set<Field>> modifiedFields(RuleTable rt) {
    Map<String, Set<Field>> out = new LinkedHashMap<>();
    for (Chain c : rt.chains()) {
      Set<Field> s = EnumSet.noneOf(Field.class);
      for (Rule r : c.rules()) {
        s.addAll(RuleView.modifies(r.target()));
      }
      out.put(c.name(), s);
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Chain c : rt.chains()) {
        for (Rule r : c.rules()) {
          String to = jumpTarget(r.target());
          if (to != null && out.containsKey(to) && out.get(c.name()).addAll(out.get(to))) {
            changed = true;
          }
        }
      }
    }
    return out;
  }
}
