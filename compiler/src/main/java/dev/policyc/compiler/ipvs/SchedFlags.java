package dev.policyc.compiler.ipvs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Scheduler flags as the kernel stores them ({@code include/uapi/linux/ip_vs.h}): SCHED1 0x8,
 * SCHED2 0x10, SCHED3 0x20. ipvsadm names them {@code flag-1..3}, and for sh and mh
 * {@code sh-fallback}/{@code mh-fallback} (SCHED1) and {@code sh-port}/{@code mh-port} (SCHED2).
 */
public final class SchedFlags {
  public static final int SCHED1 = 0x8;
  public static final int SCHED2 = 0x10;
  public static final int SCHED3 = 0x20;

  private SchedFlags() {}

  /** The bit of flag {@code word} for {@code s}, or empty when ipvsadm refuses it for {@code s}. */
  public static Optional<Integer> bit(String word, Scheduler s) {
    switch (word) {
      case "flag-1":
        return Optional.of(SCHED1);
      case "flag-2":
        return Optional.of(SCHED2);
      case "flag-3":
        return Optional.of(SCHED3);
      case "sh-fallback":
        return s == Scheduler.SH ? Optional.of(SCHED1) : Optional.empty();
      case "sh-port":
        return s == Scheduler.SH ? Optional.of(SCHED2) : Optional.empty();
      case "mh-fallback":
        return s == Scheduler.MH ? Optional.of(SCHED1) : Optional.empty();
      case "mh-port":
        return s == Scheduler.MH ? Optional.of(SCHED2) : Optional.empty();
      default:
        return Optional.empty();
    }
  }

  /** Every flag word the policy format takes. */
  public static final List<String> WORDS = List.of("flag-1", "flag-2", "flag-3", "sh-fallback",
      "sh-port", "mh-fallback", "mh-port");

  /** The words of {@code flags} for {@code s}, in bit order (sh and mh flags by their names). */
  public static List<String> words(int flags, Scheduler s) {
    List<String> out = new ArrayList<>();
    String prefix = s == Scheduler.SH ? "sh-" : s == Scheduler.MH ? "mh-" : null;
    if ((flags & SCHED1) != 0) {
      out.add(prefix == null ? "flag-1" : prefix + "fallback");
    }
    if ((flags & SCHED2) != 0) {
      out.add(prefix == null ? "flag-2" : prefix + "port");
    }
    if ((flags & SCHED3) != 0) {
      out.add("flag-3");
    }
    return out;
  }
}
