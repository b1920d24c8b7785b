/** ClassBench filter sets and traces: reading, importing as a policy, and generating them. */
package dev.policyc.compiler.classbench;
