package dev.policyc.compiler.classbench;

import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a ClassBench trace: one packet header a line, as blank-separated unsigned decimal
 * numbers {@code SRC DST SPORT DPORT PROTO …}, addresses as 32-bit integers; further columns (the
 * published tools add flags and a filter number) are ignored. Blank lines and lines starting
 * with {@code #} are skipped.
 */
public final class ClassBenchTraceReader {
  private ClassBenchTraceReader() {}

  /** One packet header of a trace, and the line it was read from. */
  public record TracePacket(int line, long src, long dst, int sport, int dport, int proto) {
    /**
     * The packet as the interpreter takes it: a new connection's first packet arriving on
     * {@link ClassBenchImporter#INTERFACE} for the host, so it meets the rules of {@link
     * ClassBenchImporter#CHAIN}. Its ports count only for protocols that have ports (for
     * others, as for netfilter, they do not exist); an ICMP packet is an echo request and a TCP
     * packet a SYN.
     */
    public Packet packet() {
      Packet p = new Packet(Family.IPV4, IpAddr.v4(src), IpAddr.v4(dst), proto, 0, 0,
          proto == Protocols.ICMP ? 8 : 0, 0, proto == Protocols.TCP ? TcpFlag.SYN.bit() : 0,
          ClassBenchImporter.INTERFACE, null, ConnState.NEW, 0, 0, 0,
          Packet.defaultLength(Family.IPV4, proto), 64, false, 0, 0);
      return p.hasPorts() ? p.withSrc(p.src(), sport).withDst(p.dst(), dport) : p;
    }
  }

  /** The packets read, and the problems found. */
  public record Result(List<TracePacket> packets, List<Diagnostic> diagnostics) {
    public Result {
      packets = List.copyOf(packets);
      diagnostics = List.copyOf(diagnostics);
    }

    public boolean ok() {
      return diagnostics.isEmpty();
    }
  }

  /** Reads the trace {@code text}; {@code file} names it in diagnostics. */
  public static Result read(String file, String text) {
    List<TracePacket> packets = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
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
      try {
        packets.add(packet(new LineCursor(line), lineNo));
      } catch (LineCursor.Bad b) {
        diagnostics.add(b.at(file, lineNo));
      }
    }
    return new Result(packets, diagnostics);
  }

  private static TracePacket packet(LineCursor c, int lineNo) throws LineCursor.Bad {
    c.skipBlanks();
    long src = field(c, 10, 0xffffffffL, "source address");
    c.blanksBefore(Code.PC8006, "the destination address");
    long dst = field(c, 10, 0xffffffffL, "destination address");
    c.blanksBefore(Code.PC8006, "the source port");
    long sport = field(c, 5, 65535, "source port");
    c.blanksBefore(Code.PC8006, "the destination port");
    long dport = field(c, 5, 65535, "destination port");
    c.blanksBefore(Code.PC8006, "the protocol");
    long proto = field(c, 3, 255, "protocol");
    if (!c.atEnd() && !c.skipBlanks()) {
      throw new LineCursor.Bad(Code.PC8006, c.column(),
          "expected blanks after the protocol, found " + c.found());
    }
    return new TracePacket(lineNo, src, dst, (int) sport, (int) dport, (int) proto);
  }

  private static long field(LineCursor c, int digits, long max, String what)
      throws LineCursor.Bad {
    int column = c.column();
    long v = c.decimal(digits, Code.PC8006, "the " + what + " (an unsigned decimal number)");
    if (v > max) {
      throw new LineCursor.Bad(Code.PC8006, column, what + " " + v + " is above " + max);
    }
    return v;
  }
}
