package dev.policyc.compiler.space;

import dev.policyc.compiler.ir.Netfilter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A set of interface names, as iptables matches them: a pattern is a name, or a prefix written
 * {@code eth+} that matches every name starting with {@code eth}. The set is a union of terms,
 * each "matches this pattern (or any name) and none of these". Names are at most 15 characters
 * of {@code [A-Za-z0-9_.@-]}, so the universe is finite; emptiness and containment are decided
 * exactly on witness names: one name for each way of matching the patterns involved.
 */
public final class NameSet implements ValueSet {
  /** Characters of interface names, in the order witnesses try them. */
  private static final String CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@-";

  /** Names matching {@code include} (null: any name) and none of {@code exclude}. */
  record Term(String include, Set<String> exclude) {
    Term {
      exclude = Set.copyOf(exclude);
    }

    boolean matches(String name) {
      if (include != null && !patternMatches(include, name)) {
        return false;
      }
      for (String e : exclude) {
        if (patternMatches(e, name)) {
          return false;
        }
      }
      return true;
    }
  }

  private static final NameSet EMPTY = new NameSet(List.of());
  private static final NameSet FULL = new NameSet(List.of(new Term(null, Set.of())));

  private final List<Term> terms;

  private NameSet(List<Term> terms) {
    this.terms = List.copyOf(terms);
  }

  public static NameSet empty() {
    return EMPTY;
  }

  public static NameSet full() {
    return FULL;
  }

  /** The names one pattern matches ({@code eth0}, or {@code eth+} for a prefix). */
  public static NameSet of(String pattern) {
    return pattern.equals("+") ? FULL : new NameSet(List.of(new Term(pattern, Set.of())));
  }

  /** Whether a pattern matches a name, as the kernel's interface match does. */
  static boolean patternMatches(String pattern, String name) {
    return pattern.endsWith("+")
        ? name.startsWith(pattern.substring(0, pattern.length() - 1))
        : name.equals(pattern);
  }

  public boolean contains(String name) {
    for (Term t : terms) {
      if (t.matches(name)) {
        return true;
      }
    }
    return false;
  }

  private static NameSet same(ValueSet o) {
    if (!(o instanceof NameSet s)) {
      throw new IllegalArgumentException("cannot combine a name set with " + o);
    }
    return s;
  }

  @Override
  public NameSet union(ValueSet other) {
    List<Term> out = new ArrayList<>(terms);
    out.addAll(same(other).terms);
    return prune(out);
  }

  @Override
  public NameSet intersect(ValueSet other) {
    List<Term> out = new ArrayList<>();
    for (Term a : terms) {
      for (Term b : same(other).terms) {
        String inc = meet(a.include(), b.include());
        if (inc != null || (a.include() == null && b.include() == null)) {
          Set<String> exc = new LinkedHashSet<>(a.exclude());
          exc.addAll(b.exclude());
          out.add(new Term(inc, exc));
        }
      }
    }
    return prune(out);
  }

  /** The patterns' common names as one pattern; null when there are none (or both are any). */
  private static String meet(String a, String b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    boolean pa = a.endsWith("+");
    boolean pb = b.endsWith("+");
    String sa = pa ? a.substring(0, a.length() - 1) : a;
    String sb = pb ? b.substring(0, b.length() - 1) : b;
    if (!pa && !pb) {
      return a.equals(b) ? a : null;
    } else if (!pa) {
      return a.startsWith(sb) ? a : null;
    } else if (!pb) {
      return b.startsWith(sa) ? b : null;
    }
    return sa.startsWith(sb) ? a : sb.startsWith(sa) ? b : null;
  }

  @Override
  public NameSet complement() {
    NameSet out = FULL;
    for (Term t : terms) {
      List<Term> not = new ArrayList<>();
      if (t.include() != null) {
        not.add(new Term(null, Set.of(t.include())));
      }
      for (String e : t.exclude()) {
        not.add(new Term(e, Set.of()));
      }
      out = out.intersect(new NameSet(not));
      if (out.isEmpty()) {
        return EMPTY;
      }
    }
    return out;
  }

  private static NameSet prune(List<Term> in) {
    List<Term> out = new ArrayList<>();
    for (Term t : in) {
      if (!new NameSet(List.of(t)).witnesses().isEmpty() && !out.contains(t)) {
        out.add(t);
      }
    }
    return out.isEmpty() ? EMPTY : new NameSet(out);
  }

  /** A name in the set, or empty when the set is empty. */
  public java.util.Optional<String> sample() {
    List<String> w = witnesses();
    return w.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(w.get(0));
  }

  /** The witness names of this set's patterns that are in the set. */
  private List<String> witnesses() {
    List<String> out = new ArrayList<>();
    for (String w : witnesses(patterns())) {
      if (contains(w)) {
        out.add(w);
      }
    }
    return out;
  }

  private Set<String> patterns() {
    Set<String> ps = new LinkedHashSet<>();
    for (Term t : terms) {
      if (t.include() != null) {
        ps.add(t.include());
      }
      ps.addAll(t.exclude());
    }
    return ps;
  }

  /**
   * One name for every set of patterns a name can match: each pattern's stem, each prefix's stem
   * followed by a character no pattern continues it with, and a name no pattern matches.
   */
  static List<String> witnesses(Set<String> patterns) {
    Set<String> out = new LinkedHashSet<>();
    Set<String> stems = new LinkedHashSet<>();
    for (String p : patterns) {
      String stem = p.endsWith("+") ? p.substring(0, p.length() - 1) : p;
      stems.add(stem);
      if (!stem.isEmpty()) {
        out.add(stem);
      }
    }
    stems.add(""); // the name that starts like no pattern
    for (String stem : stems) {
      if (stem.length() >= Netfilter.MAX_IFACE_NAME) {
        continue;
      }
      for (char c : CHARS.toCharArray()) {
        String w = stem + c;
        boolean taken = false;
        for (String s : stems) {
          if (s.startsWith(w)) {
            taken = true;
            break;
          }
        }
        if (!taken) {
          out.add(w);
          break;
        }
      }
    }
    return new ArrayList<>(out);
  }

  @Override
  public boolean isEmpty() {
    return terms.isEmpty();
  }

  @Override
  public boolean containsAll(ValueSet other) {
    NameSet o = same(other);
    Set<String> ps = patterns();
    ps.addAll(o.patterns());
    for (String w : witnesses(ps)) {
      if (o.contains(w) && !contains(w)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean isFull() {
    return FULL.containsAll(this) && containsAll(FULL);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NameSet s && containsAll(s) && s.containsAll(this);
  }

  @Override
  public int hashCode() {
    return Objects.hash(isEmpty());
  }

  @Override
  public String toString() {
    if (isEmpty()) {
      return "{}";
    }
    List<String> parts = new ArrayList<>();
    for (Term t : terms) {
      String inc = t.include() == null ? "*" : t.include();
      parts.add(t.exclude().isEmpty() ? inc : inc + " except " + t.exclude().stream().sorted()
          .toList());
    }
    return "{" + String.join(", ", parts) + "}";
  }
}
