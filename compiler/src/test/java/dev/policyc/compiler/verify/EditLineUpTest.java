package dev.policyc.compiler.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.verify.EditLineUp.Edit;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The line-up of an edit-by-edit proof ({@link EditLineUp}): rules kept by a pass are lined up
 * with the rules they were, so that a set's rule stands with the first member it replaces even
 * when the pass kept a later copy of that member.
 */
class EditLineUpTest {
  private static final String HEAD = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      """;

  /** A pass's input: two sets' members, one rule kept between, and a copy of a member. */
  static final String INPUT = """
      -A INPUT -s 10.1.0.0/16 -p icmp -j DROP
      -A INPUT -p tcp -m tcp --dport 53 -j ACCEPT
      -A INPUT -p tcp -m tcp --dport 21 -j ACCEPT
      -A INPUT -p tcp -m tcp --dport 25 -j ACCEPT
      -A INPUT -p udp -m udp --dport 53 -j DROP
      -A INPUT -s 10.3.0.0/16 -p icmp -j DROP
      -A INPUT -p tcp -m tcp --dport 53 -j ACCEPT
      """;

  /**
   * Its output: the sets' rules where their first members stood, the rule kept, and the copy
   * (which the set's rule now shadows) kept too.
   */
  static final String OUTPUT = """
      -A INPUT -p icmp -m set --match-set nets src -j DROP
      -A INPUT -p tcp -m set --match-set ports dst -j ACCEPT
      -A INPUT -p udp -m udp --dport 53 -j DROP
      -A INPUT -p tcp -m tcp --dport 53 -j ACCEPT
      """;

  /** The sets of {@link #OUTPUT}. */
  static final List<IpSet> SETS = List.of(
      new IpSet("nets", IpSet.Type.HASH_NET, Family.IPV4,
          List.of(new IpSet.Entry(IpRange.parse("10.1.0.0/16"), 0, null),
              new IpSet.Entry(IpRange.parse("10.3.0.0/16"), 0, null)), null, 65536),
      new IpSet("ports", IpSet.Type.BITMAP_PORT, Family.IPV4,
          List.of(new IpSet.Entry(null, 0, PortRange.of(53)),
              new IpSet.Entry(null, 0, PortRange.of(21)),
              new IpSet.Entry(null, 0, PortRange.of(25))), new PortRange(21, 53), 65536));

  /**
   * Lined up greedily, the copy of the port set's first member comes back in the output sooner
   * than the rule kept between, so the member was paired with its copy, and both sets' rules
   * and the rule kept went with the first member of the address set as one edit of one rule for
   * three: neither set's rule then stood alone in place of one member, which the group proof
   * ({@link MovedMembers}) needs. A longest line-up keeps the rule in between and the copy, and
   * each set's rule stands with its own first member.
   */
  @Test
  void aSetsRuleStandsWithItsFirstMemberWhenTheOutputKeepsACopyOfThatMember() {
    IrPolicy a = policy(INPUT, List.of());
    IrPolicy b = policy(OUTPUT, SETS);
    List<Rule> ra = input(a);
    List<Rule> rb = input(b);
    List<Edit> edits = EditLineUp.edits(ra, rb, Set.of(),
        (n, o) -> n.target().equals(o.target()) && Reach.covers(reach(n, b).cubes(),
            reach(o, b).cubes()));
    assertEquals(List.of(
        new Edit(0, 1, 0, 1, false), // the address set's rule for its first member
        new Edit(1, 2, 1, 2, false), // the port set's rule for its first member
        new Edit(2, 3, 2, 2, false), // its other members, removed
        new Edit(3, 4, 2, 2, false),
        new Edit(5, 6, 3, 3, false)), // the address set's other member, removed
        edits);
  }

  @Test
  void theOutputOfTheLineUpCaseIsProvedEditByEdit() {
    Result r = ChainEdits.prove(policy(INPUT, List.of()), policy(OUTPUT, SETS), 2_000_000);
    assertTrue(r.equal(), r.toString());
  }

  private static Reach reach(Rule r, IrPolicy p) {
    return Reach.of(r, Family.IPV4, p, false);
  }

  static List<Rule> input(IrPolicy p) {
    return p.ipv4().table(Table.FILTER).get().chain("INPUT").get().rules();
  }

  static IrPolicy policy(String rules, List<IpSet> sets) {
    try {
      Ruleset v4 = IptablesSaveReader.read("test", HEAD + rules + "COMMIT\n", Family.IPV4);
      return new IrPolicy("test", null, sets, v4, new Ruleset(Family.IPV6, List.of()));
    } catch (ParseException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
