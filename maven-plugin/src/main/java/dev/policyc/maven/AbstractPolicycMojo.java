package dev.policyc.maven;

import dev.policyc.compiler.cli.PolicyBuild;
import java.io.File;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.build.BuildContext;

/**
 * The parameters every goal shares, and the one way a goal runs: map the parameters into a
 * {@link PolicyBuild.Request}, call {@link PolicyBuild}, log its messages. Policy errors are
 * {@link MojoFailureException} (BUILD FAILURE); a bad configuration or a fault of the machine is
 * {@link MojoExecutionException} (BUILD ERROR).
 */
abstract class AbstractPolicycMojo extends AbstractMojo {
  /**
   * The folder holding the policies (YAML files). Every file under it counts for the up-to-date
   * test of {@code compile}, also those that are not policies (files a policy includes).
   *
   * <pre>
   * &lt;policiesDirectory&gt;${project.basedir}/firewall&lt;/policiesDirectory&gt;
   * </pre>
   */
  @Parameter(property = "policyc.policiesDirectory",
      defaultValue = "${project.basedir}/src/main/policies", required = true)
  protected File policiesDirectory;

  /**
   * Glob patterns, relative to {@code policiesDirectory}, of the files that are policies. A
   * leading <code>**&#47;</code> also matches in the folder itself. Default: every {@code .yaml}
   * file.
   *
   * <pre>
   * &lt;includes&gt;
   *   &lt;include&gt;hosts/**&#47;*.yaml&lt;/include&gt;
   * &lt;/includes&gt;
   * </pre>
   */
  @Parameter
  protected List<String> includes = List.of();

  /**
   * Glob patterns, relative to {@code policiesDirectory}, of files that are not policies although
   * the includes take them: object files that policies include, say.
   *
   * <pre>
   * &lt;excludes&gt;
   *   &lt;exclude&gt;shared/**&lt;/exclude&gt;
   * &lt;/excludes&gt;
   * </pre>
   */
  @Parameter
  protected List<String> excludes = List.of();

  /**
   * The optimization level: {@code 0} the rules as written, {@code 1} redundancy removal, rule
   * merging and ipsets, {@code 2} also decision-tree chains (as {@code policyc compile -O}).
   *
   * <pre>
   * &lt;optimizationLevel&gt;1&lt;/optimizationLevel&gt;
   * </pre>
   */
  @Parameter(property = "policyc.optimizationLevel", defaultValue = "2")
  protected int optimizationLevel;

  /**
   * Makes warnings (shadowed rules, lockout risks, …) fail the build as errors do.
   *
   * <pre>
   * &lt;failOnWarning&gt;true&lt;/failOnWarning&gt;
   * </pre>
   */
  @Parameter(property = "policyc.failOnWarning", defaultValue = "false")
  protected boolean failOnWarning;

  /**
   * Skips the goal.
   *
   * <pre>
   * &lt;skip&gt;true&lt;/skip&gt;
   * </pre>
   * or on the command line: {@code -Dpolicyc.skip}.
   */
  @Parameter(property = "policyc.skip", defaultValue = "false")
  protected boolean skip;

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  protected MavenProject project;

  @Parameter(defaultValue = "${plugin}", readonly = true, required = true)
  protected PluginDescriptor plugin;

  /**
   * The build context: an IDE's (m2e) deltas and markers, or the command line's no-op one.
   * ({@code @Component} is deprecated for JSR-330 injection, which Maven 3.x gives mojos only
   * through constructors; a field keeps the three mojos' construction plain.)
   */
  @SuppressWarnings("deprecation")
  @Component
  protected BuildContext context;

  @Override
  public final void execute() throws MojoExecutionException, MojoFailureException {
    if (skip) {
      getLog().info("policyc: skipped");
      return;
    }
    if (context.isIncremental() && !context.hasDelta(policiesDirectory)) {
      // an IDE's incremental build (m2e) after a change elsewhere in the project
      getLog().info("policyc: no policy changed since the last build");
      after(null);
      return;
    }
    context.removeMessages(policiesDirectory);
    PolicyBuild.Outcome outcome;
    try {
      outcome = run();
    } catch (IllegalArgumentException e) {
      throw new MojoExecutionException("policyc: " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new MojoExecutionException("policyc: " + e.getMessage(), e.getCause());
    }
    for (PolicyBuild.Message m : outcome.messages()) {
      switch (m.level()) {
        case INFO -> getLog().info(m.text());
        case WARNING -> getLog().warn(m.text());
        case ERROR -> getLog().error(m.text());
      }
      if (m.file() != null && m.level() != PolicyBuild.Level.INFO) {
        // a marker on the policy's line in an IDE; the command line build ignores it
        context.addMessage(new File(m.file()), m.line(), m.column(), m.text(),
            m.level() == PolicyBuild.Level.ERROR ? BuildContext.SEVERITY_ERROR
                : BuildContext.SEVERITY_WARNING, null);
      }
    }
    if (outcome.failed()) {
      throw new MojoFailureException(outcome.summary());
    }
    after(outcome);
  }

  /** Runs the goal's part of {@link PolicyBuild}. */
  abstract PolicyBuild.Outcome run();

  /** What the goal does to the project after a run that did not fail. */
  /** After a run that did not fail; {@code outcome} is null when no policy changed. */
  void after(PolicyBuild.Outcome outcome) {}

  /** The request of the shared parameters, with {@code compile}'s as given. */
  PolicyBuild.Request request(File scripts, File sources, File resources, String packageName,
      List<String> targets, List<String> skipClassifierFor) {
    return new PolicyBuild.Request(policiesDirectory.toPath(), orEmpty(includes),
        orEmpty(excludes), scripts.toPath(), sources.toPath(), resources.toPath(), packageName,
        optimizationLevel, orEmpty(targets), orEmpty(skipClassifierFor), failOnWarning,
        plugin.getVersion());
  }

  /** The request of a goal that writes nothing. */
  PolicyBuild.Request request() {
    File build = new File(project.getBuild().getDirectory());
    return request(new File(build, "policyc"), new File(build, "generated-sources/policyc"),
        new File(build, "generated-resources/policyc"), "policyc", List.of(), List.of());
  }

  private static List<String> orEmpty(List<String> l) {
    return l == null ? List.of() : l;
  }
}
