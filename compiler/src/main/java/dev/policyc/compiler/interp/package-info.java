/** The reference interpreter: what the kernel does with a packet under an IR policy. */
package dev.policyc.compiler.interp;
