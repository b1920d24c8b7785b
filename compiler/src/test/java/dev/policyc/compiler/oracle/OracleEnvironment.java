package dev.policyc.compiler.oracle;

import dev.policyc.compiler.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Whether this machine can run the kernel oracle, and what kernel and iptables it has. */
final class OracleEnvironment {
  private OracleEnvironment() {}

  static String unavailableReason() {
    String base = Netns.unavailableReason();
    if (base != null) {
      return base;
    }
    for (String tool : List.of("nft", "conntrack")) {
      if (!Files.isExecutable(Path.of("/usr/sbin", tool))) {
        return "the kernel oracle needs '" + tool + "' (apt-get install nftables conntrack)";
      }
    }
    try {
      Netns.Result r = Netns.exec(List.of("/usr/bin/python3", "-c", "import scapy.all"), true);
      if (r.code() != 0) {
        return "the kernel oracle needs scapy for /usr/bin/python3 (apt-get install"
            + " python3-scapy)";
      }
    } catch (IOException e) {
      return "the kernel oracle needs /usr/bin/python3 with scapy: " + e.getMessage();
    }
    return null;
  }

  static String kernel() {
    try {
      return "Linux " + Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    } catch (IOException e) {
      return "Linux (unknown release)";
    }
  }

  static String iptables() {
    try {
      return Netns.exec(List.of("iptables", "-V"), true).out().strip();
    } catch (IOException e) {
      return "iptables (unknown version)";
    }
  }
}
