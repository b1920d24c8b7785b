package dev.policyc.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.ir.IpSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The options after an added member: read past when they leave membership alone, refused when
 * they change it ({@code nomatch}) or are unknown, never taken for more of the member.
 */
class IpsetAddOptionsTest {
  @Test
  void optionsThatLeaveMembershipAloneAreReadPast() throws ParseException {
    List<IpSet> sets = IpsetReader.read("ipset.rules", """
        create a hash:net family inet timeout 60 counters comment skbinfo
        add a 10.0.0.0/24 timeout 30 packets 4 bytes 400 -exist
        add a 10.0.1.0/24 comment "two words" skbmark 0x1/0xff
        add a 10.0.2.0/24 comment "one" -exist
        """);
    assertEquals(3, sets.get(0).entries().size());
  }

  @Test
  void aNomatchMemberIsRefusedNotMatched() {
    ParseException e = assertThrows(ParseException.class, () -> IpsetReader.read("f",
        "create a hash:net family inet\nadd a 10.0.0.0/16\nadd a 10.0.3.0/24 nomatch\n"));
    assertTrue(e.getMessage().contains("'nomatch'"), e.getMessage());
    assertEquals(3, e.pos().line());
  }
}
