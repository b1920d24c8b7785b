/** The IR: flat, normalized rules with their invariants, and the netfilter vocabulary. */
package dev.policyc.compiler.ir;
