package dev.policyc.dsl.yaml;

import dev.policyc.dsl.Action;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.yaml.YamlNode.Entry;
import dev.policyc.dsl.yaml.YamlNode.YMap;
import dev.policyc.dsl.yaml.YamlNode.YScalar;
import java.util.Locale;
import java.util.Set;

/** Reads a rule's {@code action} into an {@link Action}. */
final class ActionReader {
  private static final Set<String> ACTION_WORDS =
      Set.of("accept", "drop", "reject", "return", "masquerade", "redirect", "notrack",
          "count");
  private static final Set<String> ACTION_KEYS =
      Set.of(
          "reject", "jump", "goto", "log", "dnat", "snat", "masquerade", "redirect", "mark",
          "connmark", "dscp", "tos", "ttl", "tcpmss");

  private final NodeReader nodes;

  ActionReader(NodeReader nodes) {
    this.nodes = nodes;
  }

  /** An action: a word ({@code accept}) or a mapping with one key ({@code {jump: CHAIN}}). */
  Action action(YamlNode n, String path) {
    nodes.record(path, n);
    if (n instanceof YScalar s && s.kind() == YScalar.Kind.STRING) {
      String w = NodeReader.ascii(s.text()).toLowerCase(Locale.ROOT);
      switch (w) {
        case "accept":
          return new Action.Accept();
        case "drop":
          return new Action.Drop();
        case "reject":
          return new Action.Reject(null);
        case "return":
          return new Action.Return();
        case "masquerade":
          return new Action.Masquerade(null);
        case "redirect":
          return new Action.Redirect(null);
        case "notrack":
          return new Action.NoTrack();
        case "count":
          return new Action.Count();
        default:
          nodes.problem(
              Code.PC0008,
              "unknown action '" + s.text() + "'" + NodeReader.suggest(w, ACTION_WORDS)
                  + " (or a mapping such as {jump: CHAIN})",
              n.pos());
          return null;
      }
    }
    if (!(n instanceof YMap m)) {
      nodes.problem(
          Code.PC0003,
          "action must be a word (accept, drop, …) or a mapping with one key, not "
              + YamlNode.describe(n),
          n.pos());
      return null;
    }
    if (m.entries().size() != 1) {
      nodes.problem(
          Code.PC0008,
          "action must have exactly one key, found " + m.entries().size(),
          m.pos());
      return null;
    }
    Entry e = m.entries().values().iterator().next();
    String key = e.key();
    String p = path + "." + key;
    YamlNode v = e.value();
    nodes.record(p, v);
    switch (key) {
      case "reject":
        return new Action.Reject(oneOrKey(v, p, "with"));
      case "jump":
        {
          String c = nodes.string(v, p);
          return c == null ? null : new Action.Jump(c);
        }
      case "goto":
        {
          String c = nodes.string(v, p);
          return c == null ? null : new Action.Goto(c);
        }
      case "log":
        {
          if (v instanceof YMap lm) {
            nodes.keys(lm, Set.of("prefix", "level"), p);
            return new Action.Log(
                nodes.optString(lm, "prefix", p), nodes.optString(lm, "level", p));
          }
          String prefix = nodes.string(v, p);
          return prefix == null ? null : new Action.Log(prefix, null);
        }
      case "dnat":
        {
          String to = oneOrKey(v, p, "to");
          return to == null ? missing(v, "dnat needs a destination") : new Action.Dnat(to);
        }
      case "snat":
        {
          String to = oneOrKey(v, p, "to");
          return to == null ? missing(v, "snat needs a source") : new Action.Snat(to);
        }
      case "masquerade":
        return new Action.Masquerade(oneOrKey(v, p, "ports"));
      case "redirect":
        return new Action.Redirect(oneOrKey(v, p, "ports"));
      case "mark":
        {
          YMap mm = nodes.map(v, p);
          if (mm == null) {
            return null;
          }
          nodes.keys(mm, Set.of("set", "xset", "or", "and", "xor"), p);
          if (mm.entries().size() != 1) {
            nodes.problem(Code.PC0008, "mark takes exactly one of set, xset, or, and, xor",
                mm.pos());
            return null;
          }
          Entry op = mm.entries().values().iterator().next();
          if (!Set.of("set", "xset", "or", "and", "xor").contains(op.key())) {
            return null; // reported as an unknown key
          }
          String val = nodes.string(op.value(), p + "." + op.key());
          return val == null
              ? null
              : new Action.Mark(Action.Mark.Op.valueOf(op.key().toUpperCase(Locale.ROOT)), val);
        }
      case "connmark":
        return connmark(v, p);
      case "dscp":
        {
          String val = nodes.string(v, p);
          return val == null ? null : new Action.Dscp(val);
        }
      case "tos":
        {
          String val = nodes.string(v, p);
          return val == null ? null : new Action.Tos(val);
        }
      case "ttl":
        {
          YMap tm = nodes.map(v, p);
          if (tm == null) {
            return null;
          }
          nodes.keys(tm, Set.of("set", "inc", "dec"), p);
          if (tm.entries().size() != 1) {
            nodes.problem(Code.PC0008, "ttl takes exactly one of set, inc, dec", tm.pos());
            return null;
          }
          Entry op = tm.entries().values().iterator().next();
          if (!Set.of("set", "inc", "dec").contains(op.key())) {
            return null; // reported as an unknown key
          }
          Integer val = nodes.integer(op.value(), p + "." + op.key());
          return val == null
              ? null
              : new Action.Ttl(Action.Ttl.Op.valueOf(op.key().toUpperCase(Locale.ROOT)), val);
        }
      case "tcpmss":
        {
          String val = nodes.string(v, p);
          return val == null ? null : new Action.TcpMss(val);
        }
      default:
        // the same code as an unknown action word: it is the action that is wrong, not the key
        nodes.problem(
            Code.PC0008,
            "unknown action '" + key + "'" + NodeReader.suggest(key, ACTION_KEYS),
            e.keyPos());
        return null;
    }
  }

  private Action connmark(YamlNode v, String p) {
    if (v instanceof YScalar s && s.kind() == YScalar.Kind.STRING
        && (s.text().equals("save") || s.text().equals("restore"))) {
      return new Action.ConnMark(
          s.text().equals("save") ? Action.ConnMark.Op.SAVE : Action.ConnMark.Op.RESTORE,
          null, null, null);
    }
    YMap cm = nodes.map(v, p);
    if (cm == null) {
      return null;
    }
    nodes.keys(cm, Set.of("set", "xset", "save", "restore"), p);
    if (cm.entries().size() != 1) {
      nodes.problem(Code.PC0008, "connmark takes exactly one of set, xset, save, restore",
          cm.pos());
      return null;
    }
    Entry op = cm.entries().values().iterator().next();
    if (!Set.of("set", "xset", "save", "restore").contains(op.key())) {
      return null; // reported as an unknown key
    }
    String op2 = p + "." + op.key();
    if (op.key().equals("set") || op.key().equals("xset")) {
      String val = nodes.string(op.value(), op2);
      return val == null ? null : new Action.ConnMark(op.key().equals("set")
          ? Action.ConnMark.Op.SET : Action.ConnMark.Op.XSET, val, null, null);
    }
    Action.ConnMark.Op kind =
        op.key().equals("save") ? Action.ConnMark.Op.SAVE : Action.ConnMark.Op.RESTORE;
    if (op.value() instanceof YScalar s && s.kind() == YScalar.Kind.NULL) {
      return new Action.ConnMark(kind, null, null, null);
    }
    YMap masks = nodes.map(op.value(), op2);
    if (masks == null) {
      return null;
    }
    nodes.keys(masks, Set.of("nfmask", "ctmask"), op2);
    return new Action.ConnMark(
        kind, null, nodes.optString(masks, "nfmask", op2), nodes.optString(masks, "ctmask", op2));
  }

  private Action missing(YamlNode v, String message) {
    nodes.problem(Code.PC0004, message, v.pos());
    return null;
  }

  /** A scalar, or a mapping with exactly the one optional key {@code key}; null when absent. */
  private String oneOrKey(YamlNode v, String path, String key) {
    if (v instanceof YScalar s && s.kind() == YScalar.Kind.NULL) {
      return null;
    }
    if (v instanceof YMap m) {
      nodes.keys(m, Set.of(key), path);
      return nodes.optString(m, key, path);
    }
    return nodes.string(v, path);
  }
}
