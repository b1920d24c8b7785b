/**
 * The equivalence engine: decides, for every packet, whether two IR policies decide alike, and
 * when they do not, finds the packet classes that differ and a concrete packet the interpreter
 * decides differently. See "Equivalence" in {@code docs/verify.md}.
 */
package dev.policyc.compiler.verify;
