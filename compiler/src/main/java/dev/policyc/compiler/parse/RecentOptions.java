package dev.policyc.compiler.parse;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Match;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.Family;

/**
 * The options of one {@code -m recent} module, in any order (as libxt_recent takes them), made
 * into a {@link Match.Recent} when the module ends and checked then as the kernel's {@code
 * recent_mt_check} would: exactly one of {@code --set}, {@code --rcheck}, {@code --update},
 * {@code --remove}; {@code --seconds} and {@code --hitcount} only with the checking two; {@code
 * --reap} only with {@code --seconds}.
 */
final class RecentOptions {
  private final Token module;
  private String name = "DEFAULT";
  private Match.Recent.Mode mode;
  private boolean negated;
  private long seconds;
  private boolean reap;
  private int hitCount;
  private IpAddr mask;
  private boolean dest;

  /** The options after {@code -m recent} (token {@code module}). */
  RecentOptions(Token module, Family family) {
    this.module = module;
    this.mask = IpAddr.max(family);
  }

  /** Reads option {@code o} (token {@code t}, negated when {@code neg}). */
  void option(String o, boolean neg, RuleLine l, Token t) throws ParseException {
    if (neg && !(o.equals("--set") || o.equals("--rcheck") || o.equals("--update")
        || o.equals("--remove"))) {
      throw l.fail(t, "only --set, --rcheck, --update and --remove can be negated");
    }
    switch (o) {
      case "--name" -> name = l.value(o);
      case "--set", "--rcheck", "--update", "--remove" -> {
        if (mode != null) {
          throw l.fail(t, "recent takes one of --set, --rcheck, --update and --remove");
        }
        mode = switch (o) {
          case "--set" -> Match.Recent.Mode.SET;
          case "--rcheck" -> Match.Recent.Mode.CHECK;
          case "--update" -> Match.Recent.Mode.UPDATE;
          default -> Match.Recent.Mode.REMOVE;
        };
        negated = neg;
      }
      case "--seconds" -> seconds = Values.number(l.value(o), Netfilter.MARK_MAX, l, t);
      case "--reap" -> reap = true;
      case "--hitcount" ->
          hitCount = (int) Values.number(l.value(o), Match.Recent.MAX_HITS, l, t);
      case "--rttl" -> throw l.fail(t, "recent --rttl is not supported");
      case "--mask" -> {
        String v = l.value(o);
        try {
          IpAddr m = IpAddr.parse(v);
          if (m.family() != mask.family()) {
            throw l.fail(t, "recent --mask '" + v + "' is not an " + mask.family() + " address");
          }
          mask = m;
        } catch (IllegalArgumentException e) {
          throw l.fail(t, "bad recent --mask '" + v + "'");
        }
      }
      case "--rsource" -> dest = false;
      case "--rdest" -> dest = true;
      default -> throw new AssertionError(o);
    }
  }

  /** The match, when the module's options are complete and consistent. */
  Match.Recent build(RuleLine l) throws ParseException {
    if (mode == null) {
      throw l.fail(module, "recent needs one of --set, --rcheck, --update and --remove");
    }
    try {
      return new Match.Recent(name, mode, seconds, reap, hitCount, mask, dest, negated);
    } catch (IllegalArgumentException e) {
      throw l.fail(module, e.getMessage());
    }
  }
}
