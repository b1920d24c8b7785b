package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.IrValidator;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code iptables-save} output (or an {@code iptables-restore} script of {@code -A} rules)
 * into a {@link Ruleset}: everything policyc emits, and the matches and targets real dumps
 * commonly hold. Anything it does not understand is an error with line and column; it never
 * guesses. What it reads is then checked as the kernel would check it when loading ({@link
 * IrValidator}: jumps to declared chains, targets in their tables and hooks, interface names,
 * LOG prefixes and comments within their sizes), and a problem is an error at its rule's line.
 * Sets are not checked: they live in ipset files.
 *
 * <p>This class reads the file: tables, chain declarations and COMMIT. {@link RuleReader} reads
 * each rule line, with {@link MatchReader} for match modules, {@link TargetReader} for targets and
 * {@link Values} for the values of options.
 */
public final class IptablesSaveReader {
  private final String file;
  private final Family family;
  private final Map<Table, TableBuilder> tables = new LinkedHashMap<>();

  private IptablesSaveReader(String file, Family family) {
    this.file = file;
    this.family = family;
  }

  /** A problem of the IR validator in a rule: family, table, chain, rule number, what. */
  private static final Pattern RULE_PROBLEM =
      Pattern.compile("\\S+ (\\S+) (\\S+) #(\\d+): (.*)", Pattern.DOTALL);
  /** A problem of the IR validator in a table: family, table, what. */
  private static final Pattern TABLE_PROBLEM =
      Pattern.compile("\\S+ (\\S+): (.*)", Pattern.DOTALL);
  private static final Pattern LOOP =
      Pattern.compile("chain (\\S+) jumps to (\\S+), closing a loop");
  private static final Pattern CHAIN_NAMED = Pattern.compile("chain '?([^' ]+)'?|'([^']*)'");

  /** Reads a whole dump of one family. */
  public static Ruleset read(String file, String text, Family family) throws ParseException {
    IptablesSaveReader r = new IptablesSaveReader(file, family);
    r.parse(text);
    List<RuleTable> out = new ArrayList<>();
    for (Table t : Table.values()) {
      TableBuilder b = r.tables.get(t);
      if (b != null) {
        out.add(b.build());
      }
    }
    Ruleset rs = new Ruleset(family, out);
    Ruleset none = new Ruleset(family == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
    IrPolicy p = new IrPolicy(file, null, List.of(), family == Family.IPV4 ? rs : none,
        family == Family.IPV6 ? rs : none);
    for (String problem : IrValidator.problems(p, true)) {
      if (!problem.contains(": no set named ")) {
        throw r.located(problem);
      }
    }
    return rs;
  }

  /** Reads one rule line ({@code -A CHAIN …}) of the given family, for tests and tools. */
  public static Rule readRule(String line, Family family) throws ParseException {
    return RuleReader.read("<rule>", family, 1, line).rule();
  }

  private static final class TableBuilder {
    final Table table;
    final Map<String, Verdict> policies = new LinkedHashMap<>();
    final Map<String, List<Rule>> rules = new LinkedHashMap<>();
    /** The line of each chain's declaration, and the arguments and line of each rule. */
    final Map<String, Integer> declared = new LinkedHashMap<>();
    final Map<String, List<RuleReader.Parsed>> parsed = new LinkedHashMap<>();

    TableBuilder(Table table) {
      this.table = table;
    }

    RuleTable build() {
      List<Chain> chains = new ArrayList<>();
      for (String b : table.builtinChains()) {
        if (rules.containsKey(b)) {
          chains.add(new Chain(b, policies.get(b), rules.get(b)));
        }
      }
      new TreeMap<>(rules).forEach((name, rs) -> {
        if (!table.isBuiltin(name)) {
          chains.add(new Chain(name, null, rs));
        }
      });
      return new RuleTable(table, chains);
    }
  }

  private void parse(String text) throws ParseException {
    String[] lines = text.split("\n", -1);
    TableBuilder current = null;
    for (int ln = 1; ln <= lines.length; ln++) {
      String line = lines[ln - 1];
      if (line.endsWith("\r")) {
        throw error(ln, line.length(), "carriage return at end of line (CRLF breaks"
            + " iptables-restore)");
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("*")) {
        if (current != null) {
          throw error(ln, 1, "table " + line.substring(1) + " starts before COMMIT of "
              + current.table.iptablesName());
        }
        Table t = tableNamed(line.substring(1).trim(), ln);
        if (tables.containsKey(t)) {
          throw error(ln, 1, "table " + t.iptablesName() + " appears twice");
        }
        current = new TableBuilder(t);
        tables.put(t, current);
      } else if (line.equals("COMMIT")) {
        if (current == null) {
          throw error(ln, 1, "COMMIT outside a table");
        }
        current = null;
      } else if (line.startsWith(":")) {
        if (current == null) {
          throw error(ln, 1, "chain declaration outside a table");
        }
        chainLine(current, line, ln);
      } else {
        if (current == null) {
          throw error(ln, 1, "rule outside a table");
        }
        RuleReader.Parsed p = RuleReader.read(file, family, ln, line);
        List<Rule> rs = current.rules.get(p.chain());
        if (rs == null) {
          throw error(ln, chainColumn(p.tokens()), "chain " + p.chain()
              + " is not declared in table " + current.table.iptablesName());
        }
        rs.add(p.rule());
        current.parsed.get(p.chain()).add(p);
      }
    }
    if (current != null) {
      throw error(lines.length, 1, "COMMIT expected at end of table "
          + current.table.iptablesName());
    }
  }

  private Table tableNamed(String name, int ln) throws ParseException {
    for (Table t : Table.values()) {
      if (t.iptablesName().equals(name)) {
        return t;
      }
    }
    throw error(ln, 2, "unsupported table '" + name + "'");
  }

  private static final Pattern CHAIN_LINE =
      Pattern.compile(":(\\S+)(?:[ \\t]+(\\S+))?.*", Pattern.DOTALL);

  private void chainLine(TableBuilder tb, String line, int ln) throws ParseException {
    Matcher m = CHAIN_LINE.matcher(line);
    if (!m.matches() || m.group(2) == null) {
      throw error(ln, 1, "chain declaration needs a name and a policy");
    }
    String name = m.group(1);
    String pol = m.group(2);
    int polColumn = m.start(2) + 1;
    if (tb.rules.containsKey(name)) {
      throw error(ln, 2, "chain " + name + " declared twice");
    }
    if (tb.table.isBuiltin(name)) {
      if (!pol.equals("ACCEPT") && !pol.equals("DROP")) {
        throw error(ln, polColumn, "built-in chain policy must be ACCEPT or DROP, not '" + pol
            + "'");
      }
      if (tb.table == Table.NAT && pol.equals("DROP")) {
        throw error(ln, polColumn, "the nat table refuses a DROP policy");
      }
      tb.policies.put(name, Verdict.valueOf(pol));
    } else if (!pol.equals("-")) {
      throw error(ln, polColumn, "user chain " + name + " must have policy '-'");
    }
    tb.rules.put(name, new ArrayList<>());
    tb.declared.put(name, ln);
    tb.parsed.put(name, new ArrayList<>());
  }

  /** The column of the chain name after {@code -A} (4 in a plain {@code -A CHAIN}). */
  private static int chainColumn(List<Token> toks) {
    for (int i = 0; i + 1 < toks.size(); i++) {
      if (toks.get(i).text().equals("-A") || toks.get(i).text().equals("--append")) {
        return toks.get(i + 1).column();
      }
    }
    return 1;
  }

  /**
   * A problem the IR validator found, as an error at the line of its rule (and the column of
   * the argument it is about) or of the chain's declaration.
   */
  private ParseException located(String problem) {
    Matcher m = RULE_PROBLEM.matcher(problem);
    if (m.matches()) {
      TableBuilder tb = tableBuilder(m.group(1));
      List<RuleReader.Parsed> rules = tb == null ? null : tb.parsed.get(m.group(2));
      int n = Integer.parseInt(m.group(3));
      if (rules != null && n >= 1 && n <= rules.size()) {
        RuleReader.Parsed p = rules.get(n - 1);
        // the validator names a target by its record; the line names it as -j NAME
        String target = p.rule().target().toString();
        int at = valueColumn(p.tokens(), TARGET_OPTIONS, null);
        String what = at > 1 && !target.isEmpty()
            ? m.group(4).replace(target, "-j " + p.tokens().get(tokenAt(p.tokens(), at)).text())
            : m.group(4);
        return error(p.rule().origin().pos().line(), column(p.tokens(), what), what);
      }
    }
    m = TABLE_PROBLEM.matcher(problem);
    if (m.matches()) {
      TableBuilder tb = tableBuilder(m.group(1));
      Matcher loop = LOOP.matcher(m.group(2));
      if (tb != null && loop.matches() && tb.parsed.containsKey(loop.group(1))) {
        // at the rule that closes the loop
        for (RuleReader.Parsed p : tb.parsed.get(loop.group(1))) {
          int at = valueColumn(p.tokens(), TARGET_OPTIONS, loop.group(2));
          if (at > 1) {
            return error(p.rule().origin().pos().line(), at, m.group(2));
          }
        }
      }
      Matcher c = CHAIN_NAMED.matcher(m.group(2));
      if (tb != null && c.find()) {
        Integer ln = tb.declared.get(c.group(1) != null ? c.group(1) : c.group(2));
        if (ln != null) {
          return error(ln, 2, m.group(2));
        }
      }
    }
    // not expected: every problem of a read table names its rule or chain
    return error(1, 1, problem);
  }

  private TableBuilder tableBuilder(String iptablesName) {
    for (TableBuilder tb : tables.values()) {
      if (tb.table.iptablesName().equals(iptablesName)) {
        return tb;
      }
    }
    return null;
  }

  private static final Set<String> TARGET_OPTIONS = Set.of("-j", "--jump", "-g", "--goto");
  private static final Set<String> IFACE_OPTIONS =
      Set.of("-i", "--in-interface", "-o", "--out-interface");

  /** The column of the argument a validator problem is about, else 1. */
  private static int column(List<Token> toks, String what) {
    if (what.startsWith("interface name '")) {
      String name = what.substring(16, what.lastIndexOf("' is not"));
      return valueColumn(toks, IFACE_OPTIONS, name);
    }
    if (what.startsWith("-i in ") || what.startsWith("-o in ")) {
      for (Token t : toks) {
        if (IFACE_OPTIONS.contains(t.text())
            && t.text().startsWith(what.startsWith("-i") ? "-i" : "-o")) {
          return t.column();
        }
        if (t.text().equals(what.startsWith("-i") ? "--in-interface" : "--out-interface")) {
          return t.column();
        }
      }
      return 1;
    }
    if (what.startsWith("log prefix")) {
      return valueColumn(toks, Set.of("--log-prefix"), null);
    }
    if (what.startsWith("comment")) {
      return valueColumn(toks, Set.of("--comment"), null);
    }
    if (what.startsWith("address ")) {
      return valueColumn(toks, Set.of("-s", "--source", "--src", "-d", "--destination",
          "--dst"), null);
    }
    return valueColumn(toks, TARGET_OPTIONS, null);
  }

  private static int tokenAt(List<Token> toks, int column) {
    for (int i = 0; i < toks.size(); i++) {
      if (toks.get(i).column() == column) {
        return i;
      }
    }
    throw new AssertionError("no argument at column " + column);
  }

  /** The column of the value after one of {@code options} (that is {@code text}, if given). */
  private static int valueColumn(List<Token> toks, Set<String> options, String text) {
    for (int i = 0; i + 1 < toks.size(); i++) {
      if (options.contains(toks.get(i).text())
          && (text == null || toks.get(i + 1).text().equals(text))) {
        return toks.get(i + 1).column();
      }
    }
    return 1;
  }

  private ParseException error(int line, int col, String msg) {
    return RuleLine.error(file, line, col, msg);
  }
}
