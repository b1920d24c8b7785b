/** Emits {@code ipset restore} scripts that replace each set atomically. */
package dev.policyc.compiler.emit.ipset;
