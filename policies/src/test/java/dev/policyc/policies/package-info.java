/** Tests of the example policies' packet decisions, through their generated classifiers. */
package dev.policyc.policies;
