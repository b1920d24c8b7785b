/** Emits {@code apply.sh}, the script that loads the other emitted files all or nothing. */
package dev.policyc.compiler.emit.apply;
