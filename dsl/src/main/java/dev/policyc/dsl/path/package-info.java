/** Typed paths of the elements of a policy document, the keys of its source map. */
package dev.policyc.dsl.path;
