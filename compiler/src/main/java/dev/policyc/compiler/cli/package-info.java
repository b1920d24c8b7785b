/** The {@code policyc} command line. */
package dev.policyc.compiler.cli;
