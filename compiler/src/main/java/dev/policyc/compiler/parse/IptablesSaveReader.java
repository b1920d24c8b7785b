package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.Chain;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.RuleTable;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads {@code iptables-save} output (or an {@code iptables-restore} script of {@code -A} rules)
 * into a {@link Ruleset}: everything policyc emits, and the matches and targets real dumps
 * commonly hold. Anything it does not understand is an error with line and column; it never
 * guesses.
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
    return new Ruleset(family, out);
  }

  /** Reads one rule line ({@code -A CHAIN …}) of the given family, for tests and tools. */
  public static Rule readRule(String line, Family family) throws ParseException {
    return RuleReader.read("<rule>", family, 1, line).rule();
  }

  private static final class TableBuilder {
    final Table table;
    final Map<String, Verdict> policies = new LinkedHashMap<>();
    final Map<String, List<Rule>> rules = new LinkedHashMap<>();

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
          throw error(ln, 4, "chain " + p.chain() + " is not declared in table "
              + current.table.iptablesName());
        }
        rs.add(p.rule());
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

  private void chainLine(TableBuilder tb, String line, int ln) throws ParseException {
    String[] parts = line.substring(1).trim().split("\\s+");
    if (parts.length < 2) {
      throw error(ln, 1, "chain declaration needs a name and a policy");
    }
    String name = parts[0];
    String pol = parts[1];
    if (tb.rules.containsKey(name)) {
      throw error(ln, 2, "chain " + name + " declared twice");
    }
    if (tb.table.isBuiltin(name)) {
      if (!pol.equals("ACCEPT") && !pol.equals("DROP")) {
        throw error(ln, 2 + name.length(), "built-in chain policy must be ACCEPT or DROP");
      }
      tb.policies.put(name, Verdict.valueOf(pol));
    } else if (!pol.equals("-")) {
      throw error(ln, 2 + name.length(), "user chain " + name + " must have policy '-'");
    }
    tb.rules.put(name, new ArrayList<>());
  }

  private ParseException error(int line, int col, String msg) {
    return RuleLine.error(file, line, col, msg);
  }
}
