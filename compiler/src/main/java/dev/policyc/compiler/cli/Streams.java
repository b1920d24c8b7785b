package dev.policyc.compiler.cli;

import java.io.InputStream;
import java.io.PrintWriter;

/**
 * The three streams of one run: standard input (read for the policy {@code -}), output and
 * errors. Tests pass their own, so a run touches no process-wide state.
 */
record Streams(InputStream in, PrintWriter out, PrintWriter err) {}
