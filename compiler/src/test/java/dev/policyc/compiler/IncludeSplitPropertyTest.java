package dev.policyc.compiler;

import dev.policyc.dsl.testing.Property;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Splitting a policy's objects and rules across included files changes nothing that is emitted:
 * a random policy's groups are spread over a random tree of included files, and a random run of
 * its rules becomes a fragment in one of them, placed where the rules stood; both forms compile
 * to the same iptables and ip6tables rules, byte for byte (docs/policy-format.md, "Composition
 * across files").
 */
class IncludeSplitPropertyTest {
  @TempDir Path tmp;

  /** A policy: its object lines by kind, rules, and where each piece goes. */
  record Case(List<String> networks, List<String> services, List<String> rules,
      int[] networkFile, int[] serviceFile, int files, int[] parent, int fragFrom, int fragTo,
      int fragFile) {}

  private static Case generate(Random r) {
    List<String> networks = new ArrayList<>();
    int n = 1 + r.nextInt(5);
    for (int i = 0; i < n; i++) {
      String own = r.nextBoolean() ? "10." + r.nextInt(200) + ".0.0/16"
          : "\"2001:db8:" + Integer.toHexString(r.nextInt(4000)) + "::/48\"";
      networks.add("net" + i + ": [" + (i > 0 && r.nextBoolean() ? "net" + r.nextInt(i) + ", "
          : "") + own + "]");
    }
    List<String> services = new ArrayList<>();
    int m = 1 + r.nextInt(4);
    for (int i = 0; i < m; i++) {
      services.add("svc" + i + ": [" + (r.nextBoolean() ? "tcp" : "udp") + "/"
          + (1 + r.nextInt(65000)) + (r.nextBoolean() ? ", tcp/" + (1 + r.nextInt(1024)) : "")
          + "]");
    }
    List<String> rules = new ArrayList<>();
    int k = 1 + r.nextInt(8);
    for (int i = 0; i < k; i++) {
      rules.add("{ match: { " + (r.nextBoolean() ? "src" : "dst") + ": net" + r.nextInt(n)
          + ", service: svc" + r.nextInt(m) + " }, action: "
          + List.of("accept", "drop", "reject").get(r.nextInt(3)) + " }");
    }
    int files = 1 + r.nextInt(4);
    int[] parent = new int[files];
    for (int i = 1; i < files; i++) {
      parent[i] = r.nextInt(i);
    }
    int[] nf = r.ints(n, 0, files).toArray();
    int[] sf = r.ints(m, 0, files).toArray();
    int from = r.nextInt(k + 1);
    int to = from + r.nextInt(k - from + 1);
    return new Case(networks, services, rules, nf, sf, files, parent, from, to,
        r.nextInt(files));
  }

  /** File name → text of the one-file form ({@code one.yaml}) or the split form. */
  private static Map<String, String> texts(Case c, boolean split) {
    Map<String, String> out = new LinkedHashMap<>();
    List<StringBuilder> f = new ArrayList<>();
    for (int i = 0; i < (split ? c.files() : 1); i++) {
      f.add(new StringBuilder(i == 0 ? "policy: p\n" : ""));
    }
    if (split) {
      for (int i = 0; i < c.files(); i++) {
        StringBuilder inc = new StringBuilder();
        for (int j = 1; j < c.files(); j++) {
          if (c.parent()[j] == i) {
            inc.append(inc.length() == 0 ? "" : ", ").append("lib" + j + ".yaml");
          }
        }
        if (inc.length() > 0) {
          f.get(i).append("include: [").append(inc).append("]\n");
        }
      }
    }
    for (int i = 0; i < f.size(); i++) {
      StringBuilder b = f.get(i);
      b.append("objects:\n  networks:\n");
      for (int j = 0; j < c.networks().size(); j++) {
        if (!split || c.networkFile()[j] == i) {
          b.append("    ").append(c.networks().get(j)).append('\n');
        }
      }
      b.append("  services:\n");
      for (int j = 0; j < c.services().size(); j++) {
        if (!split || c.serviceFile()[j] == i) {
          b.append("    ").append(c.services().get(j)).append('\n');
        }
      }
      if (split && i == c.fragFile()) {
        b.append("fragments:\n  frag:\n");
        for (String rule : c.rules().subList(c.fragFrom(), c.fragTo())) {
          b.append("    - ").append(rule).append('\n');
        }
      }
    }
    StringBuilder role = f.get(0);
    role.append("filter:\n  INPUT:\n    policy: DROP\n    rules:\n");
    for (int i = 0; i <= c.rules().size(); i++) {
      if (split && i == c.fragFrom()) {
        role.append("      - { fragment: frag }\n");
      }
      if (i < c.rules().size() && (!split || i < c.fragFrom() || i >= c.fragTo())) {
        role.append("      - ").append(c.rules().get(i)).append('\n');
      }
    }
    for (int i = 0; i < f.size(); i++) {
      out.put(i == 0 ? (split ? "policy.yaml" : "one.yaml") : "lib" + i + ".yaml",
          f.get(i).toString());
    }
    return out;
  }

  private int trial;

  private String check(Case c) {
    try {
      Path dir = Files.createDirectories(tmp.resolve("t" + trial++));
      Files.writeString(dir.resolve(".policyc-root"), "");
      for (Map.Entry<String, String> e : texts(c, true).entrySet()) {
        Files.writeString(dir.resolve(e.getKey()), e.getValue());
      }
      Files.writeString(dir.resolve("one.yaml"), texts(c, false).get("one.yaml"));
      Map<String, String> one = compile(dir.resolve("one.yaml"));
      Map<String, String> split = compile(dir.resolve("policy.yaml"));
      for (String f : List.of(PolicyCompiler.IPTABLES, PolicyCompiler.IP6TABLES)) {
        if (!one.get(f).equals(split.get(f))) {
          return f + " differs:\n" + one.get(f) + "\n---- split:\n" + split.get(f);
        }
      }
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> compile(Path file) {
    PolicyCompiler.ReadResult r = PolicyCompiler.read(file);
    if (r.policy() == null) {
      throw new AssertionError(file + ": " + r.diagnostics());
    }
    Compilation c = PolicyCompiler.compile(r.policy());
    if (!c.ok()) {
      throw new AssertionError(file + ": " + c.diagnostics());
    }
    return c.files();
  }

  @Test
  void splittingAcrossIncludedFilesEmitsTheSameRules() {
    Property.forAll("include split", Property.seed(20261206L), Property.trials(60),
        IncludeSplitPropertyTest::generate, this::check, c -> List.of(),
        c -> texts(c, true).toString() + "\n" + texts(c, false));
  }
}
