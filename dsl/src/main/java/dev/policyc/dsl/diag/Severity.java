package dev.policyc.dsl.diag;

/** How bad a diagnostic is: errors stop compilation, warnings do not. */
public enum Severity {
  ERROR,
  WARNING
}
