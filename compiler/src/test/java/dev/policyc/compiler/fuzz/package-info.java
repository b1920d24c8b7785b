/** Coverage-guided fuzz tests of the front ends (Jazzer), with their regression corpus. */
package dev.policyc.compiler.fuzz;
