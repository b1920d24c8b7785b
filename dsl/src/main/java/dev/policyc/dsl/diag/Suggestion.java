package dev.policyc.dsl.diag;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The "did you mean" of a diagnostic: the closest of the words a name could have been, within two
 * edits. The YAML reader uses it for keys and actions, lowering for interface names.
 */
public final class Suggestion {
  private Suggestion() {}

  /**
   * The word of {@code candidates} closest to {@code word} (lower-cased) within two edits, the
   * first in alphabetical order on a tie; empty when none is that close.
   */
  public static Optional<String> closest(String word, Collection<String> candidates) {
    String best = null;
    int bestD = 3;
    String w = word.toLowerCase(Locale.ROOT);
    for (String a : candidates.stream().sorted().toList()) {
      int d = distance(w, a);
      if (d < bestD) {
        bestD = d;
        best = a;
      }
    }
    return Optional.ofNullable(best);
  }

  /** The Levenshtein distance of {@code a} and {@code b}. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
      }
    }
    return d[a.length()][b.length()];
  }
}
