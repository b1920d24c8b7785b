package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IpRange;
import dev.policyc.dsl.Family;

/**
 * The address the kernel picks from a NAT address range: {@code find_best_ips_proto} in
 * {@code net/netfilter/nf_nat_core.c}, a Jenkins hash ({@code jhash2}) of the original source
 * address seeded with the original destination, scaled into the range. No random seed is
 * involved, so the choice is a pure function of the addresses.
 */
final class NatChoice {
  private static final int JHASH_INITVAL = 0xdeadbeef;

  private NatChoice() {}

  /**
   * The address chosen in {@code range} for the connection {@code src → dst}; {@code dnat} when
   * the destination is being rewritten. In that case the kernel's loop writes each chosen word
   * into the very tuple whose destination words it then mixes into the hash, so the later words
   * depend on the chosen ones, not the original destination (seen by the kernel oracle).
   */
  static IpAddr pick(IpRange range, IpAddr src, IpAddr dst, boolean dnat) {
    if (range.first().equals(range.last())) {
      return range.first();
    }
    Family f = range.family();
    int max = f == Family.IPV4 ? 0 : 3;
    // Conntrack tuples hold addresses in a 16-byte union, zero-padded for IPv4; jhash2 reads them
    // as native (little-endian on x86) 32-bit words.
    int[] srcWords = new int[4];
    int[] dstWords = new int[4];
    for (int i = 0; i <= max; i++) {
      srcWords[i] = Integer.reverseBytes(src.word32(i));
      dstWords[i] = Integer.reverseBytes(dst.word32(i));
    }
    int j = jhash2(srcWords, dstWords[max]);
    int[] out = new int[4];
    boolean fullRange = false;
    for (int i = 0; i <= max; i++) {
      long minip;
      long dist;
      if (!fullRange) {
        minip = range.first().word32(i) & 0xffffffffL;
        long maxip = range.last().word32(i) & 0xffffffffL;
        dist = (maxip - minip + 1) & 0xffffffffL;
      } else {
        minip = 0;
        dist = 0xffffffffL;
      }
      long scaled = ((j & 0xffffffffL) * dist) >>> 32; // reciprocal_scale
      out[i] = (int) (minip + scaled);
      if (out[i] != range.last().word32(i)) {
        fullRange = true;
      }
      j ^= dnat ? Integer.reverseBytes(out[i]) : dstWords[i];
    }
    return IpAddr.ofWords32(f, out);
  }

  /** The kernel's {@code jhash2} over four words. */
  static int jhash2(int[] k, int initval) {
    int length = 4;
    int a = JHASH_INITVAL + (length << 2) + initval;
    int b = a;
    int c = a;
    a += k[0];
    b += k[1];
    c += k[2];
    // __jhash_mix
    a -= c;
    a ^= Integer.rotateLeft(c, 4);
    c += b;
    b -= a;
    b ^= Integer.rotateLeft(a, 6);
    a += c;
    c -= b;
    c ^= Integer.rotateLeft(b, 8);
    b += a;
    a -= c;
    a ^= Integer.rotateLeft(c, 16);
    c += b;
    b -= a;
    b ^= Integer.rotateLeft(a, 19);
    a += c;
    c -= b;
    c ^= Integer.rotateLeft(b, 4);
    b += a;
    // one word left
    a += k[3];
    // __jhash_final
    c ^= b;
    c -= Integer.rotateLeft(b, 14);
    a ^= c;
    a -= Integer.rotateLeft(c, 11);
    b ^= a;
    b -= Integer.rotateLeft(a, 25);
    c ^= b;
    c -= Integer.rotateLeft(b, 16);
    a ^= c;
    a -= Integer.rotateLeft(c, 4);
    b ^= a;
    b -= Integer.rotateLeft(a, 14);
    c ^= b;
    c -= Integer.rotateLeft(b, 24);
    return c;
  }
}
