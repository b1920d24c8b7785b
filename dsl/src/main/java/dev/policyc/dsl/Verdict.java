package dev.policyc.dsl;

/** The default policy of a built-in chain. */
public enum Verdict {
  ACCEPT,
  DROP
}
