package dev.policyc.maven;

import dev.policyc.compiler.cli.PolicyBuild;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Validates the policies and runs every lint check (shadowed and redundant rules, lockout risks,
 * …), logging each diagnostic as {@code file:line:column: CODE message} so that IDEs and CI
 * annotate it. Errors fail the build; warnings too with {@code failOnWarning}. Writes nothing.
 *
 * <pre>
 * &lt;execution&gt;
 *   &lt;goals&gt;&lt;goal&gt;check&lt;/goal&gt;&lt;/goals&gt;
 *   &lt;configuration&gt;&lt;failOnWarning&gt;true&lt;/failOnWarning&gt;&lt;/configuration&gt;
 * &lt;/execution&gt;
 * </pre>
 */
@Mojo(name = "check", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class CheckMojo extends AbstractPolicycMojo {
  @Override
  PolicyBuild.Outcome run() {
    return PolicyBuild.check(request());
  }
}
