package dev.policyc.compiler.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.policyc.compiler.PolicyCompiler;
import dev.policyc.compiler.interp.FlowLine;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.parse.IpsetReader;
import dev.policyc.compiler.parse.IptablesSaveReader;
import dev.policyc.compiler.parse.ParseException;
import dev.policyc.dsl.Family;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz targets of the front ends: the YAML policy reader (and the checks of what it reads), the
 * {@code iptables-save} and {@code ipset} readers and the packet and flow-line syntax. The only
 * failure a front end may answer any text with is its own: diagnostics, a {@link
 * ParseException}, a {@link Packet.SyntaxError}; any other exception is a crash Jazzer reports.
 *
 * <p>Without {@code JAZZER_FUZZ} each target runs once per file of its regression corpus ({@code
 * FrontEndFuzzTestInputs/METHOD/} under the test resources), fast, in CI; with it, a timed
 * campaign (docs/fuzzing.md).
 */
class FrontEndFuzzTest {
  @FuzzTest(maxDuration = "2m")
  void yamlPolicy(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    PolicyCompiler.ReadResult read = PolicyCompiler.read("fuzz.yaml", text);
    if (read.policy() != null) {
      PolicyCompiler.check(read.policy());
    }
  }

  @FuzzTest(maxDuration = "2m")
  void iptablesSave(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    for (Family f : Family.values()) {
      try {
        IptablesSaveReader.read("fuzz.rules", text, f);
      } catch (ParseException e) {
        // the reader's own refusal, with its diagnostic
        e.diagnostic();
      }
    }
    try {
      IpsetReader.read("fuzz.ipset", text);
    } catch (ParseException e) {
      e.diagnostic();
    }
  }

  @FuzzTest(maxDuration = "2m")
  void packet(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    for (String line : text.split("\n", -1)) {
      try {
        Packet.parse(line).toString();
      } catch (Packet.SyntaxError e) {
        // the parser's own refusal, with its column
      }
      try {
        FlowLine.parse(line);
      } catch (Packet.SyntaxError e) {
        // as for a packet
      }
    }
  }
}
