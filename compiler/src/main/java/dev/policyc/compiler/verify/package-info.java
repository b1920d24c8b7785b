/** The equivalence engine: whether two IR policies decide every packet alike, and where not. */
package dev.policyc.compiler.verify;
