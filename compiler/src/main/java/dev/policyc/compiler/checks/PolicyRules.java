package dev.policyc.compiler.checks;

import dev.policyc.compiler.ir.Origin;
import dev.policyc.compiler.ir.Target;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.path.RulePath;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The rules of a policy as written, in order, and how diagnostics name related rules. */
final class PolicyRules {
  /** The most rules one message names; the others are counted. */
  static final int MAX_NAMED = 5;

  private PolicyRules() {}

  /** One rule of the policy: where it is and what it says. */
  record Entry(Table table, String chain, int index, RulePath path, RuleSpec spec) {
    String key() {
      return path.key();
    }
  }

  /** Every rule of every chain, tables in order, chains and rules as written. */
  static List<Entry> of(Policy p) {
    List<Entry> out = new ArrayList<>();
    for (ChainSpec c : p.chains()) {
      for (int i = 0; i < c.rules().size(); i++) {
        out.add(new Entry(c.table(), c.name(), i, PolicyPath.rule(c.table(), c.name(), i),
            c.rules().get(i)));
      }
    }
    return out;
  }

  /**
   * Names rules for a message, in policy order and each once: {@code rule 2 (line 7) and rule 3
   * (line 8)}, with the table and chain ({@code filter/INPUT rule 2 (line 7)}) when {@code
   * qualified}; beyond {@link #MAX_NAMED}, {@code … and 4 more}.
   */
  static String describe(Collection<Origin> origins, boolean qualified) {
    Map<String, Origin> distinct = new LinkedHashMap<>();
    for (Origin o : origins) {
      distinct.putIfAbsent(o.path().map(p -> p.key()).orElse(o.what()), o);
    }
    List<Origin> sorted = new ArrayList<>(distinct.values());
    sorted.sort(Comparator.comparingInt((Origin o) -> o.pos().line())
        .thenComparingInt(o -> o.pos().column()));
    List<String> names = new ArrayList<>();
    for (Origin o : sorted.subList(0, Math.min(MAX_NAMED, sorted.size()))) {
      names.add(name(o, qualified));
    }
    if (sorted.size() > MAX_NAMED) {
      names.add((sorted.size() - MAX_NAMED) + " more");
    }
    return join(names);
  }

  /** How many distinct rules {@link #describe} names. */
  static int count(Collection<Origin> origins) {
    return (int) origins.stream().map(o -> o.path().map(p -> p.key()).orElse(o.what()))
        .distinct().count();
  }

  /** {@code rule 3 (line 9)}, or with {@code qualified} {@code filter/INPUT rule 3 (line 9)}. */
  static String name(Origin o, boolean qualified) {
    String what = o.what();
    if (!qualified) {
      int at = what.lastIndexOf(" rule ");
      what = at >= 0 ? what.substring(at + 1) : what;
    }
    return what + (o.pos().line() > 0 ? " (line " + o.pos().line() + ")" : "");
  }

  /** {@code a}, {@code a and b}, {@code a, b and c}. */
  static String join(List<String> items) {
    if (items.size() <= 1) {
      return String.join("", items);
    }
    return String.join(", ", items.subList(0, items.size() - 1)) + " and "
        + items.get(items.size() - 1);
  }

  /** {@code IPv4} or {@code IPv6}. */
  static String family(Family f) {
    return f == Family.IPV4 ? "IPv4" : "IPv6";
  }

  /** What a target does, as a verb for messages: {@code accepts}, {@code DNATs}… */
  static String verb(Target t) {
    if (t instanceof Target.Accept) {
      return "accepts";
    } else if (t instanceof Target.Drop) {
      return "drops";
    } else if (t instanceof Target.Reject) {
      return "rejects";
    } else if (t instanceof Target.Return) {
      return "returns";
    } else if (t instanceof Target.Goto g) {
      return "goes to " + g.chain();
    } else if (t instanceof Target.Dnat) {
      return "DNATs";
    } else if (t instanceof Target.Snat) {
      return "SNATs";
    } else if (t instanceof Target.Masquerade) {
      return "masquerades";
    } else if (t instanceof Target.Redirect) {
      return "redirects";
    }
    return "applies " + t.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
  }
}
