/** The policy model (immutable records) and the fluent Java DSL that builds it. */
package dev.policyc.dsl;
