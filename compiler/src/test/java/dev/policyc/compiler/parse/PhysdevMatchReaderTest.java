package dev.policyc.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.policyc.compiler.emit.iptables.IptablesEmitter;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Rule;
import dev.policyc.dsl.Family;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code -m physdev} read as kube-proxy's IPVS mode writes it and with every libxt_physdev
 * option, printed back in libxt_physdev's saved order ({@code --physdev-is-in}, {@code
 * --physdev-in}, {@code --physdev-is-out}, {@code --physdev-out}, {@code --physdev-is-bridged}),
 * and refused where libxt_physdev refuses it.
 */
class PhysdevMatchReaderTest {
  private static Rule read(String line, Family f) throws ParseException {
    return IptablesSaveReader.readRule(line, f);
  }

  @Test
  void kubeProxysExternalIpRuleReadsAndPrintsBack() throws ParseException {
    String line = "-A KUBE-SERVICES -m set --match-set KUBE-EXTERNAL-IP dst,dst -m physdev !"
        + " --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT";
    Rule r = read(line, Family.IPV4);
    assertTrue(r.matches().contains(new Match.Physdev(Match.Physdev.IS_IN, Match.Physdev.IS_IN,
        null, null)), r.matches().toString());
    assertEquals(line, IptablesEmitter.rule("KUBE-SERVICES", r, Family.IPV4));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-m physdev --physdev-is-in | -m physdev --physdev-is-in",
      "-m physdev ! --physdev-is-out | -m physdev ! --physdev-is-out",
      "-m physdev --physdev-is-bridged | -m physdev --physdev-is-bridged",
      "-m physdev --physdev-out eth1 --physdev-in veth+ | -m physdev --physdev-in veth+"
          + " --physdev-out eth1",
      "-m physdev --physdev-is-bridged ! --physdev-out eth1 --physdev-is-out ! --physdev-in"
          + " br-port0 --physdev-is-in | -m physdev --physdev-is-in ! --physdev-in br-port0"
          + " --physdev-is-out ! --physdev-out eth1 --physdev-is-bridged"})
  void everyOptionReadsAndPrintsInTheSavedOrder(String given, String saved)
      throws ParseException {
    for (Family f : Family.values()) {
      Rule r = read("-A FORWARD " + given + " -j ACCEPT", f);
      String line = IptablesEmitter.rule("FORWARD", r, f);
      assertEquals("-A FORWARD " + saved + " -j ACCEPT", line);
      assertEquals(r.matches(), read(line, f).matches());
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-A INPUT -m physdev -j ACCEPT | PHYSDEV: no physdev option specified",
      "-A INPUT -m physdev --physdev-is-in --physdev-is-in -j ACCEPT | given twice",
      "-A INPUT -m physdev --physdev-in a --physdev-in b -j ACCEPT | given twice",
      "-A INPUT -m physdev --physdev-in abcdefghijklmnop -j ACCEPT | 1-15 characters",
      "-A INPUT --physdev-is-in -j ACCEPT | is not known"})
  void refusedAsLibxtPhysdevRefusesIt(String line, String message) {
    ParseException e = assertThrows(ParseException.class, () -> read(line, Family.IPV4));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
