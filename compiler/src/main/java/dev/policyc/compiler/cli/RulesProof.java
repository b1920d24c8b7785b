package dev.policyc.compiler.cli;

import dev.policyc.compiler.Proofs;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Ruleset;
import dev.policyc.compiler.kube.KubeProxyJumps;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.compiler.verify.Equivalence;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import dev.policyc.dsl.yaml.InputText;
import dev.policyc.dsl.yaml.PolicyParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code policyc verify RULES}: an iptables-save or iptables-restore text (kube-proxy's payload
 * as {@code policyc kube} writes it, a saved firewall) is a policy like any other, and what
 * there is to prove of it is that the text policyc's emitter writes for the rules it read (the
 * text {@code compile} would load) decides every packet as those rules do. The sets the rules
 * name come from {@code --ipsets}; {@code --kube-proxy-jumps} adds kube-proxy's own jumps.
 */
final class RulesProof {
  /** Returned when the file is a policy, not RULES. */
  static final Proofs.Proof POLICY = new Proofs.Proof("(a policy)", null, 0);

  private RulesProof() {}

  /**
   * The proof for a RULES file; {@link #POLICY} when the file is a policy (to be compiled and
   * verified as one); null, with the problem printed, when it cannot be read or proved.
   */
  static Proofs.Proof of(Invocation inv, String file, boolean levelGiven) {
    boolean ruleOptions = inv.line().hasOption("ipsets")
        || inv.line().hasOption("kube-proxy-jumps");
    String text = null;
    if (!file.equals("-") && !file.equals(PolicyInput.STDIN)) {
      try {
        Path p = Path.of(file);
        if (Files.isRegularFile(p)) {
          text = InputText.read(p);
        }
      } catch (PolicyParseException | IOException | InvalidPathException e) {
        text = null; // the policy reader says what is wrong with it
      }
    }
    if (text == null || !DiffCommand.isSaveFile(text)) {
      if (ruleOptions) {
        inv.err().println(new Diagnostic(Code.PC8008, "--ipsets and --kube-proxy-jumps go with"
            + " RULES (an iptables-save or iptables-restore text), not a policy",
            new SourcePos(file, 0, 0)));
        return null;
      }
      return POLICY;
    }
    if (levelGiven) {
      inv.err().println(new Diagnostic(Code.PC8008, "-O goes with a policy: RULES are proved as"
          + " written", new SourcePos(file, 0, 0)));
      return null;
    }
    Family f = DiffCommand.V6_ADDRESS.matcher(text).find() ? Family.IPV6 : Family.IPV4;
    try {
      Ruleset rs = IptablesSaveReader.read(file, text, f);
      if (inv.line().hasOption("kube-proxy-jumps")) {
        rs = KubeProxyJumps.add(rs);
      }
      List<IpSet> sets = List.of();
      if (inv.line().hasOption("ipsets")) {
        sets = OptionFile.read(inv, "ipsets", IpsetReader::read);
        if (sets == null) {
          return null;
        }
      }
      Ruleset none = new Ruleset(f == Family.IPV4 ? Family.IPV6 : Family.IPV4, List.of());
      IrPolicy read = new IrPolicy(file, null, sets, f == Family.IPV4 ? rs : none,
          f == Family.IPV6 ? rs : none);
      return Proofs.reEmitted(read, Equivalence.DEFAULT_BUDGET,
          inv.line().hasOption("exhaustive"));
    } catch (ParseException e) {
      inv.err().println(e.diagnostic());
    } catch (IllegalArgumentException e) {
      // the emitter or KubeProxyJumps refuses what it cannot write or join
      inv.err().println(new Diagnostic(Code.PC8008, e.getMessage(), new SourcePos(file, 0, 0)));
    }
    return null;
  }
}
