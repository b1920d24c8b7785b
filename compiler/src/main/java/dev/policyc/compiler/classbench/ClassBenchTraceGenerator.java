package dev.policyc.compiler.classbench;

import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates a ClassBench trace for a filter set, the same for the same set, size and seed:
 *
 * <pre>java -cp compiler/target/policyc-compiler.jar \
 *     dev.policyc.compiler.classbench.ClassBenchTraceGenerator \
 *     --filters SET --packets 10000 --seed 1</pre>
 *
 * <p>Half the packets lie inside the box of a filter drawn at random (every field uniform in the
 * filter's range), a quarter at its edges (each field at the low or high end, or one past it),
 * and a quarter are uniform over the whole header space. A packet for a filter of any protocol
 * takes TCP or UDP mostly, and sometimes ICMP, SCTP, DCCP, UDP-Lite, GRE or another protocol, so
 * that the port semantics of such filters are exercised. Lines are {@code SRC DST SPORT DPORT
 * PROTO 0 FILTER}, tab-separated: FILTER is the label of the filter the packet was drawn from
 * (0 for uniform ones), which need not be the first filter it matches.
 */
public final class ClassBenchTraceGenerator {
  private static final int[] ANY_PROTOCOLS = {Protocols.TCP, Protocols.TCP, Protocols.TCP,
      Protocols.UDP, Protocols.UDP, Protocols.ICMP, Protocols.SCTP, Protocols.DCCP,
      Protocols.UDPLITE, 47};

  private final Random random;

  private ClassBenchTraceGenerator(long seed) {
    this.random = new Random(seed);
  }

  /** One generated packet header, and the label of the filter it was drawn from (0: none). */
  public record Header(long src, long dst, int sport, int dport, int proto, int from) {
    /** The header as a trace line, without its line end. */
    public String line() {
      return src + "\t" + dst + "\t" + sport + "\t" + dport + "\t" + proto + "\t0\t" + from;
    }
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command line; returns the exit status (0 ok, 1 a bad filter set, 2 usage). */
  static int run(String[] args, PrintStream out, PrintStream err) {
    String file;
    int packets;
    long seed;
    try {
      GeneratorArgs a = new GeneratorArgs(args, List.of("--filters", "--packets", "--seed"));
      file = a.text("--filters", null);
      packets = (int) a.number("--packets", null, 0, 100_000_000);
      seed = a.number("--seed", 1L, Long.MIN_VALUE, Long.MAX_VALUE);
    } catch (IllegalArgumentException e) {
      err.println("ClassBenchTraceGenerator: " + e.getMessage());
      err.println("usage: ClassBenchTraceGenerator --filters SET --packets N [--seed S]   (the"
          + " trace on standard output; seed 1 by default)");
      return 2;
    }
    String text;
    try {
      text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException | InvalidPathException e) {
      err.println("ClassBenchTraceGenerator: cannot read " + file + ": " + e.getMessage());
      return 1;
    }
    ClassBenchReader.Result set = ClassBenchReader.read(file, text);
    if (!set.ok()) {
      set.diagnostics().stream().filter(Diagnostic::isError).forEach(err::println);
      return 1;
    }
    try {
      Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
      for (Header h : generate(set.filters(), packets, seed)) {
        w.write(h.line());
        w.write('\n');
      }
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return 0;
  }

  /** {@code packets} headers for {@code filters}. */
  public static List<Header> generate(List<ClassBenchFilter> filters, int packets, long seed) {
    ClassBenchTraceGenerator g = new ClassBenchTraceGenerator(seed);
    List<Header> out = new ArrayList<>(packets);
    for (int i = 0; i < packets; i++) {
      int kind = filters.isEmpty() ? 3 : g.random.nextInt(4);
      if (kind == 3) {
        out.add(g.uniform());
      } else {
        ClassBenchFilter f = filters.get(g.random.nextInt(filters.size()));
        out.add(kind == 2 ? g.edge(f) : g.inside(f));
      }
    }
    return out;
  }

  private Header inside(ClassBenchFilter f) {
    return new Header(f.src() | hostBits(f.srcLen()), f.dst() | hostBits(f.dstLen()),
        between(f.sportLo(), f.sportHi()), between(f.dportLo(), f.dportHi()), protocol(f),
        f.label());
  }

  private Header edge(ClassBenchFilter f) {
    long srcHi = f.src() | (~ClassBenchFilter.mask(f.srcLen()) & 0xffffffffL);
    long dstHi = f.dst() | (~ClassBenchFilter.mask(f.dstLen()) & 0xffffffffL);
    int proto = random.nextInt(10) == 0 ? otherProtocol(f) : protocol(f);
    return new Header(end(f.src(), srcHi, 0xffffffffL), end(f.dst(), dstHi, 0xffffffffL),
        (int) end(f.sportLo(), f.sportHi(), ClassBenchFilter.MAX_PORT),
        (int) end(f.dportLo(), f.dportHi(), ClassBenchFilter.MAX_PORT), proto, f.label());
  }

  private Header uniform() {
    int r = random.nextInt(10);
    int proto = r < 4 ? Protocols.TCP : r < 7 ? Protocols.UDP : r < 8 ? Protocols.ICMP
        : random.nextInt(256);
    return new Header(random.nextInt() & 0xffffffffL, random.nextInt() & 0xffffffffL,
        random.nextInt(ClassBenchFilter.MAX_PORT + 1),
        random.nextInt(ClassBenchFilter.MAX_PORT + 1), proto, 0);
  }

  /** The low or high end of {@code [lo, hi]}, or one past either when that is in the field. */
  private long end(long lo, long hi, long max) {
    int r = random.nextInt(10);
    if (r == 0 && lo > 0) {
      return lo - 1;
    } else if (r == 1 && hi < max) {
      return hi + 1;
    }
    return r < 6 ? lo : hi;
  }

  private long hostBits(int len) {
    return random.nextInt() & 0xffffffffL & ~ClassBenchFilter.mask(len);
  }

  private int between(int lo, int hi) {
    return lo + random.nextInt(hi - lo + 1);
  }

  private int protocol(ClassBenchFilter f) {
    return f.anyProtocol() ? ANY_PROTOCOLS[random.nextInt(ANY_PROTOCOLS.length)] : f.proto();
  }

  /** A protocol the filter does not name: tcp and udp trade places, others become tcp. */
  private int otherProtocol(ClassBenchFilter f) {
    if (f.anyProtocol()) {
      return random.nextInt(256);
    }
    return f.proto() == Protocols.TCP ? Protocols.UDP : Protocols.TCP;
  }
}
