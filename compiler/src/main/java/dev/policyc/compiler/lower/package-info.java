/** Lowering: the policy model to the IR, resolving names, expanding groups and validating. */
package dev.policyc.compiler.lower;
