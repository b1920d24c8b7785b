/** The compiler facade: policy in, IR, scripts and diagnostics out. */
package dev.policyc.compiler;
