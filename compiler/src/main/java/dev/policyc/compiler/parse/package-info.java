/** Readers of iptables-save / iptables-restore and ipset text back into the IR. */
package dev.policyc.compiler.parse;
