package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.classifier.ClassifierGenerator;
import dev.policyc.compiler.classifier.GeneratedClassifier;
import dev.policyc.compiler.ipvs.IpvsConfig;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code policyc compile --target} writes: {@code iptables} (iptables.rules and
 * ip6tables.rules), {@code ipset} (ipset.rules), {@code report} (report.json) and {@code java}
 * (the generated classifier, package {@code --package}) and {@code ipvs} (ipvs.rules,
 * interfaces.sh and keepalived.conf, for a policy with an {@code ipvs:} section); by default
 * all but java. A policy without IPVS has no ipvs files, so its default output is what it was
 * before the ipvs target existed; {@code --target ipvs} writes only the IPVS files.
 */
final class Targets {
  /** One kind of output. */
  enum Target {
    IPTABLES,
    IPSET,
    REPORT,
    JAVA,
    IPVS
  }

  static final String DEFAULT = "iptables,ipset,report,ipvs";

  private final Set<Target> chosen;
  private final String packageName;

  private Targets(Set<Target> chosen, String packageName) {
    this.chosen = chosen;
    this.packageName = packageName;
  }

  /**
   * The targets of a comma-separated list (null: the default), and the Java package when
   * {@code java} is one; IllegalArgumentException with a usage message when bad.
   */
  static Targets parse(String list, String packageName) {
    Set<Target> chosen = EnumSet.noneOf(Target.class);
    for (String word : (list == null ? DEFAULT : list).split(",", -1)) {
      try {
        chosen.add(Target.valueOf(word.strip().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--target takes iptables, ipset, report, java and ipvs,"
            + " separated by commas, not '" + word + "'");
      }
    }
    if (chosen.contains(Target.JAVA) != (packageName != null)) {
      throw new IllegalArgumentException(packageName == null
          ? "--target java needs --package PKG (the generated classes' Java package)"
          : "--package is for --target java");
    }
    if (packageName != null) {
      ClassifierGenerator.checkPackage(packageName);
    }
    return new Targets(chosen, packageName);
  }

  /**
   * The compilation with only the chosen targets' files, and the classifier's when chosen (its
   * IPVS services {@code ipvs}, the policy's {@code ipvs:} section, scheduled as the interpreter
   * schedules them); a list of reasons instead (in {@code why}) when the classifier cannot
   * model the policy.
   */
  Compilation apply(Compilation c, IpvsConfig ipvs, List<String> why) {
    Map<String, String> files = new LinkedHashMap<>();
    c.files().forEach((name, text) -> {
      if (chosen.contains(of(name))) {
        files.put(name, text);
      }
    });
    if (chosen.contains(Target.JAVA)) {
      List<String> missing = classifierGaps(c, ipvs);
      if (!missing.isEmpty()) {
        why.addAll(missing);
        return c;
      }
      // the classifier makes its own trees, from the rules as lowered; its files sit flat in
      // the output folder (OutputWriter writes no subfolders): see docs/classifier.md
      GeneratedClassifier g = ClassifierGenerator.generate(c.lowered(), ipvs, packageName,
          Cli.version());
      g.sources().forEach((path, text) -> files.put(flat(path), text));
      g.resources().forEach((path, text) -> files.put(flat(path), text));
    }
    return new Compilation(c.lowered(), c.ir(), c.diagnostics(), files, c.passes());
  }

  private static String flat(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static Target of(String file) {
    return switch (file) {
      // apply.sh loads what the iptables files hold (and ipset.rules when there is one)
      case PolicyCompiler.IPTABLES, PolicyCompiler.IP6TABLES, PolicyCompiler.APPLY ->
          Target.IPTABLES;
      case PolicyCompiler.IPSET -> Target.IPSET;
      case PolicyCompiler.REPORT -> Target.REPORT;
      case PolicyCompiler.IPVS_RULES, PolicyCompiler.INTERFACES, PolicyCompiler.KEEPALIVED ->
          Target.IPVS;
      default -> throw new IllegalStateException("a file of no target: " + file);
    };
  }

  /**
   * Why the generated classifier cannot decide {@code c}'s packets as the interpreter does, one
   * line per feature: what {@link ClassifierGenerator#unsupported} finds in the rules and in the
   * policy's IPVS services {@code ipvs} (a scheduler the runtime does not model, by name); and
   * IPVS when the policy has an ipvs section but {@code ipvs} was not given (a classifier of the
   * rules alone would deliver a packet to a VIP that IPVS sends on to a real server).
   */
  static List<String> classifierGaps(Compilation c, IpvsConfig ipvs) {
    List<String> why = new ArrayList<>(ClassifierGenerator.unsupported(c.lowered(), ipvs));
    if (ipvs.isEmpty() && c.files().containsKey(PolicyCompiler.IPVS_RULES)) {
      why.add("IPVS virtual services (ipvs:) without their configuration");
    }
    return why;
  }

  /** For messages: the classifier's reasons, one per line. */
  static List<String> lines(String file, List<String> why) {
    List<String> out = new ArrayList<>();
    for (String w : why) {
      out.add(file + ": error: the Java classifier does not model " + w);
    }
    return out;
  }
}
