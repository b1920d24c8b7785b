package dev.policyc.compiler.interp;

import dev.policyc.dsl.testing.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The packet and flow syntax refuse every malformed line with a {@link Packet.SyntaxError} that
 * names a column inside the line (or just after it), and nothing else: lines made by cutting,
 * repeating and mixing words of valid packets and odd characters.
 */
class PacketSyntaxPropertyTest {
  private static final List<String> VALID = List.of(
      "tcp 198.51.100.7:40000 -> 203.0.113.2:443 in wan0 state new flags SYN,ECE",
      "udp [2001:db8::1]:53 -> [2001:db8::2]:5353 out eth1 frag len 80 ttl 2",
      "icmp 2001:db8::1 -> 2001:db8::2 in eth0 type echo-reply mark 0x10 dscp 46",
      "icmp 192.0.2.1 -> 192.0.2.2 type 3/3 tos 0x10 ctmark 7 seq 3 random 5",
      "at 1.5s reply icmp from 192.0.2.9 type time-exceeded",
      "at 250ms reply flags RST");

  private static final List<String> ODD = List.of("", " ", "->", "[", "]", ":", "/", ",", "0x",
      "99999999999", "-1", "::", "[::1]:", "type", "in", "at", "reply", "frag", "flags",
      "x".repeat(40), "\u202e", "\u0085", "é", "1e3", "0X", "state", "ms", "s");

  @Test
  void malformedLinesAreRefusedWithAColumnAndNothingElse() {
    Property.forAll("the packet syntax refuses with a column", Property.seed(20261206L),
        Property.trials(20_000), PacketSyntaxPropertyTest::line,
        PacketSyntaxPropertyTest::check, l -> List.of(), l -> "    " + l);
  }

  static String line(Random rnd) {
    List<String> words = new ArrayList<>(List.of(VALID.get(rnd.nextInt(VALID.size()))
        .split(" ")));
    int edits = 1 + rnd.nextInt(4);
    for (int i = 0; i < edits; i++) {
      int at = rnd.nextInt(words.size() + 1);
      switch (rnd.nextInt(5)) {
        case 0 -> words.add(at, ODD.get(rnd.nextInt(ODD.size())));
        case 1 -> {
          if (!words.isEmpty()) {
            words.remove(Math.min(at, words.size() - 1));
          }
        }
        case 2 -> words.add(at, VALID.get(rnd.nextInt(VALID.size())).split(" ")[rnd.nextInt(5)]);
        case 3 -> {
          if (!words.isEmpty()) {
            String w = words.get(Math.min(at, words.size() - 1));
            int cut = rnd.nextInt(w.length() + 1);
            words.set(Math.min(at, words.size() - 1), w.substring(0, cut));
          }
        }
        default -> {
          if (!words.isEmpty()) {
            int j = Math.min(at, words.size() - 1);
            String w = words.get(j);
            int k = rnd.nextInt(w.length() + 1);
            words.set(j, w.substring(0, k) + ODD.get(rnd.nextInt(ODD.size())) + w.substring(k));
          }
        }
      }
    }
    return String.join(" ", words);
  }

  static String check(String line) {
    try {
      if (line.startsWith("at ") || line.contains("reply")) {
        FlowLine.parse(line);
      } else {
        Packet.parse(line);
      }
      return null;
    } catch (Packet.SyntaxError e) {
      if (e.column() < 1 || e.column() > line.length() + 1) {
        return "column " + e.column() + " outside the line: " + e.getMessage();
      }
      return null;
    } catch (RuntimeException e) {
      return "not a SyntaxError: " + e;
    }
  }
}
