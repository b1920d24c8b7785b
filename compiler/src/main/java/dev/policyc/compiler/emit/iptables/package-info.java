/** Emits iptables-restore and ip6tables-restore scripts in the canonical iptables-save form. */
package dev.policyc.compiler.emit.iptables;
