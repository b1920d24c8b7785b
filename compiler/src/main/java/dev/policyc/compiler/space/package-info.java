/** A per-field view of rules for analyses: value sets per packet field, cubes, opaque matches. */
package dev.policyc.compiler.space;
