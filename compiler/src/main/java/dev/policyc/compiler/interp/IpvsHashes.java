package dev.policyc.compiler.interp;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;

/**
 * The hash functions of the kernel's hashing schedulers, as x86-64 computes them: {@code
 * hash_32} ({@code include/linux/hash.h}, GOLDEN_RATIO_32) for sh and dh, and hsiphash
 * ({@code lib/siphash.c}), which on 64-bit kernels is SipHash-1-3 with 64-bit key words, for mh.
 */
final class IpvsHashes {
  static final int GOLDEN_RATIO_32 = 0x61C88647;
  private static final long C0 = 0x736f6d6570736575L;
  private static final long C1 = 0x646f72616e646f6dL;
  private static final long C2 = 0x6c7967656e657261L;
  private static final long C3 = 0x7465646279746573L;

  private IpvsHashes() {}

  /** {@code hash_32(val, bits)}: the top {@code bits} of {@code val * GOLDEN_RATIO_32}. */
  static int hash32(int val, int bits) {
    return (val * GOLDEN_RATIO_32) >>> (32 - bits);
  }

  /**
   * The address folded to 32 bits in host order: IPv4 itself, IPv6 the XOR of its four words
   * ({@code ip_vs_sh_hashkey}, {@code ip_vs_mh_hashkey}).
   */
  static int fold(IpAddr a) {
    if (a.family() == Family.IPV4) {
      return a.word32(0);
    }
    return a.word32(0) ^ a.word32(1) ^ a.word32(2) ^ a.word32(3);
  }

  /** hsiphash of the 4 bytes of {@code v} (little-endian in memory) under key {k0, k1}. */
  static int hsiphash32(int v, long k0, long k1) {
    long v0 = C0 ^ k0;
    long v1 = C1 ^ k1;
    long v2 = C2 ^ k0;
    long v3 = C3 ^ k1;
    long b = (4L << 56) | (v & 0xffffffffL);
    v3 ^= b;
    long[] s = {v0, v1, v2, v3};
    round(s);
    s[0] ^= b;
    s[2] ^= 0xff;
    round(s);
    round(s);
    round(s);
    return (int) ((s[0] ^ s[1]) ^ (s[2] ^ s[3]));
  }

  private static void round(long[] s) {
    s[0] += s[1];
    s[1] = Long.rotateLeft(s[1], 13);
    s[1] ^= s[0];
    s[0] = Long.rotateLeft(s[0], 32);
    s[2] += s[3];
    s[3] = Long.rotateLeft(s[3], 16);
    s[3] ^= s[2];
    s[0] += s[3];
    s[3] = Long.rotateLeft(s[3], 21);
    s[3] ^= s[0];
    s[2] += s[1];
    s[1] = Long.rotateLeft(s[1], 17);
    s[1] ^= s[2];
    s[2] = Long.rotateLeft(s[2], 32);
  }
}
