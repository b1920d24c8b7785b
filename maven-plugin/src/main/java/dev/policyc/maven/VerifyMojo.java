package dev.policyc.maven;

import dev.policyc.compiler.cli.PolicyBuild;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Proves with policyc's equivalence engine, for every packet and exploring every table whole,
 * that each policy's emitted scripts (read back as {@code iptables-restore} loads them) mean the
 * policy's IR, and that the optimization passes kept its meaning ({@code policyc verify
 * --exhaustive}). A proof that fails or cannot be decided fails the build.
 *
 * <pre>
 * &lt;execution&gt;
 *   &lt;goals&gt;&lt;goal&gt;verify&lt;/goal&gt;&lt;/goals&gt;
 * &lt;/execution&gt;
 * </pre>
 */
@Mojo(name = "verify", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class VerifyMojo extends AbstractPolicycMojo {
  @Override
  PolicyBuild.Outcome run() {
    return PolicyBuild.verify(request());
  }
}
