package dev.policyc.dsl.yaml;

import dev.policyc.dsl.Action;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YScalar;
import dev.policyc.dsl.yaml.YamlNode.YSeq;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the chains of a table ({@code filter:}, {@code nat:}, …) and their rules; each rule's
 * match and action go to {@link MatchSpecReader} and {@link ActionReader}.
 */
final class ChainSpecReader {
  private final NodeReader nodes;
  private final MatchSpecReader matches;
  private final ActionReader actions;
  /** The fragments the policy and its included files define, by name. */
  private Map<String, YamlNode> fragments = Map.of();

  ChainSpecReader(NodeReader nodes) {
    this.nodes = nodes;
    this.matches = new MatchSpecReader(nodes);
    this.actions = new ActionReader(nodes);
  }

  /** The fragments that {@code {fragment: NAME}} in a chain's rules may place. */
  void fragments(Map<String, YamlNode> defined) {
    this.fragments = defined;
  }

  /** The chains of table {@code t}, each a mapping with policy and rules or a list of rules. */
  List<ChainSpec> table(Table t, YamlNode n) {
    String tpath = t.iptablesName();
    YMap m = nodes.map(n, tpath);
    List<ChainSpec> out = new ArrayList<>();
    if (m == null) {
      return out;
    }
    for (Entry e : m.entries().values()) {
      String path = tpath + "." + e.key();
      nodes.record(path, e.value());
      nodes.pointAt(path, e.keyPos());
      Verdict policy = null;
      YamlNode rulesNode = null;
      if (e.value() instanceof YMap cm) {
        nodes.keys(cm, Set.of("policy", "rules"), path);
        Entry pe = cm.entries().get("policy");
        if (pe != null) {
          policy = nodes.enumValue(pe.value(), path + ".policy", Verdict.class, "ACCEPT or DROP");
        }
        Entry re = cm.entries().get("rules");
        rulesNode = re == null ? null : re.value();
      } else if (e.value() instanceof YSeq) {
        rulesNode = e.value();
      } else if (!(e.value() instanceof YScalar s && s.kind() == YScalar.Kind.NULL)) {
        nodes.problem(
            Code.PC0003,
            "chain '" + e.key() + "' must be a mapping with 'policy' and 'rules', or a list of"
                + " rules",
            e.value().pos());
      }
      List<RuleSpec> rules = new ArrayList<>();
      if (rulesNode != null) {
        YSeq seq = nodes.seq(rulesNode, path + ".rules");
        if (seq != null) {
          for (YamlNode item : seq.items()) {
            if (placement(item)) {
              place((YMap) item, path, rules);
            } else {
              // numbered in the chain as read, fragments expanded: the model's path
              rules.add(rule(item, path + ".rules[" + rules.size() + "]"));
            }
          }
        }
      }
      out.add(new ChainSpec(t, e.key(), policy, rules));
    }
    return out;
  }

  private static boolean placement(YamlNode n) {
    return n instanceof YMap m && m.entries().containsKey("fragment");
  }

  /**
   * Places the rules of the fragment {@code {fragment: NAME}} names where it stands in the chain
   * at {@code path}: each read as a rule of this chain, with the positions of the file that
   * defines the fragment.
   */
  private void place(YMap m, String path, List<RuleSpec> rules) {
    nodes.keys(m, Set.of("fragment"), path + ".rules");
    YamlNode v = m.entries().get("fragment").value();
    if (!(v instanceof YScalar s) || s.kind() != YScalar.Kind.STRING) {
      nodes.problem(Code.PC0003, "'fragment' names a fragment, not " + YamlNode.describe(v),
          v.pos());
      return;
    }
    YamlNode body = fragments.get(s.text());
    if (body == null) {
      nodes.problem(Code.PC1021, "unknown fragment '" + s.text() + "'"
          + NodeReader.suggest(s.text(), fragments.keySet()), v.pos());
      return;
    }
    YSeq seq = nodes.seq(body, "fragments." + s.text());
    if (seq == null) {
      return;
    }
    for (YamlNode item : seq.items()) {
      if (placement(item)) {
        nodes.problem(Code.PC1022, "fragment '" + s.text() + "' places another fragment;"
            + " fragments do not nest", item.pos());
      } else {
        rules.add(rule(item, path + ".rules[" + rules.size() + "]"));
      }
    }
  }

  /**
   * The rule at {@code n}; with problems, a stand-in that matches everything and only counts, so
   * that the rules after it keep their numbers in the partial policy ({@link
   * PolicyParseException#partial()}) and nothing is judged by a rule read in part.
   */
  private RuleSpec rule(YamlNode n, String path) {
    int before = nodes.problems().size();
    RuleSpec r = read(n, path);
    if (r != null && nodes.problems().size() == before) {
      return r;
    }
    // the stand-in's parts are where the rule is, when the rule did not say them
    nodes.record(path, n);
    nodes.record(path + ".action", n);
    return new RuleSpec(MatchSpec.ANY, new Action.Count(), null);
  }

  private RuleSpec read(YamlNode n, String path) {
    YMap m = nodes.map(n, path);
    if (m == null) {
      return null;
    }
    nodes.keys(m, Set.of("match", "action", "comment"), path);
    MatchSpec match = MatchSpec.ANY;
    Entry me = m.entries().get("match");
    if (me != null) {
      match = matches.match(me.value(), path + ".match");
    }
    Entry ae = m.entries().get("action");
    Action action = null;
    if (ae == null) {
      nodes.problem(Code.PC0004, "rule has no 'action'", m.pos());
    } else {
      action = actions.action(ae.value(), path + ".action");
    }
    String comment = nodes.optString(m, "comment", path);
    if (action == null || match == null) {
      return null;
    }
    return new RuleSpec(match, action, comment);
  }
}
