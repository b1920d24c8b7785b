package dev.policyc.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.policyc.compiler.emit.ipvs.IpvsadmEmitter;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.testing.RandomIpvs;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link IpvsadmReader} reads what {@link IpvsadmEmitter} writes: random configurations
 * (seeded; the seed is in the message) survive emit → read as sets of services, each with its
 * set of real servers (ipvsadm -S sorts, so order is not kept), and emit ∘ read ∘ emit gives
 * emit's lines. Not always in the same order: ipvsadm's comparators subtract addresses as
 * {@code int}, which is not transitive, so the sorted order depends on the order sorted (as it
 * does in ipvsadm, whose input is the kernel's hash-table order).
 */
class IpvsadmReaderTest {
  private static final int CASES = 2000;

  @Test
  void randomConfigurationsRoundTrip() throws ParseException {
    long base = Long.getLong("policyc.seed", 20261206L);
    for (int i = 0; i < CASES; i++) {
      long seed = base + i;
      IpvsConfig c = new RandomIpvs(new Random(seed)).config();
      String text = IpvsadmEmitter.emit(c);
      IpvsConfig back;
      try {
        back = IpvsadmReader.read("ipvs.rules", text);
      } catch (ParseException e) {
        throw new AssertionError("seed " + seed + ": " + e.getMessage() + "\n" + text, e);
      }
      assertEquals(asSets(c), asSets(back), () -> "seed " + seed + ":\n" + text);
      assertEquals(text.lines().sorted().toList(),
          IpvsadmEmitter.emit(back).lines().sorted().toList(), () -> "seed " + seed);
    }
  }

  private static Map<VirtualService, Set<RealServer>> asSets(IpvsConfig c) {
    Map<VirtualService, Set<RealServer>> out = new HashMap<>();
    for (VirtualService vs : c.services()) {
      out.put(vs.withReals(java.util.List.of()).withoutCheck(), new HashSet<>(vs.reals()));
    }
    return out;
  }

  @Test
  void readsKubeProxyStyleLinesAndIpvsadmDefaults() throws ParseException {
    IpvsConfig c = IpvsadmReader.read("x", """
        # comment
        ipvsadm -A -t 10.0.0.1:443 -s rr -p 10800
        -a -t 10.0.0.1:443 -r 192.168.0.1:6443 -m -w 1
        -A -u [2001:db8::1]:53
        -a -u [2001:db8::1]:53 -r [2001:db8::10]
        -A -f 7 -6 -s mh -b mh-port,mh-fallback -p 60 -M 64
        """);
    assertEquals("""
        -A -t 10.0.0.1:443 -s rr -p 10800
        -a -t 10.0.0.1:443 -r 192.168.0.1:6443 -m -w 1
        -A -u [2001:db8::1]:53 -s wlc
        -a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -g -w 1
        -A -f 7 -6 -s mh -b mh-fallback,mh-port -p 60 -M 64
        """, IpvsadmEmitter.emit(c));
  }

  @Test
  void badLinesNameTheirLineAndColumn() {
    ParseException e = assertThrows(ParseException.class, () -> IpvsadmReader.read("ipvs.rules",
        "-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -w 70000\n"));
    assertEquals("ipvs.rules:2:37", e.pos().toString());
    e = assertThrows(ParseException.class, () -> IpvsadmReader.read("ipvs.rules",
        "-A -t 10.0.0.1:80 -s wrong\n"));
    assertEquals("ipvs.rules:1:22", e.pos().toString());
    e = assertThrows(ParseException.class, () -> IpvsadmReader.read("ipvs.rules",
        "-a -t 10.0.0.1:80 -r 10.1.0.1\n"));
    assertEquals("ipvs.rules:1:1", e.pos().toString());
  }
}
