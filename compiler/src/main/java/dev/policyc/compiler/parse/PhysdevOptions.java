package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.parse.Tokenizer.Token;
import java.util.Set;

/**
 * The options of one {@code -m physdev} module, in any order, made into a {@link
 * Match.Physdev} when the module ends, as libxt_physdev parses them: {@code [!] --physdev-in
 * NAME}, {@code [!] --physdev-out NAME} (a port name of at most 15 characters, a trailing
 * {@code +} for a prefix), {@code [!] --physdev-is-in}, {@code [!] --physdev-is-out}, {@code [!]
 * --physdev-is-bridged}; each at most once, at least one.
 */
final class PhysdevOptions {
  /** The options of {@code -m physdev}. */
  static final Set<String> OPTIONS = Set.of("--physdev-in", "--physdev-out", "--physdev-is-in",
      "--physdev-is-out", "--physdev-is-bridged");

  private final Token module;
  private int bitmask;
  private int invert;
  private String in;
  private String out;

  /** The options after {@code -m physdev} (token {@code module}). */
  PhysdevOptions(Token module) {
    this.module = module;
  }

  /** Reads option {@code o} (token {@code t}, negated when {@code neg}). */
  void option(String o, boolean neg, RuleLine l, Token t) throws ParseException {
    int bit = switch (o) {
      case "--physdev-in" -> Match.Physdev.IN;
      case "--physdev-out" -> Match.Physdev.OUT;
      case "--physdev-is-bridged" -> Match.Physdev.BRIDGED;
      case "--physdev-is-in" -> Match.Physdev.IS_IN;
      case "--physdev-is-out" -> Match.Physdev.IS_OUT;
      default -> throw new AssertionError(o);
    };
    if ((bitmask & bit) != 0) {
      throw l.fail(t, "physdev " + o + " given twice");
    }
    bitmask |= bit;
    if (neg) {
      invert |= bit;
    }
    if (bit == Match.Physdev.IN || bit == Match.Physdev.OUT) {
      String v = l.value(o);
      if (v.isEmpty() || v.length() > 15) {
        throw l.fail(t, "physdev " + o + " '" + v + "': a port name of 1-15 characters");
      }
      if (bit == Match.Physdev.IN) {
        in = v;
      } else {
        out = v;
      }
    }
  }

  /** The match, when the module has at least one option. */
  Match.Physdev build(RuleLine l) throws ParseException {
    if (bitmask == 0) {
      throw l.fail(module, "PHYSDEV: no physdev option specified");
    }
    return new Match.Physdev(bitmask, invert, in, out);
  }
}
