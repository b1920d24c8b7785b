/** Lint checks over the lowered IR: one class per problem, run in order by the registry. */
package dev.policyc.compiler.checks;
