/** The IR (flat, normalized rules) and the reference interpreter that defines its meaning. */
package dev.policyc.compiler.ir;
