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
 * class {@code <Policy>Classifier} that decides packets as the kernel would, for unit tests)
 * into {@code generatedSourcesDirectory}, which becomes a compile source root, with its tables
 * in {@code generatedResourcesDirectory}, which becomes a resource folder. All or nothing: a
 * policy with errors fails the build and nothing is written. When neither the files under
 * {@code policiesDirectory} nor the configuration changed since the last compile, the goal does
 * nothing and says so.
 *
 * <pre>{@code
 * <execution>
 *   <goals><goal>compile</goal></goals>
 *   <configuration><packageName>com.example.firewall</packageName></configuration>
 * </execution>
 * }</pre>
 */
@Mojo(name = "compile", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class CompileMojo extends AbstractPolicycMojo {
  /**
   * The Java package of the generated classifiers (one class per policy, sharing a small
   * runtime: {@code Packet}, {@code Decision}).
   *
   * <pre>{@code
   * <packageName>com.example.firewall</packageName>
   * }</pre>
   */
  @Parameter(property = "policyc.packageName", defaultValue = "policyc")
  private String packageName;

  /**
   * What to write: {@code iptables} (iptables.rules, ip6tables.rules, apply.sh), {@code ipset}
   * (ipset.rules), {@code report} (report.json) and {@code java} (the classifier). Default: all
   * four.
   *
   * <pre>{@code
   * <targets>
   *   <target>iptables</target>
   *   <target>java</target>
   * </targets>
   * }</pre>
   */
  @Parameter(property = "policyc.targets")
  private List<String> targets;

  /**
   * Policies (by their {@code policy:} name or their file name without {@code .yaml}) whose
   * classifier is not generated: those using what the classifier does not model yet (a {@code
   * host:} model, NAT targets; docs/classifier.md), which would otherwise fail the build. Their
   * scripts are compiled. Commas separate names too, so a property can hold the list.
   *
   * <pre>{@code
   * <skipClassifierFor>
   *   <policy>nat-gateway</policy>
   * </skipClassifierFor>
   * }</pre>
   */
  @Parameter(property = "policyc.skipClassifierFor")
  private List<String> skipClassifierFor;

  /**
   * Where each policy's scripts go, in a folder named by the policy.
   *
   * <pre>{@code
   * <scriptsDirectory>${project.build.directory}/firewall</scriptsDirectory>
   * }</pre>
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

  private PolicyBuild.Request request;

  @Override
  PolicyBuild.Outcome run() {
    request = request(scriptsDirectory, generatedSourcesDirectory, generatedResourcesDirectory,
        packageName, targets, skipClassifierFor);
    return PolicyBuild.compile(request);
  }

  @Override
  void after(PolicyBuild.Outcome outcome) {
    if (request.java()) {
      project.addCompileSourceRoot(generatedSourcesDirectory.getPath());
      Resource tables = new Resource();
      tables.setDirectory(generatedResourcesDirectory.getPath());
      project.addResource(tables);
    }
  }
}
