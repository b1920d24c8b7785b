/** The generated Java classifier: a policy's tables and dispatch class, and its fixed runtime. */
package dev.policyc.compiler.classifier;
