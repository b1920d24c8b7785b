package dev.policyc.compiler.optimize;

import java.util.Locale;

/** How hard the compiler optimizes: {@code -O0} none, {@code -O1} the cheap passes, {@code -O2} all. */
public enum OptLevel {
  O0,
  O1,
  O2;

  /** The level's number, as in {@code -O2}. */
  public int number() {
    return ordinal();
  }

  /**
   * Reads a level as a user writes it: {@code 2}, {@code O2} or {@code -O2}. Throws {@link
   * IllegalArgumentException} naming the accepted forms.
   */
  public static OptLevel parse(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT);
    if (t.startsWith("-")) {
      t = t.substring(1);
    }
    if (t.startsWith("O")) {
      t = t.substring(1);
    }
    for (OptLevel l : values()) {
      if (t.equals(Integer.toString(l.number()))) {
        return l;
      }
    }
    throw new IllegalArgumentException("optimization level must be 0, 1 or 2, not '" + text + "'");
  }
}
