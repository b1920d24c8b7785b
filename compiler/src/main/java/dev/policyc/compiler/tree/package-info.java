/** Decision trees over first-match lists of rules: split by one packet field per level. */
package dev.policyc.compiler.tree;
