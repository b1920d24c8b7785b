package dev.policyc.dsl;

import java.util.Locale;

/** A conntrack state, as matched by {@code -m conntrack --ctstate}. */
public enum ConnState {
  INVALID,
  NEW,
  RELATED,
  ESTABLISHED,
  UNTRACKED;

  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
