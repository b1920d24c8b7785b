package dev.policyc.maven;

import dev.policyc.compiler.cli.PolicyBuild;
import java.io.File;
import java.util.List;
import org.apache.maven.model.Resource;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Compiles the policies: each policy's {@code iptables-restore}, {@code ipset} and report files
 * and its {@code apply.sh} into {@code scriptsDirectory/POLICY/}, and its Java classifier (a
 * class <code>&lt;Policy&gt;Classifier</code> that decides packets as the kernel would, for unit tests)
 * into {@code generatedSourcesDirectory}, which becomes a compile source root, with its tables
 * in {@code generatedResourcesDirectory}, which becomes a resource folder. All or nothing: a
 * policy with errors fails the build and nothing is written. When neither the files under
 * {@code policiesDirectory} nor the configuration changed since the last compile, the goal does
 * nothing and says so.
 *
 * <pre>
 * &lt;execution&gt;
 *   &lt;goals&gt;&lt;goal&gt;compile&lt;/goal&gt;&lt;/goals&gt;
 *   &lt;configuration&gt;&lt;packageName&gt;com.example.firewall&lt;/packageName&gt;&lt;/configuration&gt;
 * &lt;/execution&gt;
 * </pre>
 */
@Mojo(name = "compile", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class CompileMojo extends AbstractPolicycMojo {
  /**
   * The Java package of the generated classifiers (one class per policy, sharing a small
   * runtime: {@code Packet}, {@code Decision}).
   *
   * <pre>
   * &lt;packageName&gt;com.example.firewall&lt;/packageName&gt;
   * </pre>
   */
  @Parameter(property = "policyc.packageName", defaultValue = "policyc")
  private String packageName;

  /**
   * What to write: {@code iptables} (iptables.rules, ip6tables.rules, apply.sh), {@code ipset}
   * (ipset.rules), {@code report} (report.json), {@code ipvs} (ipvs.rules, interfaces.sh and
   * keepalived.conf, for a policy with an {@code ipvs:} section) and {@code java} (the
   * classifier). Default: all five.
   *
   * <pre>
   * &lt;targets&gt;
   *   &lt;target&gt;iptables&lt;/target&gt;
   *   &lt;target&gt;java&lt;/target&gt;
   * &lt;/targets&gt;
   * </pre>
   */
  @Parameter(property = "policyc.targets")
  private List<String> targets;

  /**
   * Policies (by their {@code policy:} name or their file name without {@code .yaml}) whose
   * classifier is not generated: those the build needs no classifier of, and any using what the
   * classifier does not model (docs/classifier.md, "Not yet"), which would otherwise fail the
   * build. Their scripts are compiled. Commas separate names too, so a property can hold the
   * list.
   *
   * <pre>
   * &lt;skipClassifierFor&gt;
   *   &lt;policy&gt;nat-gateway&lt;/policy&gt;
   * &lt;/skipClassifierFor&gt;
   * </pre>
   */
  @Parameter(property = "policyc.skipClassifierFor")
  private List<String> skipClassifierFor;

  /**
   * Where each policy's scripts go, in a folder named by the policy.
   *
   * <pre>
   * &lt;scriptsDirectory&gt;${project.build.directory}/firewall&lt;/scriptsDirectory&gt;
   * </pre>
   */
  @Parameter(defaultValue = "${project.build.directory}/policyc", required = true)
  private File scriptsDirectory;

  /** The source root of the generated classifiers, added to the project's compile sources. */
  @Parameter(defaultValue = "${project.build.directory}/generated-sources/policyc",
      required = true)
  private File generatedSourcesDirectory;

  /** The folder of the classifiers' tables, added to the project's resources. */
  @Parameter(defaultValue = "${project.build.directory}/generated-resources/policyc",
      required = true)
  private File generatedResourcesDirectory;

  private PolicyBuild.Request compileRequest() {
    return request(scriptsDirectory, generatedSourcesDirectory, generatedResourcesDirectory,
        packageName, targets, skipClassifierFor);
  }

  @Override
  PolicyBuild.Outcome run() {
    return PolicyBuild.compile(compileRequest());
  }

  @Override
  void after(PolicyBuild.Outcome outcome) {
    if (outcome != null) {
      context.refresh(scriptsDirectory);
      context.refresh(generatedSourcesDirectory);
      context.refresh(generatedResourcesDirectory);
    }
    if (compileRequest().java()) {
      project.addCompileSourceRoot(generatedSourcesDirectory.getPath());
      Resource tables = new Resource();
      tables.setDirectory(generatedResourcesDirectory.getPath());
      project.addResource(tables);
    }
  }
}
