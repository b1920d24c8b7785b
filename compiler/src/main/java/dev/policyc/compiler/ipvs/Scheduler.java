package dev.policyc.compiler.ipvs;

import java.util.Locale;
import java.util.Optional;

/**
 * A kernel IPVS scheduler ({@code net/netfilter/ipvs/ip_vs_NAME.c}); {@code docs/ipvs.md} gives
 * each one's algorithm as the interpreter models it.
 */
public enum Scheduler {
  RR, WRR, LC, WLC, LBLC, LBLCR, DH, SH, SED, NQ, FO, OVF, MH, TWOS;

  /** The name ipvsadm and the kernel use. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The scheduler named {@code word} (lower case, as ipvsadm takes it). */
  public static Optional<Scheduler> of(String word) {
    for (Scheduler s : values()) {
      if (s.word().equals(word)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
