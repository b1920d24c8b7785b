package dev.policyc.compiler.cli;

import dev.policyc.compiler.Compilation;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.emit.report.Json;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.kube.KubeProxyJumps;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.IpvsadmReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.compiler.verify.Result;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.diag.IoReason;
import dev.policyc.dsl.yaml.InputText;
import dev.policyc.dsl.yaml.PolicyParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code policyc diff OLD NEW}: the classes of packets the two sides decide differently, for
 * every packet (the equivalence engine, not sampling). A side is a policy, or an {@code
 * iptables-save} / {@code ip6tables-save} file; with a save file only its family is compared,
 * and it takes the host model and ipsets of the other side when that is a policy. Status 0 when
 * no packet is decided differently, 1 when some is (or a side has errors or the engine cannot
 * decide).
 */
final class DiffCommand implements Command {
  static final Pattern V6_ADDRESS =
      Pattern.compile("\\s(-s|-d|--to-destination|--to-source)\\s+!?\\s*\\[?[0-9a-fA-F]*:");

  /**
   * One side: its IR, the family a save file holds (null for a policy: both), and the IPVS
   * rules of a folder side, one line each (null when none).
   */
  private record Side(IrPolicy ir, Family only, List<String> ipvs) {
    Side(IrPolicy ir, Family only) {
      this(ir, only, null);
    }
  }

  @Override
  public String name() {
    return "diff";
  }

  @Override
  public String synopsis() {
    return "[--format text|json|markdown] [--family ipv4|ipv6] [--kube-proxy-jumps] OLD NEW";
  }

  @Override
  public String summary() {
    return "print the packets two policies, rule files or output folders decide differently";
  }

  @Override
  public Options options() {
    return new Options().addOption(Format.option(formats()))
        .addOption(Option.builder().longOpt("family").hasArg().argName("ipv4|ipv6")
            .desc("the family of a side that is an iptables-save file (default: from its"
                + " addresses)").get())
        .addOption(Option.builder().longOpt("kube-proxy-jumps")
            .desc("add to each side that is an iptables-save file the jumps from the built-in"
                + " chains that kube-proxy installs itself (its output of policyc kube --mode"
                + " iptables, or ipvs, leaves them out)").get());
  }

  @Override
  public List<Format> formats() {
    return List.of(Format.TEXT, Format.JSON, Format.MARKDOWN);
  }

  @Override
  public int run(Invocation inv) {
    if (inv.args().size() != 2) {
      return inv.usageError("give two sides: OLD NEW");
    }
    Family family = null;
    String fam = inv.line().getOptionValue("family");
    if (fam != null) {
      family = switch (fam) {
        case "ipv4" -> Family.IPV4;
        case "ipv6" -> Family.IPV6;
        default -> null;
      };
      if (family == null) {
        return inv.usageError("--family takes ipv4 or ipv6, not '" + fam + "'");
      }
    }
    Side[] sides = new Side[2];
    for (int i = 0; i < 2; i++) {
      String file = inv.args().get(i);
      if (!file.equals("-") && Files.isDirectory(Path.of(file))) {
        sides[i] = folder(inv, file);
        if (sides[i] == null) {
          return Cli.POLICY_ERRORS;
        }
        continue;
      }
      String text;
      try {
        text = file.equals(PolicyInput.STDIN) || file.equals("-") ? null
            : InputText.read(Path.of(file));
      } catch (PolicyParseException e) {
        e.diagnostics().forEach(inv.err()::println);
        return Cli.POLICY_ERRORS;
      } catch (IOException e) {
        return unreadable(inv, file, IoReason.of(e));
      } catch (InvalidPathException e) {
        return unreadable(inv, file, "bad file name (" + e.getReason() + ")");
      }
      if (text != null && isSaveFile(text)) {
        Family f = family != null ? family
            : V6_ADDRESS.matcher(text).find() ? Family.IPV6 : Family.IPV4;
        try {
          Ruleset rs = IptablesSaveReader.read(file, text, f);
          if (inv.line().hasOption("kube-proxy-jumps")) {
            try {
              rs = KubeProxyJumps.add(rs);
            } catch (IllegalArgumentException e) {
              inv.err().println(new Diagnostic(Code.PC8008, "--kube-proxy-jumps: "
                  + e.getMessage(), new SourcePos(file, 0, 0)));
              return Cli.POLICY_ERRORS;
            }
          }
          Ruleset none = new Ruleset(f == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
          sides[i] = new Side(new IrPolicy(file, null, List.of(),
              f == Family.IPV4 ? rs : none, f == Family.IPV6 ? rs : none), f);
        } catch (ParseException e) {
          inv.err().println(e.diagnostic());
          return Cli.POLICY_ERRORS;
        }
      } else {
        // read again from the file, not from its text: its include: paths are relative to it
        PolicyCompiler.ReadResult read = text == null ? inv.policies().read(file)
            : PolicyCompiler.read(Path.of(file));
        if (read.policy() == null) {
          read.diagnostics().forEach(inv.err()::println);
          return Cli.POLICY_ERRORS;
        }
        Compilation c = PolicyCompiler.compile(read.policy());
        if (!c.ok()) {
          c.diagnostics().stream().filter(d -> d.isError()).forEach(inv.err()::println);
          return Cli.POLICY_ERRORS;
        }
        sides[i] = new Side(c.ir(), null);
      }
    }
    IrPolicy[] irs = aligned(sides[0], sides[1]);
    Result r = Equivalence.compare(irs[0], irs[1]);
    List<String> ipvsOld = sides[0].ipvs() == null ? List.of() : sides[0].ipvs();
    List<String> ipvsNew = sides[1].ipvs() == null ? List.of() : sides[1].ipvs();
    List<String> removed = new ArrayList<>(ipvsOld);
    removed.removeAll(new HashSet<>(ipvsNew));
    List<String> added = new ArrayList<>(ipvsNew);
    added.removeAll(new HashSet<>(ipvsOld));
    boolean ipvs = sides[0].ipvs() != null || sides[1].ipvs() != null;
    boolean ipvsEqual = removed.isEmpty() && added.isEmpty();
    String oldName = inv.args().get(0);
    String newName = inv.args().get(1);
    switch (inv.format()) {
      case JSON -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("old", oldName);
        m.put("new", newName);
        m.put("result", r.status().name().toLowerCase(java.util.Locale.ROOT));
        if (r.reason() != null) {
          m.put("reason", r.reason());
        }
        m.put("differences", r.differences().stream().map(DiffText::json).toList());
        if (ipvs) {
          Map<String, Object> v = new LinkedHashMap<>();
          v.put("removed", removed);
          v.put("added", added);
          m.put("ipvs", v);
        }
        inv.out().print(Json.pretty(m));
      }
      case MARKDOWN -> {
        inv.out().print(DiffText.markdown(r, oldName, newName));
        if (!ipvsEqual) {
          inv.out().println();
          inv.out().println("IPVS rules (`ipvsadm -S -n`) changed:");
          inv.out().println();
          inv.out().println("```diff");
          removed.forEach(l -> inv.out().println("- " + l));
          added.forEach(l -> inv.out().println("+ " + l));
          inv.out().println("```");
        }
      }
      default -> {
        inv.out().print(DiffText.text(r));
        inv.out().println(switch (r.status()) {
          case EQUAL -> "no packet is decided differently";
          case DIFFERENT -> r.differences().size() + " "
              + Command.plural(r.differences().size(), "class", "classes")
              + " of packets decided differently"
              + (r.reason() == null ? "" : " (" + r.reason() + ")");
          case UNKNOWN -> "undecided: " + r.reason();
        });
        if (ipvs) {
          removed.forEach(l -> inv.out().println("ipvs - " + l));
          added.forEach(l -> inv.out().println("ipvs + " + l));
          inv.out().println(ipvsEqual ? "the IPVS rules are the same"
              : (removed.size() + added.size()) + " IPVS "
                  + Command.plural(removed.size() + added.size(), "line", "lines")
                  + " differ (removed -, added +)");
        }
      }
    }
    return r.equal() && ipvsEqual ? Cli.OK : Cli.POLICY_ERRORS;
  }

  /**
   * A folder that {@code policyc kube} or {@code policyc compile} wrote: its iptables.rules
   * and ip6tables.rules (one of them needed), with the sets of its ipset.rules, and the lines of its
   * ipvs.rules (read, so that a bad one is an error; compared as lines, in the form of
   * {@code ipvsadm -S -n}). Null, with the problem printed, when a file does not read.
   */
  private static Side folder(Invocation inv, String dir) {
    Path d = Path.of(dir);
    Path v4 = d.resolve("iptables.rules");
    Path v6 = d.resolve("ip6tables.rules");
    boolean has4 = Files.isRegularFile(v4);
    boolean has6 = Files.isRegularFile(v6);
    if (!has4 && !has6) {
      inv.err().println(new Diagnostic(Code.PC0010, "cannot read policy or iptables-save file:"
          + " is a directory without iptables.rules or ip6tables.rules (a folder side is what"
          + " policyc kube or compile -o wrote)", new SourcePos(dir, 0, 0)));
      return null;
    }
    Path sets = d.resolve("ipset.rules");
    Path ipvsRules = d.resolve("ipvs.rules");
    String at = v4.toString();
    try {
      Ruleset four = has4 ? IptablesSaveReader.read(at, InputText.read(v4), Family.IPV4)
          : new Ruleset(Family.IPV4, List.of());
      at = v6.toString();
      Ruleset six = has6 ? IptablesSaveReader.read(at, InputText.read(v6), Family.IPV6)
          : new Ruleset(Family.IPV6, List.of());
      if (inv.line().hasOption("kube-proxy-jumps")) {
        // an IPv6 kube folder (ip6tables.rules alone) takes the jumps in its own family
        four = has4 ? KubeProxyJumps.add(four) : four;
        six = has6 && !has4 ? KubeProxyJumps.add(six) : six;
      }
      at = sets.toString();
      List<IpSet> ipsets = Files.isRegularFile(sets)
          ? IpsetReader.read(at, InputText.read(sets)) : List.of();
      at = ipvsRules.toString();
      List<String> ipvs = null;
      if (Files.isRegularFile(ipvsRules)) {
        // read to check it; compared by its lines, the form ipvsadm -S -n (and policyc) writes
        String text = InputText.read(ipvsRules);
        IpvsadmReader.read(at, text);
        ipvs = text.lines().map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
      }
      IrPolicy ir = new IrPolicy(dir, null, ipsets, four, six);
      return new Side(ir, has4 && has6 ? null : has4 ? Family.IPV4 : Family.IPV6, ipvs);
    } catch (ParseException e) {
      inv.err().println(e.diagnostic());
    } catch (PolicyParseException e) {
      e.diagnostics().forEach(inv.err()::println);
    } catch (IllegalArgumentException e) {
      inv.err().println(new Diagnostic(Code.PC8008, "--kube-proxy-jumps: " + e.getMessage(),
          new SourcePos(at, 0, 0)));
    } catch (IOException e) {
      inv.err().println(new Diagnostic(Code.PC0010, "cannot read " + at + ": " + IoReason.of(e),
          new SourcePos(at, 0, 0)));
    }
    return null;
  }

  private static int unreadable(Invocation inv, String file, String reason) {
    // Line 0: the position is the file itself, printed as its name alone.
    inv.err().println(new Diagnostic(Code.PC0010, "cannot read policy or iptables-save file: "
        + reason, new SourcePos(file, 0, 0)));
    return Cli.POLICY_ERRORS;
  }

  /** Whether a file is iptables-save output: its first line that says something is a table. */
  static boolean isSaveFile(String text) {
    for (String line : text.lines().toList()) {
      String s = line.strip();
      if (!s.isEmpty() && !s.startsWith("#")) {
        return s.startsWith("*");
      }
    }
    return false;
  }

  /**
   * The two sides made comparable: a save file's side takes the policy side's host model and
   * ipsets (the file carries neither), and both keep only the save file's family.
   */
  private static IrPolicy[] aligned(Side a, Side b) {
    IrPolicy x = a.ir();
    IrPolicy y = b.ir();
    if (a.only() != null && b.only() == null) {
      x = new IrPolicy(x.name(), y.host(), y.sets(), x.ipv4(), x.ipv6());
    } else if (b.only() != null && a.only() == null) {
      y = new IrPolicy(y.name(), x.host(), x.sets(), y.ipv4(), y.ipv6());
    }
    Family only = a.only() != null ? a.only() : b.only();
    if (only != null) {
      x = keep(x, only);
      y = keep(y, only);
    }
    return new IrPolicy[] {x, y};
  }

  private static IrPolicy keep(IrPolicy p, Family f) {
    Ruleset none = new Ruleset(f == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
    return new IrPolicy(p.name(), p.host(), p.sets(), f == Family.IPV4 ? p.ipv4() : none,
        f == Family.IPV6 ? p.ipv6() : none);
  }
}
