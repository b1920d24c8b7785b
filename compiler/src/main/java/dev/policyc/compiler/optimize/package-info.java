/** The pass pipeline: one class per pass over the IR, run by level with stats and validation. */
package dev.policyc.compiler.optimize;
