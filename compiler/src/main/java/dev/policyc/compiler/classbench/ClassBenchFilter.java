package dev.policyc.compiler.classbench;

import dev.policyc.compiler.ir.Protocols;
import java.util.Locale;

/**
 * One filter of a ClassBench filter set: source and destination prefixes, source and destination
 * port ranges and a protocol (one, or any). The TCP-flags column of the format is read and
 * ignored, as classifiers commonly do.
 *
 * @param label the filter's 1-based position in its set, which is its priority (first match)
 * @param line the line it was read from, or 0 when it was made by the generator
 * @param src the source prefix, host bits clear, as an unsigned 32-bit value
 * @param protoMask {@code 0xFF} for the one protocol {@code proto}, {@code 0} for any
 */
public record ClassBenchFilter(int label, int line, long src, int srcLen, long dst, int dstLen,
    int sportLo, int sportHi, int dportLo, int dportHi, int proto, int protoMask) {
  /** The highest port. */
  static final int MAX_PORT = 65535;

  public ClassBenchFilter {
    if (label < 1 || line < 0) {
      throw new IllegalArgumentException("label " + label + " and line " + line);
    }
    checkPrefix(src, srcLen);
    checkPrefix(dst, dstLen);
    checkPorts(sportLo, sportHi);
    checkPorts(dportLo, dportHi);
    if ((protoMask != 0 && protoMask != 0xFF) || proto < 0 || proto > 0xFF
        || (protoMask == 0 && proto != 0)) {
      throw new IllegalArgumentException("protocol " + proto + "/" + protoMask);
    }
    src &= mask(srcLen);
    dst &= mask(dstLen);
  }

  /** The netmask of a prefix length, as an unsigned 32-bit value. */
  static long mask(int len) {
    return len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
  }

  private static void checkPrefix(long addr, int len) {
    if (addr < 0 || addr > 0xffffffffL || len < 0 || len > 32) {
      throw new IllegalArgumentException("prefix " + addr + "/" + len);
    }
  }

  private static void checkPorts(int lo, int hi) {
    if (lo < 0 || hi > MAX_PORT || lo > hi) {
      throw new IllegalArgumentException("ports " + lo + ":" + hi);
    }
  }

  public boolean anyProtocol() {
    return protoMask == 0;
  }

  /** True when the filter restricts the source or the destination port. */
  public boolean restrictsPorts() {
    return sportLo != 0 || sportHi != MAX_PORT || dportLo != 0 || dportHi != MAX_PORT;
  }

  /**
   * True when no packet can match the filter under netfilter's semantics: it restricts ports
   * but names one protocol that policyc matches no ports of (only tcp, udp, sctp and dccp
   * have them), so the port condition can never hold.
   */
  public boolean matchesNothing() {
    return !anyProtocol() && restrictsPorts() && !Protocols.hasPorts(proto);
  }

  /**
   * The filter as a line of a ClassBench filter set, in the layout of the published sets (tabs
   * between the fields and after the last; the flags column {@code 0x0000/0x0000}).
   */
  public String text() {
    return "@" + cidr(src, srcLen) + '\t' + cidr(dst, dstLen) + '\t' + sportLo + " : " + sportHi
        + '\t' + dportLo + " : " + dportHi + '\t'
        + String.format(Locale.ROOT, "0x%02X/0x%02X", proto, protoMask) + "\t0x0000/0x0000\t";
  }

  /** {@code a.b.c.d/len}. */
  static String cidr(long addr, int len) {
    return dotted(addr) + "/" + len;
  }

  static String dotted(long addr) {
    return (addr >>> 24 & 0xff) + "." + (addr >>> 16 & 0xff) + "." + (addr >>> 8 & 0xff) + "."
        + (addr & 0xff);
  }
}
