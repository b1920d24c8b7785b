package dev.policyc.compiler.classbench;

import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a ClassBench filter set: one filter a line, in priority order,
 *
 * <pre>@SRC/LEN DST/LEN SPORT_LO : SPORT_HI DPORT_LO : DPORT_HI 0xPP/0xMM [0xFFFF/0xFFFF]</pre>
 *
 * <p>with blanks (tabs in the published sets) between the fields. The protocol mask is {@code
 * 0xFF} for one protocol or {@code 0x00} for any; the last field, TCP flags, is optional and
 * ignored. Blank lines and lines starting with {@code #} are skipped. Host bits of a prefix are
 * cleared, since a classifier compares addresses under the mask. Every malformed line is
 * reported, with the column of the field that is wrong.
 */
public final class ClassBenchReader {
  private ClassBenchReader() {}

  /** The filters read, and the problems found (errors, and PC8005 warnings). */
  public record Result(List<ClassBenchFilter> filters, List<Diagnostic> diagnostics) {
    public Result {
      filters = List.copyOf(filters);
      diagnostics = List.copyOf(diagnostics);
    }

    public boolean ok() {
      return diagnostics.stream().noneMatch(Diagnostic::isError);
    }
  }

  /** Reads the filter set {@code text}; {@code file} names it in diagnostics. */
  public static Result read(String file, String text) {
    List<ClassBenchFilter> filters = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
    int label = 0;
    int lineNo = 0;
    for (int start = 0; start < text.length(); ) {
      int end = text.indexOf('\n', start);
      end = end < 0 ? text.length() : end;
      String line = text.substring(start, end > start && text.charAt(end - 1) == '\r'
          ? end - 1 : end);
      start = end + 1;
      lineNo++;
      String content = line.strip();
      if (content.isEmpty() || content.startsWith("#")) {
        continue;
      }
      label++;
      try {
        ClassBenchFilter f = filter(new LineCursor(line), label, lineNo, file, diagnostics);
        filters.add(f);
      } catch (LineCursor.Bad b) {
        diagnostics.add(b.at(file, lineNo));
      }
    }
    return new Result(filters, diagnostics);
  }

  private static ClassBenchFilter filter(LineCursor c, int label, int lineNo, String file,
      List<Diagnostic> diagnostics) throws LineCursor.Bad {
    c.skipBlanks();
    c.expect('@', Code.PC8001, "'@' starting a filter");
    long src = address(c, "source address");
    int srcLen = prefixLength(c);
    c.blanksBefore(Code.PC8001, "the destination address");
    long dst = address(c, "destination address");
    int dstLen = prefixLength(c);
    c.blanksBefore(Code.PC8001, "the source port range");
    int sportColumn = c.column();
    int[] sport = portRange(c, "source port");
    c.blanksBefore(Code.PC8001, "the destination port range");
    int dportColumn = c.column();
    int[] dport = portRange(c, "destination port");
    c.blanksBefore(Code.PC8001, "the protocol");
    int protoColumn = c.column();
    long proto = c.hex(2, Code.PC8004, "protocol");
    c.expect('/', Code.PC8004, "'/' and the protocol mask");
    int maskColumn = c.column();
    long mask = c.hex(2, Code.PC8004, "protocol mask");
    if (mask != 0 && mask != 0xFF) {
      throw new LineCursor.Bad(Code.PC8004, maskColumn, String.format(Locale.ROOT,
          "protocol mask 0x%02X must be 0xFF (one protocol) or 0x00 (any)", mask));
    }
    int p = (int) (proto & mask);
    if (mask == 0xFF && p == 0) {
      throw new LineCursor.Bad(Code.PC8004, protoColumn, "protocol 0 cannot be matched alone:"
          + " iptables reads '-p 0' as every protocol (write 0x00/0x00 for any)");
    }
    if (mask == 0xFF && p == Protocols.ICMPV6) {
      throw new LineCursor.Bad(Code.PC8004, protoColumn, "protocol 58 (ipv6-icmp) is IPv6"
          + " only in policies, and ClassBench filters are IPv4");
    }
    boolean blanks = c.skipBlanks();
    if (!c.atEnd()) {
      if (!blanks) {
        throw new LineCursor.Bad(Code.PC8001, c.column(),
            "expected blanks before the flags, found " + c.found());
      }
      c.hex(4, Code.PC8001, "TCP flags");
      c.expect('/', Code.PC8001, "'/' and the TCP flags mask");
      c.hex(4, Code.PC8001, "TCP flags mask");
      c.skipBlanks();
      if (!c.atEnd()) {
        throw new LineCursor.Bad(Code.PC8001, c.column(),
            "unexpected " + c.found() + " after the last field");
      }
    }
    ClassBenchFilter f = new ClassBenchFilter(label, lineNo, src, srcLen, dst, dstLen, sport[0],
        sport[1], dport[0], dport[1], p, (int) mask);
    if (f.matchesNothing()) {
      boolean sportRestricted = f.sportLo() != 0 || f.sportHi() != ClassBenchFilter.MAX_PORT;
      diagnostics.add(new Diagnostic(Code.PC8005, "protocol " + Protocols.name(p)
          + " has no ports, so no packet can match the port ranges of filter " + label
          + "; it is left out (policyc matches ports of tcp, udp, sctp and dccp)",
          new SourcePos(file, lineNo, sportRestricted ? sportColumn : dportColumn)));
    }
    return f;
  }

  private static long address(LineCursor c, String what) throws LineCursor.Bad {
    long a = 0;
    for (int i = 0; i < 4; i++) {
      if (i > 0) {
        c.expect('.', Code.PC8002, "'.' in the " + what);
      }
      int column = c.column();
      long octet = c.decimal(3, Code.PC8002, "a number of the " + what);
      if (octet > 255) {
        throw new LineCursor.Bad(Code.PC8002, column, "'" + octet + "' in the " + what
            + " is above 255");
      }
      a = a << 8 | octet;
    }
    return a;
  }

  private static int prefixLength(LineCursor c) throws LineCursor.Bad {
    c.expect('/', Code.PC8002, "'/' and a prefix length");
    int column = c.column();
    long len = c.decimal(2, Code.PC8002, "a prefix length");
    if (len > 32) {
      throw new LineCursor.Bad(Code.PC8002, column, "prefix length " + len + " is above 32");
    }
    return (int) len;
  }

  private static int[] portRange(LineCursor c, String what) throws LineCursor.Bad {
    int loColumn = c.column();
    long lo = port(c, what);
    c.skipBlanks();
    c.expect(':', Code.PC8003, "':' between the low and high " + what);
    c.skipBlanks();
    long hi = port(c, what);
    if (lo > hi) {
      throw new LineCursor.Bad(Code.PC8003, loColumn, what + " range " + lo + " : " + hi
          + " runs backwards");
    }
    return new int[] {(int) lo, (int) hi};
  }

  private static long port(LineCursor c, String what) throws LineCursor.Bad {
    int column = c.column();
    long v = c.decimal(5, Code.PC8003, "a " + what);
    if (v > ClassBenchFilter.MAX_PORT) {
      throw new LineCursor.Bad(Code.PC8003, column, what + " " + v + " is above 65535");
    }
    return v;
  }
}
