/**
 * Decision trees over rules: splits a first-match list of rules by packet field into branches
 * that each keep, in order, only the rules that can match their packets.
 */
package dev.policyc.compiler.tree;
