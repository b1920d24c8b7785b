package dev.policyc.compiler.classbench;

import dev.policyc.compiler.ir.Protocols;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Generates ClassBench filter sets shaped like access control lists, the same set for the same
 * size and seed on every machine and JDK ({@link Random}'s sequence is specified):
 *
 * <pre>java -cp compiler/target/policyc-compiler.jar \
 *     dev.policyc.compiler.classbench.ClassBenchGenerator --rules 10000 --seed 1</pre>
 *
 * <p>The shape follows the published acl sets: addresses come from a few hundred sites and
 * repeat (many filters for one server, one filter per port), most prefixes are hosts ({@code
 * /32}, {@code /31}) with subnets and a few wildcards; most filters are TCP to one destination
 * port, some to a port range ({@code 1024 : 65535}, a block of application ports), few restrict
 * the source port; some are UDP, ICMP, GRE, ESP or OSPF, and about one in eight is for any
 * protocol, a fifth of those with destination ports. Broad filters (fewer than 24 prefix bits in
 * all) come after the others, as in a hand-written list. No two filters are equal. The flags
 * column is always {@code 0x0000/0x0000}.
 */
public final class ClassBenchGenerator {
  /** Destination ports of services, the common ones first (they are drawn more often). */
  private static final int[] SERVICE_PORTS = {80, 443, 1521, 22, 25, 53, 21, 23, 1433, 8080,
      110, 143, 135, 139, 445, 161, 3306, 3389, 5432, 123, 389, 636, 993, 995, 5060, 6000,
      1526, 1723, 2049, 5555, 8443, 9000, 27017, 11211};
  /** Source ports that filters restrict: replies of DNS, NTP, SNMP, FTP data. */
  private static final int[] SOURCE_PORTS = {53, 123, 161, 20, 88, 500};
  private static final int GRE = 47;
  private static final int ESP = 50;
  private static final int OSPF = 89;

  private final Random random;
  private final long[] sites;
  private final List<Long> srcHosts = new ArrayList<>();
  private final List<Long> dstHosts = new ArrayList<>();
  private final int srcPoolSize;
  private final int dstPoolSize;

  private ClassBenchGenerator(int rules, long seed) {
    this.random = new Random(seed);
    this.sites = new long[Math.max(4, rules / 40)];
    for (int i = 0; i < sites.length; i++) {
      // first octets 1-223: neither 0/8, nor multicast and reserved space; a /16 per site
      sites[i] = (long) (1 + random.nextInt(223)) << 24 | (long) random.nextInt(256) << 16;
    }
    this.srcPoolSize = Math.max(8, rules / 4);
    this.dstPoolSize = Math.max(8, rules / 10);
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command line; returns the exit status (0 ok, 2 usage). */
  static int run(String[] args, PrintStream out, PrintStream err) {
    int rules;
    long seed;
    try {
      GeneratorArgs a = new GeneratorArgs(args, List.of("--rules", "--seed"));
      rules = (int) a.number("--rules", null, 0, 10_000_000);
      seed = a.number("--seed", 1L, Long.MIN_VALUE, Long.MAX_VALUE);
    } catch (IllegalArgumentException e) {
      err.println("ClassBenchGenerator: " + e.getMessage());
      err.println("usage: ClassBenchGenerator --rules N [--seed S]   (the set on standard"
          + " output; seed 1 by default)");
      return 2;
    }
    try {
      Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
      for (ClassBenchFilter f : generate(rules, seed)) {
        w.write(f.text());
        w.write('\n');
      }
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return 0;
  }

  /** A set of {@code rules} filters, labelled 1 to {@code rules} in order. */
  public static List<ClassBenchFilter> generate(int rules, long seed) {
    if (rules < 0) {
      throw new IllegalArgumentException("rules must not be negative: " + rules);
    }
    ClassBenchGenerator g = new ClassBenchGenerator(rules, seed);
    List<ClassBenchFilter> drawn = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    while (drawn.size() < rules) {
      ClassBenchFilter f = g.filter();
      if (seen.add(f.text())) {
        drawn.add(f);
      }
    }
    // Broad filters last, as a person writes a list (stable: the rest keep their draw order).
    drawn.sort(Comparator.comparing(f -> f.srcLen() + f.dstLen() < 24));
    List<ClassBenchFilter> out = new ArrayList<>(drawn.size());
    for (ClassBenchFilter f : drawn) {
      out.add(new ClassBenchFilter(out.size() + 1, 0, f.src(), f.srcLen(), f.dst(), f.dstLen(),
          f.sportLo(), f.sportHi(), f.dportLo(), f.dportHi(), f.proto(), f.protoMask()));
    }
    return out;
  }

  private ClassBenchFilter filter() {
    int srcLen = prefixLength(new int[] {32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20,
        16, 8, 0}, new int[] {50, 10, 3, 3, 2, 2, 1, 1, 8, 4, 3, 2, 1, 4, 1, 5});
    int dstLen = prefixLength(new int[] {32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20,
        16, 8, 0}, new int[] {50, 10, 4, 3, 2, 2, 2, 1, 6, 4, 5, 3, 2, 3, 1, 2});
    long src = address(srcHosts, srcPoolSize) & ClassBenchFilter.mask(srcLen);
    long dst = address(dstHosts, dstPoolSize) & ClassBenchFilter.mask(dstLen);
    int proto = protocol();
    int[] sport = {0, ClassBenchFilter.MAX_PORT};
    int[] dport = {0, ClassBenchFilter.MAX_PORT};
    if (proto == Protocols.TCP || proto == Protocols.UDP) {
      sport = sourcePorts();
      dport = destinationPorts();
    } else if (proto == 0 && random.nextInt(5) == 0) {
      dport = destinationPorts();
    }
    return new ClassBenchFilter(1, 0, src, srcLen, dst, dstLen, sport[0], sport[1], dport[0],
        dport[1], proto, proto == 0 ? 0 : 0xFF);
  }

  private int prefixLength(int[] lengths, int[] weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int r = random.nextInt(total);
    for (int i = 0; i < lengths.length; i++) {
      r -= weights[i];
      if (r < 0) {
        return lengths[i];
      }
    }
    throw new AssertionError("weights");
  }

  /**
   * An address: mostly one already used (the lower indexes more often, so that a few hosts
   * appear in many filters), else a new host of a site, kept while the pool has room.
   */
  private long address(List<Long> pool, int poolSize) {
    if (!pool.isEmpty() && random.nextInt(10) < 7) {
      return pool.get(skewed(pool.size()));
    }
    long a = sites[skewed(sites.length)] | random.nextInt(1 << 16);
    if (pool.size() < poolSize) {
      pool.add(a);
    }
    return a;
  }

  /** An index below {@code n}, small ones more likely (the square of a uniform draw). */
  private int skewed(int n) {
    double u = random.nextDouble();
    return (int) (u * u * n);
  }

  private int protocol() {
    int r = random.nextInt(100);
    if (r < 70) {
      return Protocols.TCP;
    } else if (r < 80) {
      return Protocols.UDP;
    } else if (r < 84) {
      return Protocols.ICMP;
    } else if (r < 97) {
      return 0;
    }
    return new int[] {GRE, ESP, OSPF}[random.nextInt(3)];
  }

  private int[] sourcePorts() {
    int r = random.nextInt(100);
    if (r < 92) {
      return new int[] {0, ClassBenchFilter.MAX_PORT};
    } else if (r < 96) {
      int p = SOURCE_PORTS[random.nextInt(SOURCE_PORTS.length)];
      return new int[] {p, p};
    }
    return new int[] {1024, ClassBenchFilter.MAX_PORT};
  }

  private int[] destinationPorts() {
    int r = random.nextInt(100);
    if (r < 25) {
      return new int[] {0, ClassBenchFilter.MAX_PORT};
    } else if (r < 65) {
      int p = SERVICE_PORTS[skewed(SERVICE_PORTS.length)];
      return new int[] {p, p};
    } else if (r < 77) {
      int p = 1024 + random.nextInt(49152 - 1024);
      return new int[] {p, p};
    } else if (r < 87) {
      return random.nextBoolean() ? new int[] {1024, ClassBenchFilter.MAX_PORT}
          : new int[] {0, 1023};
    }
    int span = new int[] {1, 9, 49, 99, 999}[random.nextInt(5)];
    int lo = 1024 + random.nextInt(60000 - span);
    return new int[] {lo, lo + span};
  }
}
