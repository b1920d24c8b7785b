package dev.policyc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.dsl.Family;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.Verdict;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** New chain and set names fit the kernel and never collide. */
class NameAllocatorTest {
  private static IrPolicy policy() {
    Ruleset v4 = new Ruleset(Family.IPV4, List.of(new RuleTable(Table.FILTER, List.of(
        new Chain("INPUT", Verdict.ACCEPT, List.of()),
        new Chain("FORWARD", Verdict.ACCEPT, List.of()),
        new Chain("OUTPUT", Verdict.ACCEPT, List.of()),
        new Chain("tree", null, List.of())))));
    IpSet set = new IpSet("blocked", IpSet.Type.HASH_NET, Family.IPV4, List.of(), null, 10);
    return new IrPolicy("p", null, List.of(set), v4, new Ruleset(Family.IPV6, List.of()));
  }

  @Test
  void namesTheUserTookAreNeverHandedOut() {
    NameAllocator a = NameAllocator.of(policy());
    assertEquals("tree_2", a.chain(Table.FILTER, "tree"));
    assertEquals("tree_3", a.chain(Table.FILTER, "tree"));
    assertEquals("tree", a.chain(Table.NAT, "tree"), "chain names are per table");
    assertEquals("blocked_2", a.set("blocked"));
    assertEquals("INPUT_2", a.chain(Table.FILTER, "INPUT"));
    assertEquals("ACCEPT_2", a.chain(Table.MANGLE, "ACCEPT"));
  }

  @Test
  void longHintsAreCutToTheKernelsLimits() {
    NameAllocator a = NameAllocator.of(policy());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String c = a.chain(Table.FILTER, "a-very-long-hint-for-a-decision-tree-level");
      String s = a.set("a-very-long-hint-for-an-extracted-set");
      assertTrue(c.length() <= Netfilter.MAX_CHAIN_NAME, c);
      assertTrue(s.length() + IpSet.TEMP_SUFFIX.length() <= Netfilter.MAX_SET_NAME, s);
      assertTrue(seen.add("c" + c) && seen.add("s" + s));
    }
  }

  @Test
  void hintsAreCleanedToWhatEveryToolTakes() {
    NameAllocator a = NameAllocator.of(policy());
    String c = a.chain(Table.FILTER, "10.0.0.0/8 \"x\"");
    assertTrue(c.matches("[A-Za-z_][A-Za-z0-9_-]*"), c);
    assertFalse(a.chain(Table.FILTER, "").isEmpty());
  }
}
