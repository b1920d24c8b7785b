package dev.policyc.compiler.space;

/**
 * What the analyses know of the packets a rule matches: exactly a {@link Cube}, or an {@link
 * Opaque} constraint they cannot reason about (a rate limit, sampling, an address type…).
 */
public sealed interface Constraint permits Cube, Opaque {}
