/** The YAML front end: a located reader, a writer, and the problems a policy file can have. */
package dev.policyc.dsl.yaml;
