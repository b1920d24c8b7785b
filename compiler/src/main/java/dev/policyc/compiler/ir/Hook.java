package dev.policyc.compiler.ir;

/** A netfilter hook; each has a built-in chain of the same name in the tables that attach to it. */
public enum Hook {
  PREROUTING,
  INPUT,
  FORWARD,
  OUTPUT,
  POSTROUTING
}
