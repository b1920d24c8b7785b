/** The policyc Maven plugin: thin goals over the compiler's {@code PolicyBuild}. */
package dev.policyc.maven;
