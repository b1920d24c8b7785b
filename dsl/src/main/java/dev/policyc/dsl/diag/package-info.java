/** Diagnostics: stable codes, severities, positions, and a reporter that collects and goes on. */
package dev.policyc.dsl.diag;
