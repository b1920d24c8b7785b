/** Emits the machine-readable compile report (JSON). */
package dev.policyc.compiler.emit.report;
