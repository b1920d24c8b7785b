/** Packet-space analysis of chains: shadowed and redundant rules, for the checks and the passes. */
package dev.policyc.compiler.analysis;
